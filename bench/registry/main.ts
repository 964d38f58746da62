/**
 * bench/registry: what registering costs.
 *  1. register 1,000 versions of a small model in-process, then list them all,
 *     against a baseline of 1,000 durable file writes (write + fsync) of the same artifact;
 *  2. register a 500 MB artifact in-process (the CLI on a data directory) and
 *     upload it over HTTP to a server process, each as a throughput ratio to
 *     `cp` plus `sync` of the copy (the registry syncs too) on the same disk;
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

function middle(values: number[]): number {
  return values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

function median(runs: number, fn: () => number): number {
  return middle(Array.from({ length: runs }, fn));
}

async function medianAsync(runs: number, fn: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await fn());
  return middle(values);
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

  // cp then sync of the copy, since the registry syncs too; median of three runs with the source in the page cache.
  const copy = join(work, 'copy.onnx');
  spawnSync('cat', [file500], { stdio: ['ignore', 'ignore', 'ignore'] });
  const cpSync = median(3, () => {
    const t = process.hrtime.bigint();
    spawnSync('cp', [file500, copy]);
    spawnSync('sync', [copy]);
    const s = seconds(t);
    rmSync(copy);
    return s;
  });
  const size = statSync(file500).size / MB;

  // The same artifact registered in-process (the CLI on a data directory): no HTTP.
  const config = loadConfig({ env: {}, flags: { dataDir: join(work, 'local'), logLevel: 'silent' } });
  const services = await openServices(config);
  const local = await medianAsync(3, async () => {
    const t = process.hrtime.bigint();
    await services.registry.registerVersion('big', createReadStream(file500, { highWaterMark: MB }), {});
    return seconds(t);
  });
  await services.close();

  const server = await startServerProcess(join(work, 'server'));
  try {
    const client = new HttpRegistryClient(server.url);
    const upload500 = await medianAsync(3, () => upload(client, 'big', file500));
    results.upload500 = {
      mb: size, httpSeconds: upload500, httpMbPerSecond: size / upload500, localSeconds: local, localMbPerSecond: size / local,
      cpSyncSeconds: cpSync, httpRatioToCp: cpSync / upload500, localRatioToCp: cpSync / local, target: 0.5,
    };
    console.log(`cp + sync of 500 MB: ${cpSync.toFixed(2)} s (${(size / cpSync).toFixed(0)} MB/s), median of 3`);
    console.log(`register 500 MB in-process (data directory): ${local.toFixed(2)} s (${(size / local).toFixed(0)} MB/s) → ratio ${(cpSync / local).toFixed(2)} (target ≥ 0.5)`);
    console.log(`upload 500 MB over HTTP: ${upload500.toFixed(2)} s (${(size / upload500).toFixed(0)} MB/s) → ratio ${(cpSync / upload500).toFixed(2)} (target ≥ 0.5)`);
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
