/**
 * Serving benchmark (`npm run bench -- serving`). Every figure is a ratio of
 * two measurements taken in this run on this machine:
 *   1. single-row V2 JSON on breast_cancer_rf, 32 connections: modelgate
 *      `serve --workers 2` against the bare node:http + onnxruntime-node floor
 *      with 2 processes (target >= 0.85), six rounds of each in turns after
 *      5 s of warm-up each, and
 *      against FastAPI + scikit-learn;
 *   2. wide_mlp single rows at 64 connections: dynamic batching on vs off
 *      (target >= 2x), p99 of both, and the mean batch size a worker ran.
 *      Both endpoints run in the same server with the same session settings
 *      (one intra-op thread per session, as every worker gets by default);
 *   3. a 1 MiB FP32 input ([1, 262144] to sum_1m, a ReduceSum whose cost is
 *      negligible next to decoding the input): binary extension vs JSON
 *      (target >= 5x);
 *   4. p50/p99 added over the floor at half of modelgate's max throughput.
 * Results go to bench/results/serving.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeV2BinaryRequest } from '../../src/inference/v2-binary.ts';
import { timeCodecs } from './codec.ts';
import { cli, load as loadWith, mainCli as main, mergeLoads, ratio, root, show, startProcess, stopProcesses, type Load, type LoadOptions } from './harness.ts';

const DURATION = 8;
/** Part 1: rounds of each server, in turns. */
const ROUNDS = 6;
const ROUND_SECONDS = 5;
const WARMUP_SECONDS = 5;
/** Batched endpoint settings: no added wait; a batch takes every request that arrived while the previous one ran. */
const BATCHING = { maxBatchSize: 64, maxQueueDelayUs: 0 };

const load = (url: string, body: string | Buffer, options: Omit<LoadOptions, 'duration'> & { duration?: number }): Promise<Load> =>
  loadWith(url, body, { ...options, duration: options.duration ?? DURATION });

/** How many times cheaper `b` is than `a` in server CPU per request (null when either was not measured). */
function cpuRatio(a: Load, b: Load): number | null {
  return a.serverCpuUsPerRequest === null || b.serverCpuUsPerRequest === null || b.serverCpuUsPerRequest === 0 ? null : ratio(a.serverCpuUsPerRequest, b.serverCpuUsPerRequest);
}

function hasFastapi(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import fastapi, uvicorn, sklearn'], { stdio: 'ignore' }).status === 0;
}

interface BatchStats { batches: number; rows: number; largestBatch: number }

async function batchStats(url: string): Promise<BatchStats | null> {
  const meta = await (await fetch(url)).json() as { parameters?: { batch_stats?: BatchStats } };
  return meta.parameters?.batch_stats ?? null;
}

