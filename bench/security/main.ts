/**
 * Security benchmark (`npm run bench -- security`): single-row V2 JSON on
 * breast_cancer_rf, one worker process per server, with API-key
 * authentication and rate limits (per principal and per endpoint, set far
 * above the load so they never refuse) against the same server with both
 * off, and a second open server as a control. The servers are loaded at the
 * same time, every round (loadPaired), so all meet the same machine and share
 * one history (a server's CPU per request falls as it runs: JIT, heap sizing).
 *
 * The figure judged against the target (>= 0.9) is server CPU per request,
 * open ÷ secured: the throughput the secured server keeps when CPU is the
 * limit. Throughput itself is reported too, but on this shared machine the
 * load generator's share of the two cores moves it by up to 10 % between two
 * identical servers, where their CPU per request agrees within 1-2 % (the
 * control pair shows both). With MODELGATE_TEST_REDIS_URL set, a server
 * keeping the buckets in Redis is then measured beside the open one. Results go to bench/results/security.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, loadPaired, mainCli as main, ratio, root, show, startProcess, stopProcesses, type Target } from '../serving/harness.ts';

const DURATION = 5;
const ROUNDS = 6;
const CONNECTIONS = 16;
const HIGH = { MODELGATE_SECURITY__RATE_LIMIT__PER_PRINCIPAL__RATE: '1000000', MODELGATE_SECURITY__RATE_LIMIT__PER_PRINCIPAL__BURST: '1000000',
  MODELGATE_SECURITY__RATE_LIMIT__PER_ENDPOINT__RATE: '1000000', MODELGATE_SECURITY__RATE_LIMIT__PER_ENDPOINT__BURST: '1000000' };

const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: Array.from({ length: 30 }, (_, i) => i / 10) }] });

const serve = (dataDir: string, port: number, env: NodeJS.ProcessEnv): Promise<string> =>
  startProcess([process.execPath, main, '--data-dir', dataDir, 'serve', '--workers', '1', '--port', String(port)], /listening on (http:\/\/\S+)/, { MODELGATE_LOG_LEVEL: 'warn', ...env });

async function run(): Promise<void> {
  const startLoad = loadavg().map((x) => Math.round(x * 100) / 100);
  const dataDir = mkdtempSync(join(tmpdir(), 'modelgate-bench-security-'));
  try {
    cli(dataDir, ['versions', 'register', 'rf', join(root, 'fixtures/models/breast_cancer_rf/model.onnx')]);
    cli(dataDir, ['deploy', 'rf', '1', '--endpoint', 'rf']);
    const key = execFileSync(process.execPath, [main, '--data-dir', dataDir, 'keys', 'create', '--name', 'bench', '--role', 'predictor'], { encoding: 'utf8' }).trim();
    const secured = { MODELGATE_SECURITY__AUTH: 'required', ...HIGH };
    const auth = { authorization: `Bearer ${key}` };
    const redisUrl = process.env.MODELGATE_TEST_REDIS_URL;
    const infer = (url: string): string => `${url}/v2/models/rf/infer`;
    const sides: [string, Target][] = [
      ['auth and limits off', { url: infer(await serve(dataDir, 8097, {})) }],
      ['API key + rate limits (in-process)', { url: infer(await serve(dataDir, 8098, secured)), headers: auth }],
      ['control (off again)', { url: infer(await serve(dataDir, 8099, {})) }],
    ];
    // All at once, every round: each server's CPU per request falls as it runs (JIT, heap sizing), so they share one history.
    const targets = sides.map(([, t]) => t);
    await loadPaired(targets, body, { connections: CONNECTIONS, duration: 3, rounds: 1 }); // warm-up: sessions, JIT, key cache
    const paired = await loadPaired(targets, body, {
      connections: CONNECTIONS, duration: DURATION, rounds: ROUNDS,
      onRound: (loads, round) => loads.forEach((l, i) => show(`round ${round + 1}: ${sides[i]![0]}`, l)),
    });
    const cpuRatio = (i: number): number | null => {
      const [off, other] = [paired.cpuUsPerRequest[0], paired.cpuUsPerRequest[i]];
      return off == null || other == null ? null : ratio(off, other);
    };
    const rpsRatio = (i: number): number => ratio(paired.rps[i]!, paired.rps[0]!);
    // Redis buckets, afterwards and beside the open server only (the Redis server takes CPU of its own).
    let redis: { rps: number; throughputRatio: number; cpuRatio: number | null } | null = null;
    if (redisUrl) {
      const target = { url: infer(await serve(dataDir, 8100, { ...secured, MODELGATE_REDIS_URL: redisUrl })), headers: auth };
      const pair = [sides[0]![1], target];
      await loadPaired(pair, body, { connections: CONNECTIONS, duration: 3, rounds: 1 });
      const r = await loadPaired(pair, body, { connections: CONNECTIONS, duration: DURATION, rounds: 2, onRound: (loads, round) => show(`Redis round ${round + 1}: API key + rate limits (Redis)`, loads[1]!) });
      const [a, b] = r.cpuUsPerRequest;
      redis = { rps: r.rps[1]!, throughputRatio: ratio(r.rps[1]!, r.rps[0]!), cpuRatio: a == null || b == null ? null : ratio(a, b) };
    }
    const failures = paired.rounds.flat().reduce((s, l) => s + l.errors + l.non2xx, 0);
    const result = {
      machine: `${cpus().length}x ${cpus()[0]?.model ?? 'cpu'}`,
      loadAverageAtStart: startLoad,
      method: 'every server loaded at the same time, each with the same connections, for every round',
      model: 'breast_cancer_rf', request: 'V2 JSON, 1 row', workers: 1, connectionsPerServer: CONNECTIONS, durationSeconds: DURATION, rounds: ROUNDS,
      offRps: paired.rps[0], onRps: paired.rps[1],
      serverCpuUsPerRequest: Object.fromEntries(sides.map(([label], i) => [label, paired.cpuUsPerRequest[i]])),
      throughputRatio: rpsRatio(1),
      cpuRatio: cpuRatio(1),
      ratio: cpuRatio(1),
      target: 0.9,
      control: { throughputRatio: rpsRatio(2), cpuRatio: cpuRatio(2) },
      ...(redis ? { redis } : {}),
      failedRequests: failures,
    };
    console.log(`\n  secured / open: server CPU per request (open ÷ secured) ${result.cpuRatio} (target >= 0.9); throughput ${result.throughputRatio}`);
    console.log(`  control, open / open again: throughput ${result.control.throughputRatio}, CPU ${result.control.cpuRatio}${result.redis ? `; with Redis buckets: CPU ${result.redis.cpuRatio}, throughput ${result.redis.throughputRatio}` : ''}`);
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/security.json'), `${JSON.stringify(result, null, 2)}\n`);
    if (failures > 0) throw new Error(`${failures} requests failed during the benchmark`);
  } finally {
    await stopProcesses();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await run();
