/**
 * Serving benchmark (`npm run bench -- serving`). Every figure is a ratio of
 * two measurements taken in this run on this machine:
 *   1. single-row V2 JSON on breast_cancer_rf, 32 connections: modelgate
 *      `serve --workers 2` against the bare node:http + onnxruntime-node floor
 *      with 2 processes (target >= 0.85), and against FastAPI + scikit-learn;
 *   2. wide_mlp single rows at 64 connections: dynamic batching on vs off
 *      (target >= 2x), p99 of both;
 *   3. a 1 MiB FP32 input (4096 x 64 rows of wide_mlp): binary extension vs
 *      JSON (target >= 5x);
 *   4. p50/p99 added over the floor at half of modelgate's max throughput.
 * Results go to bench/results/serving.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { encodeV2BinaryRequest } from '../../src/inference/v2-binary.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = join(root, 'src/cli/main.ts');
const DURATION = 8;
const children: ChildProcess[] = [];

function cli(dataDir: string, args: string[]): void {
  const r = spawnSync(process.execPath, [main, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`modelgate ${args.join(' ')}: ${r.stderr}`);
}

/** Starts a server; ready when its output matches `ready` (group 1: its URL), or when `ready` (a URL) answers. */
async function startProcess(args: string[], ready: RegExp | string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = spawn(args[0], args.slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  for (let i = 0; i < 600; i++) {
    if (typeof ready === 'string') {
      const up = await fetch(ready).then(() => true, () => false);
      if (up) return ready;
    } else {
      const m = ready.exec(out);
      if (m) return m[1];
    }
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited: ${out}`);
    await sleep(100);
  }
  throw new Error(`${args.join(' ')} did not start: ${out}`);
}

interface Load {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
}

async function load(url: string, body: string | Buffer, options: { connections: number; headers?: Record<string, string>; overallRate?: number; duration?: number }): Promise<Load> {
  const r = await autocannon({
    url, method: 'POST', body, connections: options.connections, duration: options.duration ?? DURATION,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

const show = (label: string, l: Load): void =>
  console.log(`  ${label.padEnd(44)} ${l.rps.toFixed(0).padStart(7)} req/s  p50 ${l.p50.toFixed(2)} ms  p99 ${l.p99.toFixed(2)} ms${l.errors + l.non2xx > 0 ? `  (${l.errors} errors, ${l.non2xx} non-2xx)` : ''}`);
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

function hasFastapi(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import fastapi, uvicorn, sklearn'], { stdio: 'ignore' }).status === 0;
}

async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'modelgate-bench-serving-'));
  try {
    cli(dataDir, ['models', 'create', 'rf']);
    cli(dataDir, ['versions', 'register', 'rf', join(root, 'fixtures/models/breast_cancer_rf/model.onnx')]);
    cli(dataDir, ['models', 'create', 'wide']);
    cli(dataDir, ['versions', 'register', 'wide', join(root, 'fixtures/models/wide_mlp/model.onnx')]);
    cli(dataDir, ['deploy', 'rf', '1', '--endpoint', 'rf']);
    cli(dataDir, ['deploy', 'wide', '1', '--endpoint', 'wide']);
    cli(dataDir, ['deploy', 'wide', '1', '--endpoint', 'wide-batched', '--max-batch-size', '64', '--max-queue-delay-us', '2000']);

    const mg = await startProcess([process.execPath, main, '--data-dir', dataDir, 'serve', '--workers', '2', '--port', '8093'], /listening on (http:\/\/\S+)/, { MODELGATE_LOG_LEVEL: 'warn' });
    const bare = await startProcess([process.execPath, join(root, 'bench/peers/bare-onnx-server.ts'), '--port', '8094', '--workers', '2'], /listening on (http:\/\/\S+)/);

    const row = Array.from({ length: 30 }, (_, i) => (i % 7) + 0.5);
    const single = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: row }] });
    console.log('1. single-row V2 JSON, breast_cancer_rf, 32 connections');
    await load(`${bare}/v2/models/rf/infer`, single, { connections: 32, duration: 2 });
    await load(`${mg}/v2/models/rf/infer`, single, { connections: 32, duration: 2 });
    const floor = await load(`${bare}/v2/models/rf/infer`, single, { connections: 32 });
    show('bare node:http + onnxruntime-node (2 procs)', floor);
    const ours = await load(`${mg}/v2/models/rf/infer`, single, { connections: 32 });
    show('modelgate serve --workers 2', ours);
    let fastapi: Load | null = null;
    if (hasFastapi()) {
      const fa = await startProcess(['/usr/bin/python3', join(root, 'bench/peers/fastapi_sklearn.py'), '--port', '8095'], 'http://127.0.0.1:8095');
      await load(`${fa}/v2/models/rf/infer`, single, { connections: 32, duration: 2 });
      fastapi = await load(`${fa}/v2/models/rf/infer`, single, { connections: 32 });
      show('FastAPI + uvicorn + scikit-learn', fastapi);
    } else {
      console.log('  FastAPI peer skipped: install python3-fastapi python3-uvicorn python3-sklearn');
    }

    console.log('2. wide_mlp single rows, 64 connections, dynamic batching');
    const wideRow = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: Array.from({ length: 64 }, (_, i) => i / 64) }] });
    const off = await load(`${mg}/v2/models/wide/infer`, wideRow, { connections: 64 });
    show('batching off', off);
    const on = await load(`${mg}/v2/models/wide-batched/infer`, wideRow, { connections: 64 });
    show('batching on (max 64, delay 2 ms)', on);

    console.log('3. 1 MiB FP32 input (4096 x 64), binary extension vs JSON');
    const big = Float32Array.from({ length: 4096 * 64 }, (_, i) => (i % 97) / 97);
    const bigJson = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [4096, 64], data: Array.from(big) }] });
    const bigBin = encodeV2BinaryRequest([{ name: 'features', datatype: 'FP32', shape: [4096, 64], data: big }], { binaryOutputs: true });
    const json = await load(`${mg}/v2/models/wide/infer`, bigJson, { connections: 4 });
    show('JSON', json);
    const binary = await load(`${mg}/v2/models/wide/infer`, bigBin.body, {
      connections: 4, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(bigBin.headerLength) },
    });
    show('binary extension', binary);

    console.log(`4. latency at half of modelgate's max throughput (${Math.round(ours.rps / 2)} req/s), 32 connections`);
    const rate = Math.max(1, Math.round(ours.rps / 2));
    const floorHalf = await load(`${bare}/v2/models/rf/infer`, single, { connections: 32, overallRate: rate });
    show('bare floor', floorHalf);
    const oursHalf = await load(`${mg}/v2/models/rf/infer`, single, { connections: 32, overallRate: rate });
    show('modelgate', oursHalf);

    const results = {
      machine: { cpus: (await import('node:os')).availableParallelism(), node: process.version },
      durationSeconds: DURATION,
      throughputVsBare: { ratio: ratio(ours.rps, floor.rps), target: 0.85, modelgate: ours, bare: floor },
      throughputVsFastapi: fastapi === null ? { skipped: 'python3-fastapi/python3-uvicorn/python3-sklearn not installed' } : { ratio: ratio(ours.rps, fastapi.rps), fastapi },
      batching: { ratio: ratio(on.rps, off.rps), target: 2, on, off, p99OnMs: on.p99, p99OffMs: off.p99 },
      binaryVsJson: { ratio: ratio(binary.rps, json.rps), target: 5, binary, json },
      latencyAtHalfMax: { rate, addedP50Ms: Math.round((oursHalf.p50 - floorHalf.p50) * 100) / 100, addedP99Ms: Math.round((oursHalf.p99 - floorHalf.p99) * 100) / 100, modelgate: oursHalf, bare: floorHalf },
    };
    console.log('\nratios (same run):');
    console.log(`  modelgate / bare floor:        ${results.throughputVsBare.ratio} (target >= 0.85)`);
    if (fastapi !== null) console.log(`  modelgate / FastAPI:           ${ratio(ours.rps, fastapi.rps)}`);
    console.log(`  batching on / off (wide_mlp):  ${results.batching.ratio} (target >= 2); p99 ${on.p99} ms on, ${off.p99} ms off`);
    console.log(`  binary / JSON (1 MiB):         ${results.binaryVsJson.ratio} (target >= 5)`);
    console.log(`  added at half max:             p50 +${results.latencyAtHalfMax.addedP50Ms} ms, p99 +${results.latencyAtHalfMax.addedP99Ms} ms`);
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/serving.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await sleep(500);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await run();
