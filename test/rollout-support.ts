// Shared by the rollout tests: a real `modelgate serve` process on a temporary
// data directory with the breast-cancer models registered, a load generator
// over test.csv rows, and small API helpers.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const main = new URL('../src/cli/main.ts', import.meta.url).pathname;
export const fixture = (name: string, file = 'model.onnx'): string => new URL(`../fixtures/models/${name}/${file}`, import.meta.url).pathname;

/** test.csv rows of the breast-cancer data set (30 features), without the header. */
/** Share of test.csv rows on which breast_cancer_rf and breast_cancer_rf_weak predict the same label (from expected.json). */
export function offlineAgreement(): number {
  const labels = (name: string): number[] => (JSON.parse(readFileSync(fixture(name, 'expected.json'), 'utf8')) as { label: number[] }).label;
  const strong = labels('breast_cancer_rf');
  const weak = labels('breast_cancer_rf_weak');
  return strong.filter((l, i) => l === weak[i]).length / strong.length;
}

export function testRows(): number[][] {
  const lines = readFileSync(fixture('breast_cancer_rf', 'test.csv'), 'utf8').trim().split(/\r?\n/);
  return lines.slice(1).map((l) => l.split(',').slice(0, 30).map(Number));
}

export function cli(dir: string, args: string[]): string {
  return execFileSync(process.execPath, [main, '--data-dir', join(dir, 'data'), ...args], { encoding: 'utf8' });
}

export interface Server {
  readonly url: string;
  readonly process: ChildProcess;
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function serve(dir: string, workers = 1, env: Record<string, string> = {}, args: readonly string[] = []): Promise<Server> {
  let log = '';
  const child = spawn(process.execPath, [main, '--data-dir', join(dir, 'data'), ...args, 'serve', '--workers', String(workers), '--port', '0'], {
    env: { ...process.env, MODELGATE_LOG_LEVEL: 'warn', MODELGATE_MONITORING__BUCKET: '250ms', MODELGATE_ROLLOUT__TICK_INTERVAL: '100ms', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
  for (let i = 0; i < 300 && !/listening on (http:\/\/\S+)/.test(log) && child.exitCode === null; i++) await sleep(100);
  const m = /listening on (http:\/\/\S+)/.exec(log);
  if (!m) throw new Error(`server did not start: ${log}`);
  return {
    url: m[1], process: child, log: () => log,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await once(child, 'exit');
    },
  };
}

export async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url + path, {
    method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface Answer {
  readonly status: number;
  readonly version: string | null;
  readonly label: number | null;
}

export async function infer(url: string, endpoint: string, row: readonly number[], key?: string): Promise<Answer> {
  const res = await fetch(`${url}/v2/models/${endpoint}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'x-modelgate-key': key }) },
    body: JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: row }] }),
  });
  const body = (await res.json()) as { outputs?: { name: string; data: number[] }[] };
  const label = body.outputs?.find((o) => o.name === 'label')?.data[0] ?? null;
  return { status: res.status, version: res.headers.get('x-modelgate-version'), label };
}

/** Steady load: `concurrency` callers sending test.csv rows round-robin until stopped; every answer is kept. */
export function load(url: string, endpoint: string, rows: readonly number[][], concurrency = 3): { answers: Answer[]; stop(): Promise<void> } {
  const answers: Answer[] = [];
  let running = true;
  let next = 0;
  const workers = Array.from({ length: concurrency }, async () => {
    while (running) {
      const row = rows[next++ % rows.length];
      try {
        answers.push(await infer(url, endpoint, row));
      } catch {
        answers.push({ status: 0, version: null, label: null });
      }
    }
  });
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** Polls a rollout until `done` says so (or the deadline passes); returns the last state seen. */
export async function waitFor(url: string, endpoint: string, id: string, done: (r: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    last = (await api(url, 'GET', `/api/v1/endpoints/${endpoint}/rollouts/${id}`)).body;
    if (done(last)) return last;
    await sleep(100);
  }
  return last;
}
