// The prediction log over a real SQLite store: under load with 100 %
// sampling every request is either stored or counted as dropped (a full
// buffer, a failing store); a sensitive field is unreadable in the raw row
// without the key and opens with it; feedback with a null label is a 400.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRng } from '../src/lib/clock.ts';
import { isModelgateError } from '../src/lib/errors.ts';
import { ServingMetrics } from '../src/monitoring/metrics.ts';
import { fieldContext, PredictionLog, type PredictionLogOptions } from '../src/monitoring/prediction-log.ts';
import type { AnsweredRequest } from '../src/monitoring/request-monitor.ts';
import { FieldCrypto } from '../src/security/field-crypto.ts';
import type { PredictionStore } from '../src/store/prediction-store.ts';
import { SqlPredictionStore } from '../src/store/sql-prediction-store.ts';
import { SqliteDriver } from '../src/store/sqlite/driver.ts';
import { makeTestApp } from './support/app.ts';

const FEATURES = ['age', 'income', 'ssn'];

const options = (extra: Partial<PredictionLogOptions> = {}): PredictionLogOptions => ({
  samplePercent: 100, endpointPercent: {}, sensitiveFields: [], sensitiveMode: 'encrypt', bufferSize: 10_000, batchSize: 50,
  flushIntervalMs: 1000, maxAgeMs: 86_400_000, maxBytes: 1 << 30, pruneIntervalMs: 600_000, ...extra,
});

function request(i: number): AnsweredRequest {
  return {
    endpoint: 'credit', version: 1, protocol: 'v2', status: 200, latencyMs: 1.5, requestId: `req-${i}`, features: FEATURES,
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: new Float32Array([30 + (i % 40), 1000 * i, 9876543]) }],
    outputs: [{ name: 'label', datatype: 'INT64', shape: [1], data: new BigInt64Array([BigInt(i % 2)]) }],
  };
}

async function counter(metrics: ServingMetrics, name: 'logDropped' | 'logWritten'): Promise<number> {
  const m = await metrics[name].get();
  return m.values.reduce((n, v) => n + v.value, 0);
}

