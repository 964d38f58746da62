// Rollouts with `modelgate serve --workers 2` under load spread over both
// workers (a new connection per request, which node:cluster hands out in
// turn): a bad canary is aborted by analysis whose sample count covers the
// candidate's requests on both workers, and a shadow's agreement is computed
// over the mirrored requests of both workers (sent over V2, V1 and MLflow in
// turn, so every protocol is mirrored). V1 and MLflow requests follow the
// sticky key like V2's. An alert rule in the primary aborts a rollout run by
// the leader worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, cli, fixture, offlineAgreement, serve, testRows, waitFor, type Server } from './rollout-support.ts';

let dir: string;
let server: Server;
const rows = testRows();
const done = (r: Record<string, unknown>): boolean => ['succeeded', 'aborted', 'failed'].includes(String(r.phase));

interface Answer {
  readonly status: number;
  readonly version: string | null;
  /** Client clock when the answer arrived. */
  readonly at: number;
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(server.url + path, {
    method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
    headers: { 'content-type': 'application/json', connection: 'close', ...headers },
  });
  await res.arrayBuffer();
  return { status: res.status, version: res.headers.get('x-modelgate-version'), at: Date.now() };
}

/** One row to the endpoint through protocol `i` (0: OIP V2, 1: KServe V1, 2: MLflow). */
function request(i: number, row: readonly number[], headers: Record<string, string> = {}): Promise<Answer> {
  switch (i % 3) {
    case 0: return post('/v2/models/cancer/infer', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: row }] }, headers);
    case 1: return post('/v1/models/cancer:predict', { instances: [row] }, headers);
    default: return post('/endpoints/cancer/invocations', { instances: [row] }, headers);
  }
}

/** `concurrency` callers, each request on a new connection, over `rows` once (or round-robin until stopped); `mixed`: protocols in turn. */
function traffic(list: readonly number[][], concurrency: number, once: boolean, mixed = false): { answers: Answer[]; stop(): Promise<void>; finished: Promise<void> } {
  const answers: Answer[] = [];
  let running = true;
  let next = 0;
  const callers = Array.from({ length: concurrency }, async () => {
    while (running && (!once || next < list.length)) {
      const i = next++;
      answers.push(await request(mixed ? i : 0, list[i % list.length]).catch(() => ({ status: 0, version: null, at: Date.now() })));
    }
  });
  const finished = Promise.all(callers).then(() => {});
  return { answers, finished, async stop() { running = false; await finished; } };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelgate-rollout-cluster-'));
  cli(dir, ['models', 'create', 'cancer']);
  cli(dir, ['versions', 'register', 'cancer', fixture('breast_cancer_rf')]); // 1: stable
  cli(dir, ['versions', 'register', 'cancer', fixture('failing_on_large')]); // 2: bad
  cli(dir, ['versions', 'register', 'cancer', fixture('breast_cancer_rf_weak')]); // 3: weak
  cli(dir, ['deploy', 'cancer', '1', '--endpoint', 'cancer']);
  cli(dir, ['deploy', 'cancer', '1', '--endpoint', 'watched']);
  // Alert rules run in the primary; this one aborts the rollout on `watched` as soon as it takes traffic.
  const config = join(dir, 'modelgate.yaml');
  await writeFile(config, [
    'monitoring: {builtinAlerts: false, alertInterval: 250ms}',
    'alerts:',
    '  - {name: busy, endpoint: watched, expr: "rps > 0", for: 0s, severity: critical, rollout: abort}',
  ].join('\n'));
  server = await serve(dir, 2, { MODELGATE_MONITORING__PUSH_INTERVAL: '250ms' }, ['--config', config]);
});

after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('a bad canary under load through both workers is aborted by analysis that counts both workers', async () => {
  const minSamples = 800;
  const load = traffic(rows, 4, false);
  const start = await api(server.url, 'POST', '/api/v1/endpoints/cancer/rollouts', {
    version: 2,
    plan: {
      strategy: 'canary', steps: [{ setWeight: 50 }, { pause: '1m' }],
      analysis: { interval: '200ms', window: '1m', count: 1, minSamples, failureLimit: 0, inconclusiveLimit: 10_000, checks: [{ metric: 'error_rate', max: { relativeTo: 'stable', plus: 0.02 } }] },
    },
  });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const final = await waitFor(server.url, 'cancer', String(start.body.id), done, 25_000);
  await load.stop();
  assert.equal(final.phase, 'aborted', JSON.stringify(final.state));
  const verdicts = (final.state as { verdicts: { kind: string; at: string; samples: { candidate: number } }[] }).verdicts;
  const failed = verdicts.find((v) => v.kind === 'failed');
  assert.ok(failed, JSON.stringify(verdicts));
  const at = Date.parse(failed.at);
  const candidate = load.answers.filter((a) => a.version === '2');
  // The candidate's answers by the verdict, and by a second before it (what the primary had surely merged and forwarded).
  const upTo = candidate.filter((a) => a.at <= at).length;
  const surely = candidate.filter((a) => a.at <= at - 1000).length;
  const n = failed.samples.candidate;
  console.log(`# cluster canary: verdict counted ${n} candidate requests; clients had ${upTo} answers by then (${surely} a second before), ${candidate.length} in all`);
  assert.ok(n >= minSamples);
  assert.ok(n >= surely, `analysis counted ${n}, fewer than the ${surely} answered a second before the verdict`);
  assert.ok(n <= upTo + 4, `analysis counted ${n}, more than the ${upTo} answered (+4 in flight)`);
  // One worker alone sees about half; the merged windows see (nearly) all.
  assert.ok(n >= 0.7 * upTo, `analysis counted ${n} of ${upTo}: not every worker's requests`);
  const stableFailures = load.answers.filter((a) => a.status !== 200 && a.version !== '2');
  assert.equal(stableFailures.length, 0, 'no request served by the stable failed');
  const endpoint = await api(server.url, 'GET', '/api/v1/endpoints/cancer');
  assert.equal(endpoint.body.version, 1);
});

