// At least 500 malformed HTTP requests against a served endpoint: wrong
// datatype, shape mismatch, truncated binary body, invalid JSON, deep
// nesting, missing fields, unknown model or version, wrong media type. Every
// answer is a 4xx with an `error` message, and the server stays ready.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { seededRng, type Rng } from '../src/lib/clock.ts';
import { encodeV2BinaryRequest } from '../src/inference/v2-binary.ts';
import { fixture, makeTestApp, type TestApp } from './support/app.ts';

let t: TestApp;
const features = (JSON.parse(readFileSync(fixture('breast_cancer_rf', 'expected.json'), 'utf8')) as { features: string[] }).features;

before(async () => {
  t = await makeTestApp({ flags: { server: { bodyLimit: '256kb' } } });
  await t.services.registry.createModel({ name: 'rf' });
  await t.services.registry.registerVersion('rf', createReadStream(fixture('breast_cancer_rf')), { features });
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', payload: { name: 'rf', model: 'rf', version: 1, batching: { maxBatchSize: 16, maxQueueDelayUs: 100 } } });
  assert.equal(res.statusCode, 200, res.body);
});
after(async () => t.close());

interface Req {
  readonly kind: string;
  readonly url: string;
  readonly payload: string | Buffer;
  readonly headers: Record<string, string>;
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng.next() * items.length)];
const row = (rng: Rng, n = 30): number[] => Array.from({ length: n }, () => rng.next() * 10);
const json = (kind: string, url: string, body: unknown): Req => ({ kind, url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

function v2(rng: Rng): Req {
  const url = pick(rng, ['/v2/models/rf/infer', '/v2/models/rf/versions/1/infer']);
  const good = { name: 'input', datatype: 'FP32', shape: [1, 30], data: row(rng) };
  const cases: (() => Req)[] = [
    () => json('wrong datatype', url, { inputs: [{ ...good, datatype: pick(rng, ['FP64', 'INT32', 'BOOL', 'FLOAT', 7, null]) }] }),
    () => json('shape mismatch', url, { inputs: [{ ...good, shape: pick(rng, [[1, 29], [30], [1, 30, 1], [-1, 30], [1, 30.5], 'x']) }] }),
    () => json('element count', url, { inputs: [{ ...good, data: row(rng, pick(rng, [29, 31, 0])) }] }),
    () => json('bad element', url, { inputs: [{ ...good, data: [...row(rng, 29), pick(rng, ['x', null, {}, true, [[1]]])] }] }),
    () => {
      const input: Record<string, unknown> = { ...good };
      delete input[pick(rng, ['name', 'datatype', 'shape', 'data'])];
      return json('missing field', url, { inputs: [input] });
    },
    () => json('bad envelope', url, pick(rng, [{}, { inputs: [] }, { inputs: {} }, { inputs: [good], id: 5 }, [], 3, null])),
    () => json('unknown output', url, { inputs: [good], outputs: [{ name: 'nope' }] }),
    () => json('batch too large', url, { inputs: [{ ...good, shape: [17, 30], data: Array.from({ length: 17 }, () => row(rng)) }] }),
    () => ({ kind: 'invalid json', url, payload: JSON.stringify({ inputs: [good] }).slice(0, 5 + Math.floor(rng.next() * 40)), headers: { 'content-type': 'application/json' } }),
    () => {
      const depth = 3 + Math.floor(rng.next() * 50000);
      return { kind: 'deep nesting', url, payload: `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,30],"data":${'['.repeat(depth)}1${']'.repeat(depth)}}]}`, headers: { 'content-type': 'application/json' } };
    },
    () => {
      const req = encodeV2BinaryRequest([{ name: 'input', datatype: 'FP32', shape: [1, 30], data: Float32Array.from(row(rng)) }]);
      const cut = req.body.subarray(0, req.body.length - 1 - Math.floor(rng.next() * 100));
      return { kind: 'truncated binary', url, payload: cut, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(req.headerLength) } };
    },
    () => {
      const req = encodeV2BinaryRequest([{ name: 'input', datatype: 'FP32', shape: [1, 30], data: Float32Array.from(row(rng)) }]);
      return { kind: 'bad header length', url, payload: req.body, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': pick(rng, ['-1', 'abc', '0', String(req.body.length + 1), '99999999']) } };
    },
    () => json('unknown model', pick(rng, ['/v2/models/nope/infer', '/v2/models/RF/infer']), { inputs: [good] }),
    () => json('unknown version', pick(rng, ['/v2/models/rf/versions/2/infer', '/v2/models/rf/versions/x/infer']), { inputs: [good] }),
    () => ({ kind: 'media type', url, payload: 'inputs', headers: { 'content-type': pick(rng, ['text/plain', 'application/xml', 'image/png']) } }),
    () => ({ kind: 'too large', url, payload: `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,30],"data":[${'1,'.repeat(140000)}1]}]}`, headers: { 'content-type': 'application/json' } }),
  ];
  return pick(rng, cases)();
}

function rows(rng: Rng): Req {
  const url = pick(rng, ['/v1/models/rf:predict', '/endpoints/rf/invocations', '/v1/models/nope:predict', '/endpoints/nope/invocations', '/v1/models/rf:explode']);
  const named = Object.fromEntries(features.map((f) => [f, rng.next()]));
  const cases: (() => Req)[] = [
    () => json('no instances', url, pick(rng, [{}, { rows: [] }, { instances: [] }, { instances: 'x' }])),
    () => json('short row', url, { instances: [row(rng, 29)] }),
    () => json('unknown column', url, { instances: [{ ...named, extra: 1 }] }),
    () => {
      const missing: Record<string, unknown> = { ...named };
      delete missing[pick(rng, features)];
      return json('missing column', url, { instances: [missing] });
    },
    () => json('mixed rows', url, { instances: [row(rng), named] }),
    () => json('string values', url, { instances: [row(rng).map(String)] }),
    () => ({ kind: 'bad csv', url, payload: pick(rng, ['a,b\n1', '"open', features.join(',') + '\n1,2']), headers: { 'content-type': 'text/csv' } }),
    () => json('two formats', url, { instances: [row(rng)], inputs: [row(rng)] }),
  ];
  return pick(rng, cases)();
}

test('malformed requests get 4xx with an error message, and the server stays ready', async () => {
  const rng = seededRng(20260301);
  const kinds = new Map<string, number>();
  for (let i = 0; i < 600; i++) {
    const req = rng.next() < 0.65 ? v2(rng) : rows(rng);
    const res = await t.app.inject({ method: 'POST', url: req.url, payload: req.payload, headers: req.headers });
    kinds.set(req.kind, (kinds.get(req.kind) ?? 0) + 1);
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${req.kind} ${req.url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    const body = res.json() as { error?: unknown };
    assert.equal(typeof body.error, 'string', `${req.kind}: ${res.body.slice(0, 200)}`);
    assert.ok((body.error as string).length > 0);
  }
  assert.ok(kinds.size >= 15, `only ${kinds.size} kinds of malformed request were sent`);
  assert.equal((await t.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode, 200);
  const ok = await t.app.inject({ method: 'POST', url: '/v2/models/rf/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: Array(30).fill(1) }] } });
  assert.equal(ok.statusCode, 200, ok.body);
});