async function withStore(fn: (store: SqlPredictionStore, driver: SqliteDriver) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'modelgate-plog-'));
  const driver = new SqliteDriver(join(dir, 'db.sqlite'));
  const store = new SqlPredictionStore(driver);
  try {
    await store.migrate();
    await fn(store, driver);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('100 % sampling under load: every request is stored or counted as dropped, and a small buffer does drop', async () => {
  await withStore(async (store) => {
    const metrics = new ServingMetrics(undefined, { defaults: false });
    const log = new PredictionLog(options({ bufferSize: 64, batchSize: 32 }), { store, rng: seededRng(1), metrics, iso: (ms) => new Date(ms).toISOString(), now: () => 0 });
    const sent = 2000;
    // Bursts of 250 captures between flushes: far more than the buffer holds.
    for (let i = 0; i < sent; i++) {
      assert.equal(log.wants('credit'), true);
      log.capture(request(i), Date.parse('2026-03-01T12:00:00Z') + i);
      if (i % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
    }
    await log.close();
    const stored = (await store.list({ endpoint: 'credit', limit: 10_000 })).items.length;
    const dropped = await counter(metrics, 'logDropped');
    assert.ok(dropped > 0, 'the buffer overflowed');
    assert.equal(stored + dropped, sent);
    assert.equal(await counter(metrics, 'logWritten'), stored);
    assert.equal(log.buffered, 0);
  });
});

test('a failing store counts its whole batch as dropped', async () => {
  const metrics = new ServingMetrics(undefined, { defaults: false });
  const failing: PredictionStore = {
    insert: async () => { throw new Error('disk full'); },
    feedback: async () => [], list: async () => ({ items: [], next: null }), labelled: async () => [], prune: async () => 0, close: async () => {},
  };
  const errors: unknown[] = [];
  const log = new PredictionLog(options({ batchSize: 1000 }), { store: failing, rng: seededRng(1), metrics, iso: (ms) => new Date(ms).toISOString(), now: () => 0, onError: (e) => errors.push(e) });
  for (let i = 0; i < 30; i++) log.capture(request(i), i);
  await log.flush();
  assert.equal(await counter(metrics, 'logDropped'), 30);
  assert.equal(errors.length, 1);
});

test('a request whose row cannot be built is dropped and counted as it is captured; the rest are written', async () => {
  await withStore(async (store) => {
    const metrics = new ServingMetrics(undefined, { defaults: false });
    const errors: unknown[] = [];
    const sealFields = (record: object, _fields: string[], context: string): object => {
      if (context === fieldContext('req-1')) throw new Error('sealing failed');
      return record;
    };
    const crypto = { sealFields } as unknown as FieldCrypto;
    const log = new PredictionLog(options({ sensitiveFields: ['ssn'] }), { store, rng: seededRng(1), metrics, crypto, iso: (ms) => new Date(ms).toISOString(), now: () => 0, onError: (e) => errors.push(e) });
    log.capture(request(1), 0);
    assert.equal(log.buffered, 0);
    assert.equal(await counter(metrics, 'logDropped'), 1);
    assert.match(String(errors[0]), /sealing failed/);
    log.capture(request(2), 0);
    await log.flush();
    assert.equal(await counter(metrics, 'logWritten'), 1);
    assert.deepEqual((await store.list({ endpoint: 'credit' })).items.map((r) => r.requestId), ['req-2']);
  });
});

test('sampling: 0 % captures nothing, a per-endpoint share about its percent', () => {
  const log = new PredictionLog(options({ samplePercent: 0, endpointPercent: { credit: 10 } }), {
    store: {} as PredictionStore, rng: seededRng(7), metrics: new ServingMetrics(undefined, { defaults: false }), iso: String, now: () => 0,
  });
  assert.equal(log.wants('other'), false);
  let n = 0;
  for (let i = 0; i < 10_000; i++) if (log.wants('credit')) n++;
  assert.ok(n > 800 && n < 1200, `${n} of 10000`);
});

test('a sensitive field cannot be read from the stored row without the key', async () => {
  await withStore(async (store, driver) => {
    const crypto = new FieldCrypto(new Map([['k1', randomBytes(32)]]), 'k1');
    const metrics = new ServingMetrics(undefined, { defaults: false });
    const log = new PredictionLog(options({ sensitiveFields: ['ssn'] }), { store, rng: seededRng(1), metrics, crypto, iso: (ms) => new Date(ms).toISOString(), now: () => 0 });
    log.capture(request(7), Date.parse('2026-03-01T12:00:00Z'));
    await log.close();
    const [raw] = await driver.query('SELECT inputs FROM predictions WHERE request_id = ?', ['req-7']);
    const text = String(raw.inputs);
    assert.ok(!text.includes('9876543'), `plaintext in the row: ${text}`);
    const inputs = JSON.parse(text) as Record<string, unknown>;
    assert.equal(inputs.age, 37);
    assert.equal(inputs.income, 7000);
    assert.ok(FieldCrypto.isSealed(inputs.ssn));
    // With the key (and only for this record) it opens.
    assert.deepEqual(crypto.openFields(inputs, ['ssn'], fieldContext('req-7')).ssn, 9876543);
    assert.throws(() => crypto.openFields(inputs, ['ssn'], fieldContext('req-8')), (e) => isModelgateError(e) && e.code === 'MG_SECURITY_DECRYPT_FAILED');
    const otherKey = new FieldCrypto(new Map([['k1', randomBytes(32)]]), 'k1');
    assert.throws(() => otherKey.openFields(inputs, ['ssn'], fieldContext('req-7')), (e) => isModelgateError(e) && e.code === 'MG_SECURITY_DECRYPT_FAILED');
  });
});

test('sensitiveMode drop keeps the field out of the store entirely', async () => {
  await withStore(async (store, driver) => {
    const log = new PredictionLog(options({ sensitiveFields: ['ssn'], sensitiveMode: 'drop' }), {
      store, rng: seededRng(1), metrics: new ServingMetrics(undefined, { defaults: false }), iso: (ms) => new Date(ms).toISOString(), now: () => 0,
    });
    log.capture(request(3), 0);
    await log.close();
    const [raw] = await driver.query('SELECT inputs FROM predictions WHERE request_id = ?', ['req-3']);
    assert.deepEqual(Object.keys(JSON.parse(String(raw.inputs)) as object), ['age', 'income']);
  });
});

test('feedback: a null, missing or mistyped label is a 400 catalogue error', async () => {
  const t = await makeTestApp({ flags: { monitoring: { builtinAlerts: false } } });
  try {
    const bad: unknown[] = [
      { requestId: 'a', label: null }, { requestId: 'a' }, { requestId: 'a', value: null }, { requestId: 'a', label: 1, value: 1 },
      { requestId: 'a', label: { x: 1 } }, { requestId: 'a', value: 'high' }, { items: [{ requestId: 'a', label: 1 }, { requestId: 'b', label: null }] },
    ];
    for (const payload of bad) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/feedback', payload: payload as object });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal((res.json() as { code: string }).code, 'MG_MONITORING_FEEDBACK_INVALID', JSON.stringify(payload));
    }
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/feedback', payload: { requestId: 'never-logged', label: 0 } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { joined: 0, unknown: ['never-logged'], late: [] });
  } finally {
    await t.close();
  }
});
