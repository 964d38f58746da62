/**
 * Security benchmark (`npm run bench -- security`): single-row V2 JSON on
 * breast_cancer_rf, `serve --workers 2`, 32 connections, with API-key
 * authentication and rate limits (per principal and per endpoint, set far
 * above the load so they never refuse) against the same server with both
 * off. Rounds alternate off/on so drift in machine load hits both alike;
 * the figure is the ratio of mean throughputs (target >= 0.9). With
 * MODELGATE_TEST_REDIS_URL set, a third configuration keeps the buckets in
 * Redis. Results go to bench/results/security.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, load, mainCli as main, ratio, root, show, startProcess, stopProcesses, type Load } from '../serving/harness.ts';

const DURATION = 6;
const ROUNDS = 3;
const CONNECTIONS = 32;
const HIGH = { MODELGATE_SECURITY__RATE_LIMIT__PER_PRINCIPAL__RATE: '1000000', MODELGATE_SECURITY__RATE_LIMIT__PER_PRINCIPAL__BURST: '1000000',
  MODELGATE_SECURITY__RATE_LIMIT__PER_ENDPOINT__RATE: '1000000', MODELGATE_SECURITY__RATE_LIMIT__PER_ENDPOINT__BURST: '1000000' };

const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: Array.from({ length: 30 }, (_, i) => i / 10) }] });

async function measure(dataDir: string, port: number, env: NodeJS.ProcessEnv, headers: Record<string, string>): Promise<Load> {
  const url = await startProcess([process.execPath, main, '--data-dir', dataDir, 'serve', '--workers', '2', '--port', String(port)], /listening on (http:\/\/\S+)/,
    { MODELGATE_LOG_LEVEL: 'warn', ...env });
  try {
    const target = `${url}/v2/models/rf/infer`;
    await load(target, body, { connections: CONNECTIONS, duration: 2, headers }); // warm-up: sessions, JIT, key cache
    return await load(target, body, { connections: CONNECTIONS, duration: DURATION, headers });
  } finally {
    await stopProcesses();
  }
}

const mean = (xs: readonly Load[]): number => xs.reduce((s, l) => s + l.rps, 0) / xs.length;

async function run(): Promise<void> {
  const startLoad = loadavg().map((x) => Math.round(x * 100) / 100);
  const dataDir = mkdtempSync(join(tmpdir(), 'modelgate-bench-security-'));
  try {
    cli(dataDir, ['versions', 'register', 'rf', join(root, 'fixtures/models/breast_cancer_rf/model.onnx')]);
    cli(dataDir, ['deploy', 'rf', '1', '--endpoint', 'rf']);
    const key = execFileSync(process.execPath, [main, '--data-dir', dataDir, 'keys', 'create', '--name', 'bench', '--role', 'predictor'], { encoding: 'utf8' }).trim();
    const secured = { MODELGATE_SECURITY__AUTH: 'required', ...HIGH };
    const auth = { authorization: `Bearer ${key}` };
    const off: Load[] = [];
    const on: Load[] = [];
    const redis: Load[] = [];
    const redisUrl = process.env.MODELGATE_TEST_REDIS_URL;
    for (let round = 0; round < ROUNDS; round++) {
      off.push(await measure(dataDir, 8097, {}, {}));
      show(`round ${round + 1}: auth and limits off`, off[round]);
      on.push(await measure(dataDir, 8097, secured, auth));
      show(`round ${round + 1}: API key + rate limits (in-process)`, on[round]);
      if (redisUrl) {
        redis.push(await measure(dataDir, 8097, { ...secured, MODELGATE_REDIS_URL: redisUrl }, auth));
        show(`round ${round + 1}: API key + rate limits (Redis)`, redis[round]);
      }
    }
    const failures = [...off, ...on, ...redis].reduce((s, l) => s + l.errors + l.non2xx, 0);
    const result = {
      machine: `${cpus().length}x ${cpus()[0]?.model ?? 'cpu'}`,
      loadAverageAtStart: startLoad,
      model: 'breast_cancer_rf', request: 'V2 JSON, 1 row', workers: 2, connections: CONNECTIONS, durationSeconds: DURATION, rounds: ROUNDS,
      offRps: Math.round(mean(off)),
      onRps: Math.round(mean(on)),
      ratio: ratio(mean(on), mean(off)),
      target: 0.9,
      ...(redis.length > 0 ? { redisRps: Math.round(mean(redis)), redisRatio: ratio(mean(redis), mean(off)) } : {}),
      failedRequests: failures,
    };
    console.log(`\n  secured / open throughput: ${result.ratio} (target >= 0.9)${redis.length > 0 ? `; with Redis buckets: ${result.redisRatio}` : ''}`);
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/security.json'), `${JSON.stringify(result, null, 2)}\n`);
    if (failures > 0) throw new Error(`${failures} requests failed during the benchmark`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await run();
