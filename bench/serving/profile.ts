/**
 * Where one request's server CPU goes: a single-process server (monitoring
 * on, off, or with API-key auth and rate limits), or the bare floor, loaded
 * by autocannon from this process; prints throughput and server CPU per
 * request, and with --prof writes a V8 CPU profile of the server and prints
 * its heaviest functions by self time. Not part of `npm run bench`: a tool
 * for finding what the request path pays beyond the floor.
 *
 * With --workers N the server runs N worker processes (as `serve --workers N`
 * or the bare floor's N processes) and the report splits server CPU by
 * process and thread, which is where a cluster's extra cost shows.
 *
 *   node bench/serving/profile.ts [--mode on|off|secure|bare] [--workers 1] [--env MODELGATE_X=y] [--seconds 8] [--connections 16] [--prof DIR]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cli, load, mainCli, pidOf, root, show, startProcess, stopProcesses, threadCpuMs } from './harness.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'on' },
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '16' },
    prof: { type: 'string' },
    top: { type: 'string', default: '40' },
    workers: { type: 'string', default: '1' },
    env: { type: 'string', multiple: true, default: [] },
  },
});
const mode = values.mode;
const workers = values.workers;
if (!['on', 'off', 'secure', 'bare'].includes(mode)) throw new Error(`--mode must be on, off, secure or bare, not ${mode}`);
const fixture = (file: string): string => join(root, 'fixtures/models/breast_cancer_rf', file);
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as { features: string[] };
const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: Array.from({ length: 30 }, (_, i) => (i % 7) + 0.5) }] });

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Self and inclusive time per function (and self time per source area) from a .cpuprofile, in µs per request. */
function summarise(file: string, requests: number, top: number): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const nameOf = (n: ProfileNode): string => {
    const f = n.callFrame;
    const short = f.url.replace(/^file:\/\//, '').replace(root, '');
    return short === '' ? f.functionName : `${f.functionName || '(anonymous)'} ${short}:${f.lineNumber + 1}`;
  };
  const areaOf = (n: ProfileNode): string => {
    const short = n.callFrame.url.replace(/^file:\/\//, '').replace(root, '');
    if (short === '') return n.callFrame.functionName;
    if (short.startsWith('node_modules/')) return short.split('/').slice(0, 2).join('/');
    return short.startsWith('node:') ? 'node:*' : short;
  };
  const fnSelf = new Map<string, number>();
  const area = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    fnSelf.set(nameOf(n), (fnSelf.get(nameOf(n)) ?? 0) + us);
    area.set(areaOf(n), (area.get(areaOf(n)) ?? 0) + us);
  }
  // Inclusive time, counting a function once per stack (recursion is not double counted).
  const inclusive = new Map<string, number>();
  const onStack = new Set<string>();
  const walk = (id: number): number => {
    const n = byId.get(id)!;
    const name = nameOf(n);
    const fresh = !onStack.has(name);
    if (fresh) onStack.add(name);
    let t = self.get(id) ?? 0;
    for (const c of n.children ?? []) t += walk(c);
    if (fresh) {
      onStack.delete(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + t);
    }
    return t;
  };
  walk(p.nodes[0].id);
  const print = (title: string, m: Map<string, number>, n: number, keep: (k: string) => boolean = () => true): void => {
    console.log(`\n${title} (µs per request, main thread, ${requests} requests)`);
    for (const [k, us] of [...m].filter(([k]) => keep(k) && k !== '(idle)' && k !== '(root)').sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${(us / requests).toFixed(2).padStart(6)}  ${k}`);
  };
  const busy = [...fnSelf].filter(([k]) => k !== '(idle)').reduce((s, [, us]) => s + us, 0);
  console.log(`\nmain thread busy: ${(busy / requests).toFixed(1)} µs per request`);
  print('self time by area', area, 25);
  print('self time by function', fnSelf, top);
  print('inclusive time of modelgate functions', inclusive, top, (k) => k.includes(' src/') || k.includes(' bench/'));
}

const dataDir = mkdtempSync(join(tmpdir(), 'modelgate-profile-'));
try {
  let url: string;
  const prof = values.prof === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', values.prof];
  if (values.prof !== undefined) mkdirSync(values.prof, { recursive: true });
  const headers: Record<string, string> = {};
  if (mode === 'bare') {
    url = await startProcess([process.execPath, ...prof, ...(values.prof === undefined ? [] : ['--import', 'data:text/javascript,process.on("SIGTERM",()=>process.exit(0))']), join(root, 'bench/peers/bare-onnx-server.ts'), '--port', '8096', '--workers', workers], /listening on (http:\/\/\S+)/);
  } else {
    cli(dataDir, ['models', 'create', 'rf']);
    cli(dataDir, ['versions', 'register', 'rf', fixture('model.onnx'), '--train-data', fixture('train.csv'), '--features', expected.features.join(',')]);
    cli(dataDir, ['deploy', 'rf', '1', '--endpoint', 'rf']);
    const env: Record<string, string> = { MODELGATE_LOG_LEVEL: 'warn', MODELGATE_MONITORING__ENABLED: mode === 'off' ? 'false' : 'true' };
    if (mode !== 'off') Object.assign(env, { MODELGATE_MONITORING__PREDICTION_LOG__SAMPLE_PERCENT: '10', MODELGATE_MONITORING__DRIFT__INTERVAL: '10s' });
    // Extra server settings (`--env MODELGATE_X=y`, repeatable), to switch one part off and see what it costs.
    for (const kv of values.env) env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    if (mode === 'secure') {
      Object.assign(env, {
        MODELGATE_SECURITY__AUTH: 'required',
        MODELGATE_SECURITY__RATE_LIMIT__PER_PRINCIPAL__RATE: '1000000', MODELGATE_SECURITY__RATE_LIMIT__PER_PRINCIPAL__BURST: '1000000',
        MODELGATE_SECURITY__RATE_LIMIT__PER_ENDPOINT__RATE: '1000000', MODELGATE_SECURITY__RATE_LIMIT__PER_ENDPOINT__BURST: '1000000',
      });
      const key = execFileSync(process.execPath, [mainCli, '--data-dir', dataDir, 'keys', 'create', '--name', 'bench', '--role', 'predictor'], { encoding: 'utf8' }).trim();
      headers.authorization = `Bearer ${key}`;
    }
    url = await startProcess([process.execPath, ...prof, mainCli, '--data-dir', dataDir, 'serve', '--port', '8096', '--workers', workers], /listening on (http:\/\/\S+)/, env);
  }
  const target = `${url}/v2/models/rf/infer`;
  const connections = Number(values.connections);
  const warm = await load(target, body, { connections, duration: 2, headers });
  const pid = pidOf(url);
  const threadsBefore = pid === undefined ? new Map<string, number>() : threadCpuMs(pid);
  const l = await load(target, body, { connections, duration: Number(values.seconds), headers });
  const threadsAfter = pid === undefined ? new Map<string, number>() : threadCpuMs(pid);
  // The profile covers both loads (start-up is small beside them).
  const requests = warm.requests + l.requests;
  show(`${mode} (${workers} worker process(es), ${connections} connections)`, l);
  console.log('\nserver CPU by process and thread (µs per request, measured load only)');
  for (const [k, ms] of [...threadsAfter].map(([k, ms]) => [k, ms - (threadsBefore.get(k) ?? 0)] as const).filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${((ms * 1000) / l.requests).toFixed(1).padStart(6)}  ${k}`);
  }
  await stopProcesses();
  if (values.prof !== undefined) {
    // The profile is written as the server exits.
    for (let i = 0; i < 50 && readdirSync(values.prof).filter((f) => f.endsWith('.cpuprofile')).length === 0; i++) await new Promise((r) => setTimeout(r, 200));
    const files = readdirSync(values.prof).filter((f) => f.endsWith('.cpuprofile')).sort();
    if (files.length === 0) console.log('no profile was written');
    else for (const f of files) {
      console.log(`\n=== ${f}`);
      summarise(join(values.prof, f), requests, Number(values.top));
    }
  }
} finally {
  await stopProcesses();
  rmSync(dataDir, { recursive: true, force: true });
}
