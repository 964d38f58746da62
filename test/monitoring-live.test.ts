// Monitoring end to end, in one process with a fake clock: every request is
// logged (100 % sampling); feedback with test.csv's true labels makes live
// accuracy equal the offline accuracy exactly; rows of drifted.csv fire the
// drift alert within its `for` plus one evaluation interval, rows of
// test.csv do not; /metrics counts every request; the log exports as JSONL,
// CSV and Parquet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { parquetMetadata } from 'hyparquet';
import type { Monitoring } from '../src/app/monitoring.ts';
import { buildReferenceProfile } from '../src/data/profile.ts';
import { fixture, makeTestApp, type TestApp } from './support/app.ts';

let t: TestApp;
const expected = JSON.parse(readFileSync(fixture('breast_cancer_rf', 'expected.json'), 'utf8')) as { features: string[]; label: number[] };
const features = expected.features;

function csvRows(file: string): { x: number[][]; y: number[] } {
  const [head, ...lines] = readFileSync(fixture('breast_cancer_rf', file), 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  const target = cols.indexOf('target');
  const x: number[][] = [];
  const y: number[] = [];
  for (const l of lines) {
    const v = l.split(',').map(Number);
    x.push(features.map((f) => v[cols.indexOf(f)]));
    y.push(v[target]);
  }
  return { x, y };
}

before(async () => {
  t = await makeTestApp({
    flags: {
      monitoring: {
        builtinAlerts: false,
        predictionLog: { samplePercent: 100 },
        drift: { sampleRate: 1, windowRows: 171, minRows: 100, interval: '30s' },
        alertInterval: '30s',
      },
      alerts: [{ name: 'drift', endpoint: 'cancer', expr: 'drift_score > 0.1', for: '2m', severity: 'critical' }],
    },
  });
  const referenceProfile = await buildReferenceProfile(fixture('breast_cancer_rf', 'train.csv'), { label: 'target' });
  await t.services.registry.createModel({ name: 'rf' });
  await t.services.registry.registerVersion('rf', createReadStream(fixture('breast_cancer_rf')), { features, metrics: { accuracy: 0.9 }, referenceProfile });
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', payload: { name: 'cancer', model: 'rf', version: 1 } });
  assert.equal(res.statusCode, 200, res.body);
});
after(async () => t.close());

async function send(rows: number[][]): Promise<string[]> {
  const ids: string[] = [];
  for (const row of rows) {
    const res = await t.app.inject({ method: 'POST', url: '/v2/models/cancer/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: row }] } });
    assert.equal(res.statusCode, 200, res.body);
    ids.push(String(res.headers['x-request-id']));
  }
  return ids;
}

const activeDrift = async (): Promise<string[]> => ((await t.app.inject({ url: '/api/v1/alerts' })).json() as { active: { rule: string; state: { kind: string } }[] }).active.filter((a) => a.rule === 'drift').map((a) => a.state.kind);

test('test.csv: logged, live accuracy equals offline accuracy, no drift alert', async () => {
  const { x, y } = csvRows('test.csv');
  const ids = await send(x);
  assert.equal(new Set(ids).size, ids.length);
  // Flush the prediction log, then send the true labels (plus an unknown id).
  const metrics = await t.app.inject({ url: '/metrics' });
  assert.match(metrics.body, new RegExp(`modelgate_requests_total\\{endpoint="cancer",version="1",protocol="v2",code="200"\\} ${x.length}\\n`));
  await waitFlushed();
  const fb = await t.app.inject({ method: 'POST', url: '/api/v1/feedback', payload: { items: [...ids.map((requestId, i) => ({ requestId, label: y[i] })), { requestId: 'nope', label: 1 }] } });
  assert.equal(fb.statusCode, 200, fb.body);
  assert.deepEqual(fb.json(), { joined: x.length, unknown: ['nope'], late: [] });
  for (let i = 0; i < 12; i++) {
    t.clock.advance(30_000);
    await tick();
  }
  const status = (await t.app.inject({ url: '/api/v1/endpoints/cancer/metrics?window=1h' })).json() as { items: { version: number; window: { requests: number }; quality: { accuracy: number } }[] };
  const offline = expected.label.filter((l, i) => l === y[i]).length / y.length;
  assert.equal(status.items[0].window.requests, x.length);
  assert.equal(status.items[0].quality.accuracy, offline);
  assert.deepEqual(await activeDrift(), []);
  const drift = (await t.app.inject({ url: '/api/v1/endpoints/cancer/drift' })).json() as { items: { kind: string; score: number }[] };
  assert.equal(drift.items[0].kind, 'scored');
  assert.ok(drift.items[0].score <= 0.1, `score ${drift.items[0].score}`);
});

test('exports the log as jsonl, csv and parquet', async () => {
  const jsonl = await t.app.inject({ url: '/api/v1/endpoints/cancer/predictions?format=jsonl' });
  const lines = jsonl.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 171);
  assert.equal(typeof lines[0]['input.mean_radius'], 'number');
  const csv = await t.app.inject({ url: '/api/v1/endpoints/cancer/predictions?format=csv' });
  assert.equal(csv.body.trim().split('\n').length, 172);
  const pq = await t.app.inject({ url: '/api/v1/endpoints/cancer/predictions?format=parquet' });
  const meta = parquetMetadata(new Uint8Array(pq.rawPayload).buffer);
  assert.equal(Number(meta.num_rows), 171);
  assert.equal((await t.app.inject({ url: '/api/v1/endpoints/cancer/predictions?format=xml' })).statusCode, 400);
});

test('drifted.csv fires the drift alert within for + one interval', async () => {
  const { x } = csvRows('drifted.csv');
  await send(x);
  const started = t.clock.now();
  let firedAfter: number | null = null;
  for (let i = 0; i < 20 && firedAfter === null; i++) {
    t.clock.advance(30_000);
    await tick();
    if ((await activeDrift()).includes('firing')) firedAfter = t.clock.now() - started;
  }
  const drift = (await t.app.inject({ url: '/api/v1/endpoints/cancer/drift' })).json() as { items: { kind: string; score: number; rows: number }[] };
  assert.ok(firedAfter !== null && firedAfter <= 120_000 + 30_000, `fired after ${firedAfter} ms; drift ${JSON.stringify(drift.items.map((d) => [d.kind, d.score, d.rows]))}`);
});

async function tick(): Promise<void> {
  await monitoringOf().control!.tick();
}
async function waitFlushed(): Promise<void> {
  await monitoringOf().log!.flush();
}
function monitoringOf(): Monitoring {
  return (t.app as unknown as { monitoring: Monitoring }).monitoring;
}