test('a shadow under load (V2, V1 and MLflow in turn) reports agreement over the mirrored requests of both workers', async () => {
  const offline = offlineAgreement();
  const start = await api(server.url, 'POST', '/api/v1/endpoints/cancer/rollouts', {
    version: 3,
    plan: {
      strategy: 'shadow', shadow: { percent: 100, duration: '1h' },
      // Passes only once every row's comparison, from both workers, is summed.
      analysis: { interval: '200ms', window: '1m', count: 1, minSamples: rows.length, inconclusiveLimit: 10_000, checks: [{ metric: 'shadow_agreement', min: 0 }] },
    },
  });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const id = String(start.body.id);
  const mirroring = await waitFor(server.url, 'cancer', id, (r) => r.phase === 'progressing', 10_000);
  assert.equal(mirroring.phase, 'progressing', JSON.stringify(mirroring));
  // Every worker has the shadow route once the leader's change has been synced (within a second).
  await new Promise((r) => setTimeout(r, 1000));
  const load = traffic(rows, 4, true, true);
  await load.finished;
  assert.ok(load.answers.every((a) => a.status === 200 && a.version === '1'), 'every caller was answered by the stable');
  const seen = await waitFor(server.url, 'cancer', id, (r) => (r.state as { verdicts: { kind: string }[] }).verdicts.some((v) => v.kind === 'passed'), 15_000);
  const verdict = (seen.state as { verdicts: { kind: string; samples: { shadowCompared: number }; results: { check: string; value: number }[] }[] }).verdicts.find((v) => v.kind === 'passed');
  assert.ok(verdict, JSON.stringify(seen.state));
  const agreement = verdict.results.find((r) => r.check === 'shadow_agreement')!.value;
  console.log(`# cluster shadow: agreement ${agreement} over ${verdict.samples.shadowCompared} mirrored requests (offline ${offline.toFixed(6)}, ${rows.length} rows)`);
  assert.equal(verdict.samples.shadowCompared, rows.length);
  assert.ok(Math.abs(agreement - offline) < 1e-6, `live ${agreement} vs offline ${offline}`);
  const aborted = await api(server.url, 'POST', `/api/v1/endpoints/cancer/rollouts/${id}/abort`, {});
  assert.equal(aborted.body.phase, 'aborted');
});

test('V1 and MLflow requests follow the sticky key like V2', async () => {
  const start = await api(server.url, 'POST', '/api/v1/endpoints/cancer/rollouts', { version: 3, plan: { strategy: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] } });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const id = String(start.body.id);
  const paused = await waitFor(server.url, 'cancer', id, (r) => r.phase === 'paused', 10_000);
  assert.equal(paused.phase, 'paused', JSON.stringify(paused));
  await new Promise((r) => setTimeout(r, 1000));
  const versions = new Set<string>();
  for (let k = 0; k < 40; k++) {
    const headers = { 'x-modelgate-key': `caller-${k}` };
    const answers = await Promise.all([0, 1, 2, 0, 1, 2].map((p) => request(p, rows[k], headers)));
    assert.ok(answers.every((a) => a.status === 200 && a.version === answers[0].version), `key caller-${k}: ${JSON.stringify(answers)}`);
    versions.add(String(answers[0].version));
  }
  assert.deepEqual([...versions].sort(), ['1', '3'], 'keys split over both versions');
  const aborted = await api(server.url, 'POST', `/api/v1/endpoints/cancer/rollouts/${id}/abort`, {});
  assert.equal(aborted.body.phase, 'aborted');
});

test('an alert rule firing in the primary aborts the rollout the leader worker runs', async () => {
  const start = await api(server.url, 'POST', '/api/v1/endpoints/watched/rollouts', { version: 3, plan: { strategy: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] } });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const id = String(start.body.id);
  const paused = await waitFor(server.url, 'watched', id, (r) => r.phase === 'paused', 10_000);
  assert.equal(paused.phase, 'paused', JSON.stringify(paused));
  for (let i = 0; i < 10; i++) assert.equal((await post('/v2/models/watched/infer', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: rows[i] }] })).status, 200);
  const final = await waitFor(server.url, 'watched', id, done, 10_000);
  assert.equal(final.phase, 'aborted', JSON.stringify(final.state));
  const abort = (final.events as { kind: string; actor: string }[]).find((e) => e.kind === 'aborted');
  assert.equal(abort?.actor, 'alerts');
});
