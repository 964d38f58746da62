/**
 * Rate limits shared through Redis by `serve --workers 2`: requests spread
 * over both workers (a fresh connection each), and the number accepted over a
 * window matches the configured rate within 5 % (with per-process buckets it
 * would be about twice the rate). Skipped without MODELGATE_TEST_REDIS_URL.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const redisUrl = process.env.MODELGATE_TEST_REDIS_URL;
const main = new URL('../src/cli/main.ts', import.meta.url).pathname;
const RATE = 100;
const BURST = 5;
// Long enough that the jitter of the first and last answers on a busy machine stays well inside 5 %.
const WINDOW_MS = 8000;

test('with 2 workers and Redis, accepted requests match the configured rate within 5 %', { skip: redisUrl ? false : 'MODELGATE_TEST_REDIS_URL is not set', timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'modelgate-sec-cluster-'));
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MODELGATE_'))),
    MODELGATE_DATA_DIR: dir,
    MODELGATE_LOG_LEVEL: 'warn',
    MODELGATE_REDIS_URL: redisUrl,
    MODELGATE_SECURITY__AUTH: 'required',
    MODELGATE_SECURITY__RATE_LIMIT__PER_PRINCIPAL__RATE: String(RATE),
    MODELGATE_SECURITY__RATE_LIMIT__PER_PRINCIPAL__BURST: String(BURST),
  };
  // A fresh key is a fresh principal, so runs never share a bucket.
  const key = execFileSync(process.execPath, [main, 'keys', 'create', '--name', 'rate', '--role', 'viewer'], { env, encoding: 'utf8' }).trim();
  let log = '';
  const server: ChildProcess = spawn(process.execPath, [main, 'serve', '--workers', '2', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
  server.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
  try {
    for (let i = 0; i < 300 && !/listening on (http:\/\/\S+)/.test(log); i++) await sleep(100);
    const url = /listening on (http:\/\/\S+)/.exec(log)?.[1];
    assert.ok(url, `server did not start: ${log}`);
    const headers = { authorization: `Bearer ${key}`, connection: 'close' };
    // Wait until both workers answer (the second may still be starting), then let the bucket refill.
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${url}/api/v1/models`, { headers });
      await res.arrayBuffer();
      if (res.status === 200 && i > 3) break;
      await sleep(100);
    }
    await sleep(1000);

    let accepted = 0;
    let refused = 0;
    const other: number[] = [];
    const start = performance.now();
    // The window is measured between the first and the last answer: each answer follows its token take by about
    // the same latency, so their span is the span of the takes, whatever a loaded machine does to connection set-up.
    let first = Infinity;
    let last = 0;
    const worker = async (): Promise<void> => {
      while (performance.now() - start < WINDOW_MS) {
        const res = await fetch(`${url}/api/v1/models`, { headers });
        const at = performance.now();
        first = Math.min(first, at);
        last = Math.max(last, at);
        await res.arrayBuffer();
        if (res.status === 200) accepted++;
        else if (res.status === 429) refused++;
        else other.push(res.status);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const elapsed = last - first;
    const expected = BURST + (RATE * elapsed) / 1000;
    assert.deepEqual(other, []);
    assert.ok(refused > 0, 'the load exceeded the rate');
    const error = Math.abs(accepted - expected) / expected;
    assert.ok(error <= 0.05, `accepted ${accepted} in ${elapsed.toFixed(0)} ms, expected ${expected.toFixed(1)} (off by ${(error * 100).toFixed(1)} %; ${refused} refused)`);
  } finally {
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    await rm(dir, { recursive: true, force: true });
  }
});
