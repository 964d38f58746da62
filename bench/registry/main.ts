/**
 * bench/registry: what registering costs.
 *  1. register 1,000 versions of a small model in-process, then list them all,
 *     against a baseline of 1,000 durable file writes (write + fsync) of the same artifact;
 *  2. upload a 500 MB artifact over HTTP to a server process, as a ratio to
 *     `cp` (plus `sync` of the copy, since the registry syncs) of the same file on the same disk;
 *  3. the server's peak RSS during a 1 GiB upload (target under 300 MB).
 * Writes bench/results/registry.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { loadConfig } from '../../src/config/load.ts';
import { openServices } from '../../src/app/services.ts';
import { HttpRegistryClient } from '../../src/cli/http-client.ts';
import { writeBigOnnx } from '../support/big-onnx.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'mg-bench-registry-'));
const MB = 1024 * 1024;
const results: Record<string, unknown> = { machine: `${process.platform} ${process.arch}, node ${process.version}`, at: new Date().toISOString() };

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function registerAndList(): Promise<void> {
  const artifact = readFileSync(join(root, 'fixtures/models/iris_logreg/model.onnx'));
  const n = 1000;
  let t = process.hrtime.bigint();
  const dir = join(work, 'files');
  mkdirSync(dir);
  for (let i = 0; i < n; i++) {
    const fh = await open(join(dir, `${i}.onnx`), 'w');
    await fh.writeFile(artifact);
    await fh.sync();
    await fh.close();
  }
  const baseline = seconds(t);

  const config = loadConfig({ env: {}, flags: { dataDir: join(work, 'reg'), logLevel: 'silent' } });
  const services = await openServices(config);
  t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await services.registry.registerVersion('iris', Readable.from([artifact]), { metrics: { accuracy: 0.9 + i / 1e5 }, tags: { run: String(i) } });
  }
  const register = seconds(t);
  t = process.hrtime.bigint();
  let listed = 0;
  let cursor: string | undefined;
  do {
    const page = await services.registry.listVersions('iris', { limit: 100, ...(cursor ? { cursor } : {}) });
    listed += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const list = seconds(t);
  await services.close();
  if (listed !== n) throw new Error(`listed ${listed} versions, expected ${n}`);
  results.register1000 = { seconds: register, perVersionMs: (register / n) * 1000, baselineDurableWritesSeconds: baseline, ratioToBaseline: register / baseline };
  results.list1000 = { seconds: list, pages: n / 100 };
  console.log(`register 1,000 versions: ${register.toFixed(2)} s (${((register / n) * 1000).toFixed(2)} ms each); ` +
    `1,000 durable file writes: ${baseline.toFixed(2)} s; ratio ${(register / baseline).toFixed(2)}x the baseline's time`);
  console.log(`list 1,000 versions (10 pages): ${(list * 1000).toFixed(1)} ms`);
}

interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startServerProcess(dataDir: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [join(here, '..', 'support', 'server-process.ts'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function upload(client: HttpRegistryClient, model: string, file: string): Promise<number> {
  const t = process.hrtime.bigint();
  await client.registerVersion(model, createReadStream(file, { highWaterMark: MB }), { artifactName: 'big.onnx' }, { size: statSync(file).size });
  return seconds(t);
}

async function uploads(): Promise<void> {
  const file500 = join(work, 'big-500.onnx');
  const file1g = join(work, 'big-1g.onnx');
  await writeBigOnnx(file500, 500 * MB, { seed: 1 });
  await writeBigOnnx(file1g, 1024 * MB, { seed: 2 });

  let t = process.hrtime.bigint();
  spawnSync('cp', [file500, join(work, 'copy.onnx')]);
  const cp = seconds(t);
  rmSync(join(work, 'copy.onnx'));
  t = process.hrtime.bigint();
  spawnSync('cp', [file500, join(work, 'copy.onnx')]);
  spawnSync('sync', [join(work, 'copy.onnx')]);
  const cpSync = seconds(t);
  rmSync(join(work, 'copy.onnx'));

  const server = await startServerProcess(join(work, 'server'));
  try {
    const client = new HttpRegistryClient(server.url);
    const upload500 = await upload(client, 'big', file500);
    const size = statSync(file500).size / MB;
    results.upload500 = {
      mb: size, seconds: upload500, mbPerSecond: size / upload500,
      cpSeconds: cp, cpSyncSeconds: cpSync, ratioToCpSync: cpSync / upload500, ratioToCp: cp / upload500, target: 0.5,
    };
    console.log(`upload 500 MB over HTTP: ${upload500.toFixed(2)} s (${(size / upload500).toFixed(0)} MB/s); ` +
      `cp+sync ${cpSync.toFixed(2)} s → throughput ratio ${(cpSync / upload500).toFixed(2)} (target ≥ 0.5); ` +
      `plain cp (page cache only) ${cp.toFixed(2)} s → ${(cp / upload500).toFixed(2)}`);
    const upload1g = await upload(client, 'big', file1g);
    const rss = peakRssMb(server.pid);
    results.upload1g = { seconds: upload1g, peakRssMb: rss, target: 300 };
    console.log(`upload 1 GiB: ${upload1g.toFixed(2)} s; server peak RSS ${rss.toFixed(0)} MB (target < 300 MB)`);
  } finally {
    await server.stop();
  }
}

try {
  await registerAndList();
  await uploads();
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/registry.json'), JSON.stringify(results, null, 2) + '\n');
} finally {
  rmSync(work, { recursive: true, force: true });
}
