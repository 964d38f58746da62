/**
 * What monitoring costs the request path: serving throughput of one server
 * process with monitoring on (live windows, Prometheus metrics, 10 %
 * prediction logging, live drift every 10 s against the training reference)
 * as a ratio to the same server with `monitoring.enabled: false`. Same model
 * (breast_cancer_rf, one row per request), same connections, same run; the
 * two servers take turns (never loaded at once, on a small machine they would
 * share the cores), and each ratio pairs neighbouring rounds. Target: ≥ 0.9.
 * Results go to bench/results/monitoring.json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, load, mainCli, ratio, root, show, startProcess, stopProcesses, type Load } from '../serving/harness.ts';

const CONNECTIONS = 16;
const SECONDS = 8;
const ROUNDS = 3;
const fixture = (file: string): string => join(root, 'fixtures/models/breast_cancer_rf', file);

const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as { features: string[] };
const [head, firstRow] = readFileSync(fixture('test.csv'), 'utf8').split(/\r?\n/);
const cols = head.split(',');
const values = firstRow.split(',').map(Number);
const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: expected.features.map((f) => values[cols.indexOf(f)]) }] });

const ON_ENV = {
  MODELGATE_MONITORING__ENABLED: 'true',
  MODELGATE_MONITORING__PREDICTION_LOG__SAMPLE_PERCENT: '10',
  MODELGATE_MONITORING__DRIFT__INTERVAL: '10s',
};
const OFF_ENV = { MODELGATE_MONITORING__ENABLED: 'false' };

function prepare(): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-bench-monitoring-'));
  cli(dir, ['models', 'create', 'rf']);
  cli(dir, ['versions', 'register', 'rf', fixture('model.onnx'), '--train-data', fixture('train.csv'), '--features', expected.features.join(',')]);
  cli(dir, ['deploy', 'rf', '1', '--endpoint', 'cancer']);
  return dir;
}

async function serve(dataDir: string, env: Record<string, string>): Promise<string> {
  return startProcess([process.execPath, mainCli, '--data-dir', dataDir, 'serve', '--port', '0', '--workers', '1'], /listening on (http:\/\/\S+)/, { MODELGATE_LOG_LEVEL: 'warn', ...env });
}

function cpuRatio(off: readonly Load[], on: readonly Load[]): number | null {
  const us = (ls: readonly Load[]): number[] => ls.flatMap((l) => (l.serverCpuUsPerRequest === null ? [] : [l.serverCpuUsPerRequest]));
  const a = us(off);
  const b = us(on);
  return a.length === 0 || b.length === 0 ? null : ratio(median(a), median(b));
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const startLoad = loadavg().map((x) => Math.round(x * 100) / 100);
const dirs = [prepare(), prepare()];
try {
  const onUrl = await serve(dirs[0], ON_ENV);
  const offUrl = await serve(dirs[1], OFF_ENV);
  const target = (base: string): string => `${base}/v2/models/cancer/infer`;
  // Warm both (JIT, session) before measuring.
  await load(target(onUrl), body, { connections: CONNECTIONS, duration: 2 });
  await load(target(offUrl), body, { connections: CONNECTIONS, duration: 2 });
  const on: Load[] = [];
  const off: Load[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so a drift in machine load does not favour one side.
    const order = round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
    for (const side of order) {
      const l = await load(target(side === 'on' ? onUrl : offUrl), body, { connections: CONNECTIONS, duration: SECONDS });
      (side === 'on' ? on : off).push(l);
      show(`round ${round + 1} monitoring ${side}`, l);
    }
  }
  const ratios = on.map((l, i) => ratio(l.rps, off[i].rps));
  const metrics = await (await fetch(`${onUrl}/metrics`)).text();
  const logged = Number(/^modelgate_prediction_log_written_total\{endpoint="cancer"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  const dropped = Number(/^modelgate_prediction_log_dropped_total\{endpoint="cancer"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
  const drift = (await (await fetch(`${onUrl}/api/v1/endpoints/cancer/drift`)).json()) as { items: { kind: string }[] };
  const result = {
    benchmark: 'monitoring',
    command: 'npm run bench -- monitoring',
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version, loadAverageAtStart: startLoad, loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
    settings: { model: 'breast_cancer_rf', rowsPerRequest: 1, connections: CONNECTIONS, secondsPerRound: SECONDS, rounds: ROUNDS, workers: 1, monitoringOn: ON_ENV, monitoringOff: OFF_ENV },
    monitoringOn: on.map((l) => ({ rps: Math.round(l.rps), p50Ms: l.p50, p99Ms: l.p99, errors: l.errors + l.non2xx, serverCpuUsPerRequest: l.serverCpuUsPerRequest })),
    monitoringOff: off.map((l) => ({ rps: Math.round(l.rps), p50Ms: l.p50, p99Ms: l.p99, errors: l.errors + l.non2xx, serverCpuUsPerRequest: l.serverCpuUsPerRequest })),
    ratioPerRound: ratios,
    ratio: median(ratios),
    // Server CPU per request, off ÷ on: what throughput the on server keeps when CPU-bound, less moved by other work on the machine.
    cpuRatio: cpuRatio(off, on),
    target: 0.9,
    predictionLog: { written: logged, dropped },
    liveDrift: drift.items.map((d) => d.kind),
  };
  writeFileSync(join(root, 'bench/results/monitoring.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`  throughput with monitoring / without: ${result.ratio} (rounds ${ratios.join(', ')}; target ≥ 0.9); server CPU per request, off / on: ${result.cpuRatio}`);
  console.log(`  prediction log: ${logged} written, ${dropped} dropped; live drift: ${result.liveDrift.join(', ') || 'none yet'}`);
} finally {
  await stopProcesses();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
