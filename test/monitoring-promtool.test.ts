// /metrics after real traffic, in one process: every modelgate metric family
// has samples (requests, latency, batch size, queue time through a batching
// endpoint, model load, live drift, rollout weight, live accuracy, process
// defaults), and the text passes `promtool check metrics` (Debian package
// prometheus; .ci/run installs it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import type { Monitoring } from '../src/app/monitoring.ts';
import { buildReferenceProfile } from '../src/data/profile.ts';
import { fixture, makeTestApp, type TestApp } from './support/app.ts';

const promtool = spawnSync('promtool', ['--version']).status === 0;
const expected = JSON.parse(readFileSync(fixture('breast_cancer_rf', 'expected.json'), 'utf8')) as { features: string[]; label: number[] };
let t: TestApp;
let text = '';

const FAMILIES = [
  'modelgate_requests_total', 'modelgate_request_duration_seconds_bucket', 'modelgate_batch_size_bucket',
  'modelgate_queue_duration_seconds_bucket', 'modelgate_model_load_duration_seconds_bucket', 'modelgate_drift_score',
  'modelgate_rollout_weight', 'modelgate_live_accuracy', 'modelgate_prediction_log_written_total', 'modelgate_process_cpu_user_seconds_total',
];

before(async () => {
  t = await makeTestApp({
    flags: { monitoring: { builtinAlerts: false, predictionLog: { samplePercent: 100 }, drift: { sampleRate: 1, minRows: 20, interval: '10s' }, alertInterval: '10s' } },
  });
  const referenceProfile = await buildReferenceProfile(fixture('breast_cancer_rf', 'train.csv'), { label: 'target' });
  await t.services.registry.createModel({ name: 'rf' });
  await t.services.registry.registerVersion('rf', createReadStream(fixture('breast_cancer_rf')), { features: expected.features, metrics: { accuracy: 0.9 }, referenceProfile });
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', payload: { name: 'cancer', model: 'rf', version: 1, batching: { maxBatchSize: 8, maxQueueDelayUs: 0 } } });
  assert.equal(res.statusCode, 200, res.body);
  const [head, ...lines] = readFileSync(fixture('breast_cancer_rf', 'test.csv'), 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  const rows = lines.slice(0, 40).map((l) => l.split(',').map(Number));
  const ids = await Promise.all(rows.map(async (v) => {
    const r = await t.app.inject({ method: 'POST', url: '/v2/models/cancer/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: expected.features.map((f) => v[cols.indexOf(f)]) }] } });
    assert.equal(r.statusCode, 200, r.body);
    return String(r.headers['x-request-id']);
  }));
  const monitoring = (t.app as unknown as { monitoring: Monitoring }).monitoring;
  await monitoring.log!.flush();
  const target = cols.indexOf('target');
  const fb = await t.app.inject({ method: 'POST', url: '/api/v1/feedback', payload: { items: ids.map((requestId, i) => ({ requestId, label: rows[i][target] })) } });
  assert.equal(fb.statusCode, 200, fb.body);
  // The control's own timer may have run drift already (before the traffic): make this tick's run due.
  t.clock.advance(10_000);
  await monitoring.control!.tick();
  text = (await t.app.inject({ url: '/metrics' })).body;
});
after(async () => t.close());

test('every metric family has samples after traffic', () => {
  for (const family of FAMILIES) assert.match(text, new RegExp(`^${family}(\\{[^}]*\\})? [0-9.e+-]+$`, 'm'), `${family} has no sample`);
  assert.match(text, /^modelgate_queue_duration_seconds_count\{endpoint="cancer",version="1"\} 40$/m);
  assert.match(text, /^modelgate_model_load_duration_seconds_count\{model="rf",version="1"\} 1$/m);
  assert.match(text, /^modelgate_rollout_weight\{endpoint="cancer",version="1"\} 100$/m);
  assert.match(text, /^modelgate_drift_score\{endpoint="cancer",version="1",feature="_dataset",test="score"\} /m);
});

test('/metrics passes promtool check metrics', { skip: promtool ? false : 'promtool is not installed (Debian package prometheus)' }, () => {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});
