/**
 * What the serving benchmarks share: the modelgate CLI against a scratch data
 * directory, server processes started and stopped with the run, and one
 * autocannon load with the figures the reports keep.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const mainCli = join(root, 'src/cli/main.ts');
const children: ChildProcess[] = [];
/** Server URL → the pid of the process started for it. */
const pids = new Map<string, number>();

export function cli(dataDir: string, args: string[]): void {
  const r = spawnSync(process.execPath, [mainCli, '--data-dir', dataDir, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`modelgate ${args.join(' ')}: ${r.stderr}`);
}

/** Starts a server; ready when its output matches `ready` (group 1: its URL), or when `ready` (a URL) answers. */
export async function startProcess(args: string[], ready: RegExp | string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const child = spawn(args[0], args.slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  for (let i = 0; i < 600; i++) {
    if (typeof ready === 'string') {
      const up = await fetch(ready).then(() => true, () => false);
      if (up) {
        if (child.pid !== undefined) pids.set(ready, child.pid);
        return ready;
      }
    } else {
      const m = ready.exec(out);
      if (m) {
        if (child.pid !== undefined) pids.set(m[1], child.pid);
        return m[1];
      }
    }
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited: ${out}`);
    await sleep(100);
  }
  throw new Error(`${args.join(' ')} did not start: ${out}`);
}

/** Stops every process started here. */
export async function stopProcesses(): Promise<void> {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await sleep(500);
}

/** CPU time (user + system, ms) of a process and all its descendants so far, from /proc; null where there is none. */
export function treeCpuMs(pid: number): number | null {
  try {
    let ticks = 0;
    const stack = [pid];
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        if (kids !== '') stack.push(...kids.split(' ').map(Number));
      }
    }
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** The pid of the process started for a server URL. */
export const pidOf = (url: string): number | undefined => pids.get(new URL(url).origin);

/** CPU time (ms) of every thread of a process and its descendants, keyed "pid top|child thread-name+tid-offset". */
export function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    try {
      const role = p === pid ? 'top' : 'child';
      const tasks = readdirSync(`/proc/${p}/task`).map(Number).sort((a, b) => a - b);
      for (const task of tasks) {
        const stat = readFileSync(`/proc/${p}/task/${task}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const key = `${p} ${role} ${task === p ? 'main' : name}+${task - p}`;
        out.set(key, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
        const kids = readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').trim();
        if (kids !== '') stack.push(...kids.split(' ').map(Number));
      }
    } catch {
      // A process or thread that ended between listing and reading.
    }
  }
  return out;
}

export interface Load {
  readonly rps: number;
  /** Requests answered during the load. */
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
  readonly non2xx: number;
  /**
   * Server CPU (all its processes) per answered request, in µs: what the
   * request costs the server whatever else runs on the machine.
   */
  readonly serverCpuUsPerRequest: number | null;
}

export interface LoadOptions {
  readonly connections: number;
  readonly duration: number;
  readonly headers?: Record<string, string>;
  readonly overallRate?: number;
}

export async function load(url: string, body: string | Buffer, options: LoadOptions): Promise<Load> {
  const pid = pids.get(new URL(url).origin);
  const cpuBefore = pid === undefined ? null : treeCpuMs(pid);
  const r = await autocannon({
    url, method: 'POST', body, connections: options.connections, duration: options.duration,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
  });
  const cpuAfter = pid === undefined ? null : treeCpuMs(pid);
  const cpu = cpuBefore === null || cpuAfter === null || r.requests.total === 0 ? null : Math.round(((cpuAfter - cpuBefore) * 1000) / r.requests.total);
  return { rps: r.requests.average, requests: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, serverCpuUsPerRequest: cpu };
}

export const show = (label: string, l: Load): void =>
  console.log(`  ${label.padEnd(44)} ${l.rps.toFixed(0).padStart(7)} req/s  p50 ${l.p50.toFixed(2)} ms  p99 ${l.p99.toFixed(2)} ms${l.serverCpuUsPerRequest === null ? '' : `  server CPU ${l.serverCpuUsPerRequest} µs/req`}${l.errors + l.non2xx > 0 ? `  (${l.errors} errors, ${l.non2xx} non-2xx)` : ''}`);

export const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

/** A server to load: its inference URL and the headers each request carries. */
export interface Target {
  readonly url: string;
  readonly headers?: Record<string, string>;
}

export interface Paired {
  /** Per round, each target's load over the same seconds. */
  readonly rounds: readonly (readonly Load[])[];
  /** Each target's requests per second over all rounds. */
  readonly rps: readonly number[];
  /** Each target's server CPU per request (µs) over all rounds; null where it was not measured. */
  readonly cpuUsPerRequest: readonly (number | null)[];
}

/**
 * Loads every target at the same time, `rounds` times, with the same
 * connections each. On a shared machine, runs taken one after another swing
 * by tens of percent as other work comes and goes; targets loaded together
 * meet the same machine, so their throughput ratio is steady (two identical
 * servers measured this way agree within a few percent). Each server gets an
 * equal share of the machine, so the ratio is the ratio of what each can do
 * with the same CPU. Use an even number of rounds for two targets (the
 * order they are started in turns every round).
 */
export async function loadPaired(targets: readonly Target[], body: string | Buffer, options: LoadOptions & { rounds: number; onRound?: (loads: readonly Load[], round: number) => void }): Promise<Paired> {
  const rounds: Load[][] = [];
  for (let round = 0; round < options.rounds; round++) {
    // The load generator favours the target it starts first a little: the order turns every round.
    const order = targets.map((_, i) => (i + round) % targets.length);
    const started = order.map((i) => load(targets[i]!.url, body, { connections: options.connections, duration: options.duration, headers: targets[i]!.headers }));
    const done = await Promise.all(started);
    const loads = targets.map((_, i) => done[order.indexOf(i)]!);
    rounds.push(loads);
    options.onRound?.(loads, round);
  }
  const sum = (f: (l: Load) => number): number[] => targets.map((_, i) => rounds.reduce((s, r) => s + f(r[i]!), 0));
  const requests = sum((l) => l.requests);
  const cpuMs = sum((l) => ((l.serverCpuUsPerRequest ?? NaN) * l.requests) / 1000);
  const seconds = options.rounds * options.duration;
  return {
    rounds,
    rps: requests.map((n) => Math.round(n / seconds)),
    cpuUsPerRequest: cpuMs.map((ms, i) => (Number.isNaN(ms) || requests[i] === 0 ? null : Math.round((ms * 1000) / requests[i]!))),
  };
}

/** Several loads of one target as one: requests per second over all of them, the median p50, the worst p99, errors summed, CPU per request weighted by requests. */
export function mergeLoads(loads: readonly Load[], secondsEach: number): Load {
  const requests = loads.reduce((n, l) => n + l.requests, 0);
  const sorted = loads.map((l) => l.p50).sort((a, b) => a - b);
  const cpu = loads.every((l) => l.serverCpuUsPerRequest !== null) && requests > 0
    ? Math.round(loads.reduce((s, l) => s + l.serverCpuUsPerRequest! * l.requests, 0) / requests)
    : null;
  return {
    rps: requests / (loads.length * secondsEach),
    requests,
    p50: sorted[Math.floor(sorted.length / 2)]!,
    p99: Math.max(...loads.map((l) => l.p99)),
    errors: loads.reduce((n, l) => n + l.errors, 0),
    non2xx: loads.reduce((n, l) => n + l.non2xx, 0),
    serverCpuUsPerRequest: cpu,
  };
}