async function run(): Promise<void> {
  // Other work on the machine moves every figure; the load average says how much there was.
  const startLoad = loadavg().map((x) => Math.round(x * 100) / 100);
  const dataDir = mkdtempSync(join(tmpdir(), 'modelgate-bench-serving-'));
  try {
    cli(dataDir, ['models', 'create', 'rf']);
    cli(dataDir, ['versions', 'register', 'rf', join(root, 'fixtures/models/breast_cancer_rf/model.onnx')]);
    cli(dataDir, ['models', 'create', 'wide']);
    cli(dataDir, ['versions', 'register', 'wide', join(root, 'fixtures/models/wide_mlp/model.onnx')]);
    cli(dataDir, ['deploy', 'rf', '1', '--endpoint', 'rf']);
    cli(dataDir, ['deploy', 'wide', '1', '--endpoint', 'wide']);
    cli(dataDir, ['deploy', 'wide', '1', '--endpoint', 'wide-batched', '--max-batch-size', String(BATCHING.maxBatchSize), '--max-queue-delay-us', String(BATCHING.maxQueueDelayUs)]);
    cli(dataDir, ['models', 'create', 'sum']);
    cli(dataDir, ['versions', 'register', 'sum', join(root, 'fixtures/models/sum_1m/model.onnx')]);
    cli(dataDir, ['deploy', 'sum', '1', '--endpoint', 'sum']);

    const mg = await startProcess([process.execPath, main, '--data-dir', dataDir, 'serve', '--workers', '2', '--port', '8093'], /listening on (http:\/\/\S+)/, { MODELGATE_LOG_LEVEL: 'warn' });
    const bare = await startProcess([process.execPath, join(root, 'bench/peers/bare-onnx-server.ts'), '--port', '8094', '--workers', '2'], /listening on (http:\/\/\S+)/);

    const row = Array.from({ length: 30 }, (_, i) => (i % 7) + 0.5);
    const single = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: row }] });
    console.log('1. single-row V2 JSON, breast_cancer_rf, 32 connections');
    // Warm-up: both servers reach steady state (JIT, heap sizing) before anything is measured; modelgate has more code to compile.
    await load(`${bare}/v2/models/rf/infer`, single, { connections: 32, duration: WARMUP_SECONDS });
    await load(`${mg}/v2/models/rf/infer`, single, { connections: 32, duration: WARMUP_SECONDS });
    // Rounds in turns (bare first, then modelgate first, ...), so a change in machine load during the run hits both alike.
    const floorRounds: Load[] = [];
    const ourRounds: Load[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? ['bare', 'modelgate'] as const : ['modelgate', 'bare'] as const) {
        const l = await load(`${side === 'bare' ? bare : mg}/v2/models/rf/infer`, single, { connections: 32, duration: ROUND_SECONDS });
        (side === 'bare' ? floorRounds : ourRounds).push(l);
        show(`round ${round + 1}: ${side === 'bare' ? 'bare node:http + onnxruntime-node (2 procs)' : 'modelgate serve --workers 2'}`, l);
      }
    }
    const floor = mergeLoads(floorRounds, ROUND_SECONDS);
    const ours = mergeLoads(ourRounds, ROUND_SECONDS);
    show('bare, all rounds', floor);
    show('modelgate, all rounds', ours);
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
    const stats = await batchStats(`${mg}/v2/models/wide-batched`);
    const meanBatch = stats === null ? null : Math.round((stats.rows / stats.batches) * 10) / 10;
    show(`batching on (max ${BATCHING.maxBatchSize}, delay ${BATCHING.maxQueueDelayUs} us, mean batch ${meanBatch})`, on);

    console.log('3. 1 MiB FP32 input ([1, 262144] to sum_1m), binary extension vs JSON');
    const big = Float32Array.from({ length: 262144 }, (_, i) => (i % 97) / 97);
    // A client holding float32 values writes each one's shortest double form, as JSON.stringify does here.
    const bigJson = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 262144], data: Array.from(big) }] });
    const bigBin = encodeV2BinaryRequest([{ name: 'x', datatype: 'FP32', shape: [1, 262144], data: big }], { binaryOutputs: true });
    await load(`${mg}/v2/models/sum/infer`, bigJson, { connections: 4, duration: 2 });
    const json = await load(`${mg}/v2/models/sum/infer`, bigJson, { connections: 4 });
    show(`JSON (${(bigJson.length / 2 ** 20).toFixed(1)} MiB body)`, json);
    const binary = await load(`${mg}/v2/models/sum/infer`, bigBin.body, {
      connections: 4, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(bigBin.headerLength) },
    });
    show('binary extension', binary);
    const codec = timeCodecs({ name: 'x', datatype: 'FP32', shape: [1, 262144], data: big }, bigJson, bigBin);
    console.log(`  decoding alone (this process): JSON ${codec.jsonMs} ms, binary ${codec.binaryMs} ms (${codec.ratio}x)`);

    console.log(`4. latency at half of modelgate's max throughput (${Math.round(ours.rps / 2)} req/s), 32 connections`);
    const rate = Math.max(1, Math.round(ours.rps / 2));
    const floorHalf = await load(`${bare}/v2/models/rf/infer`, single, { connections: 32, overallRate: rate });
    show('bare floor', floorHalf);
    const oursHalf = await load(`${mg}/v2/models/rf/infer`, single, { connections: 32, overallRate: rate });
    show('modelgate', oursHalf);

    const results = {
      machine: { cpus: availableParallelism(), model: cpus()[0]?.model, node: process.version, loadAverageAtStart: startLoad, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
      durationSeconds: DURATION,
      throughputVsBare: {
        ratio: ratio(ours.rps, floor.rps), target: 0.85, rounds: ROUNDS, secondsPerRound: ROUND_SECONDS,
        ratioPerRound: ourRounds.map((l, i) => ratio(l.rps, floorRounds[i]!.rps)), serverCpuBareOverModelgate: cpuRatio(floor, ours), modelgate: ours, bare: floor,
      },
      throughputVsFastapi: fastapi === null ? { skipped: 'python3-fastapi/python3-uvicorn/python3-sklearn not installed' } : { ratio: ratio(ours.rps, fastapi.rps), fastapi },
      batching: {
        ratio: ratio(on.rps, off.rps), target: 2, serverCpuPerRequestOffOverOn: cpuRatio(off, on), on, off, p99OnMs: on.p99, p99OffMs: off.p99,
        settings: { ...BATCHING, workers: 2, intraOpThreadsPerSession: 1, connections: 64 }, batchStatsOneWorker: stats, meanBatch,
      },
      binaryVsJson: { ratio: ratio(binary.rps, json.rps), target: 5, serverCpuPerRequestJsonOverBinary: cpuRatio(json, binary), model: 'sum_1m', shape: [1, 262144], jsonBodyBytes: bigJson.length, binaryBodyBytes: bigBin.body.byteLength, binary, json, codecOnly: codec },
      latencyAtHalfMax: { rate, addedP50Ms: Math.round((oursHalf.p50 - floorHalf.p50) * 100) / 100, addedP99Ms: Math.round((oursHalf.p99 - floorHalf.p99) * 100) / 100, modelgate: oursHalf, bare: floorHalf },
    };
    console.log('\nratios (same run):');
    console.log(`  modelgate / bare floor:        ${results.throughputVsBare.ratio} (target >= 0.85; rounds ${results.throughputVsBare.ratioPerRound.join(', ')}; server CPU per request bare/modelgate ${results.throughputVsBare.serverCpuBareOverModelgate})`);
    if (fastapi !== null) console.log(`  modelgate / FastAPI:           ${ratio(ours.rps, fastapi.rps)}`);
    console.log(`  batching on / off (wide_mlp):  ${results.batching.ratio} (target >= 2); p99 ${on.p99} ms on, ${off.p99} ms off; server CPU per request off/on ${results.batching.serverCpuPerRequestOffOverOn}`);
    console.log(`  binary / JSON (1 MiB):         ${results.binaryVsJson.ratio} (target >= 5); server CPU per request JSON/binary ${results.binaryVsJson.serverCpuPerRequestJsonOverBinary}; decoding alone ${codec.ratio}x`);
    console.log(`  load average at start / end:   ${startLoad.join(' ')} / ${results.machine.loadAverageAtEnd.join(' ')} (${availableParallelism()} CPUs)`);
    console.log(`  added at half max:             p50 +${results.latencyAtHalfMax.addedP50Ms} ms, p99 +${results.latencyAtHalfMax.addedP99Ms} ms`);
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/serving.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await stopProcesses();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await run();
