// The data plane's fast path (OIP V2 inference on node:http) against the
// Fastify route it stands in front of: the same requests get the same
// status, body and headers from both, on an open server and on one with API
// keys, rate limits and tensor limits; requests it does not take are left
// to Fastify untouched; what it answers is counted by monitoring.
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { inject, type InjectOptions, type Response } from 'light-my-request';
import type { FastifyInstance } from 'fastify';
import type { FrontDoor } from '../src/app/front-door.ts';
import { encodeV2BinaryRequest } from '../src/inference/v2-binary.ts';
import { fixture, makeTestApp, type TestApp } from './support/app.ts';
import { makeSecuredApp, type SecuredApp } from './support/security.ts';

const DECLINED = 599;
const features = (JSON.parse(readFileSync(fixture('breast_cancer_rf', 'expected.json'), 'utf8')) as { features: string[] }).features;
const row = Array.from({ length: 30 }, (_, i) => i / 3);
const json = (body: unknown): { payload: string; headers: Record<string, string> } => ({ payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const single = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: row }] };

/** A request through the fast path alone: what it declines answers 599. */
function viaFastPath(app: FastifyInstance, options: InjectOptions): Promise<Response> {
  const fast = (app as unknown as { frontDoor: FrontDoor }).frontDoor.fast;
  assert.ok(fast !== null, 'the fast path is set');
  return inject((req, res) => {
    if (!fast(req, res)) {
      res.statusCode = DECLINED;
      res.end();
    }
  }, options);
}

/**
 * What an answer says, less what differs between any two requests: the
 * date, connection handling, the generated request id and the rate-limit
 * bucket's level (only their presence is compared).
 */
function comparable(res: Response): Record<string, unknown> {
  const { date: _d, connection: _c, 'keep-alive': _k, 'x-request-id': id, 'ratelimit-remaining': left, 'ratelimit-reset': reset, ...rest } = res.headers;
  return { status: res.statusCode, body: res.body, headers: rest, requestId: typeof id === 'string', bucket: [left !== undefined, reset !== undefined] };
}

async function assertSame(app: FastifyInstance, name: string, options: InjectOptions): Promise<Response> {
  const fast = await viaFastPath(app, options);
  assert.notEqual(fast.statusCode, DECLINED, `${name}: the fast path takes it`);
  const fastify = await app.inject(options);
  assert.deepEqual(comparable(fast), comparable(fastify), name);
  return fast;
}

let t: TestApp;
before(async () => {
  t = await makeTestApp({ flags: { server: { bodyLimit: 64 * 1024 } } });
  await t.services.registry.createModel({ name: 'rf' });
  await t.services.registry.registerVersion('rf', createReadStream(fixture('breast_cancer_rf')), { features });
  assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', payload: { name: 'cancer', model: 'rf', version: 1 } })).statusCode, 200);
});
after(async () => t.close());

test('answers, refusals and errors are the same as the Fastify route gives', async () => {
  const infer = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }, url = '/v2/models/cancer/infer'): InjectOptions =>
    ({ method: 'POST', url, payload: body, headers });
  const binary = encodeV2BinaryRequest([{ name: 'input', datatype: 'FP32', shape: [2, 30], data: Float32Array.from([...row, ...row]) }], { id: 'b', binaryOutputs: true });
  const binaryHeaders = { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(binary.headerLength) };
  const cases: [string, InjectOptions, number][] = [
    ['one row', infer(JSON.stringify(single)), 200],
    ['id echoed, one output asked for', infer(JSON.stringify({ id: 'r-7', ...single, outputs: [{ name: 'probabilities' }] })), 200],
    ['pinned version', infer(JSON.stringify(single), undefined, '/v2/models/cancer/versions/1/infer'), 200],
    ['content type with charset', infer(JSON.stringify(single), { 'content-type': 'Application/JSON; charset=utf-8' }), 200],
    ['binary extension in and out', infer(binary.body, binaryHeaders), 200],
    ['binary header length past the body', infer(binary.body, { ...binaryHeaders, 'inference-header-content-length': '999999' }), 400],
    ['wrong shape', infer(JSON.stringify({ inputs: [{ ...single.inputs[0], shape: [1, 3], data: [1, 2, 3] }] })), 400],
    ['wrong datatype', infer(JSON.stringify({ inputs: [{ ...single.inputs[0], datatype: 'INT8' }] })), 400],
    ['missing inputs', infer('{}'), 400],
    ['invalid JSON', infer('{"inputs": ['), 400],
    ['NaN', infer('{"inputs":[{"name":"input","datatype":"FP32","shape":[1,1],"data":["NaN"]}]}'), 400],
    ['unknown endpoint', infer(JSON.stringify(single), undefined, '/v2/models/nope/infer'), 404],
    ['unknown version', infer(JSON.stringify(single), undefined, '/v2/models/cancer/versions/9/infer'), 404],
    ['body over the limit', infer(JSON.stringify({ inputs: [{ ...single.inputs[0], data: Array.from({ length: 20_000 }, () => 1.5) }] })), 413],
  ];
  for (const [name, options, status] of cases) {
    const res = await assertSame(t.app, name, options);
    assert.equal(res.statusCode, status, `${name}: ${res.body}`);
    if (status !== 200) assert.equal(typeof (res.json() as { error?: unknown }).error, 'string', name);
  }
});

test('requests the fast path does not take are left to Fastify', async () => {
  const body = JSON.stringify(single);
  const declined: [string, InjectOptions][] = [
    ['metadata (GET)', { method: 'GET', url: '/v2/models/cancer' }],
    ['another content type', { method: 'POST', url: '/v2/models/cancer/infer', payload: 'a,b\n1,2\n', headers: { 'content-type': 'text/csv' } }],
    ['no content type', { method: 'POST', url: '/v2/models/cancer/infer', payload: body, headers: { 'content-type': '' } }],
    ['a query string', { method: 'POST', url: '/v2/models/cancer/infer?x=1', ...json(single) }],
    ['an escaped name', { method: 'POST', url: '/v2/models/can%63er/infer', ...json(single) }],
    ['an empty name', { method: 'POST', url: '/v2/models//infer', ...json(single) }],
    ['a longer path', { method: 'POST', url: '/v2/models/cancer/versions/1/x/infer', ...json(single) }],
    ['V1', { method: 'POST', url: '/v1/models/cancer:predict', ...json({ instances: [row] }) }],
    ['control plane', { method: 'POST', url: '/api/v1/models', ...json({ name: 'x' }) }],
  ];
  for (const [name, options] of declined) assert.equal((await viaFastPath(t.app, options)).statusCode, DECLINED, name);
  // What Fastify makes of them is unchanged: the escaped name is the same endpoint, a query string is ignored.
  assert.equal((await t.app.inject({ method: 'POST', url: '/v2/models/can%63er/infer', ...json(single) })).statusCode, 200);
  assert.equal((await t.app.inject({ method: 'POST', url: '/v2/models/cancer/infer?x=1', ...json(single) })).statusCode, 200);
});

test('monitoring counts what the fast path answers, by status', async () => {
  const count = async (code: string): Promise<number> => {
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const lines = metrics.split('\n').filter((l) => l.startsWith('modelgate_requests_total{') && l.includes('endpoint="cancer"') && l.includes('protocol="v2"') && l.includes(`code="${code}"`));
    // Summed over versions: a body that does not parse fails before a version is chosen (version "0").
    return lines.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  };
  const [ok, bad] = [await count('200'), await count('400')];
  for (let i = 0; i < 7; i++) await viaFastPath(t.app, { method: 'POST', url: '/v2/models/cancer/infer', ...json(single) });
  for (let i = 0; i < 3; i++) await viaFastPath(t.app, { method: 'POST', url: '/v2/models/cancer/infer', payload: '{', headers: { 'content-type': 'application/json' } });
  assert.equal(await count('200'), ok + 7);
  assert.equal(await count('400'), bad + 3);
  const res = await viaFastPath(t.app, { method: 'POST', url: '/v2/models/cancer/infer', payload: JSON.stringify(single), headers: { 'content-type': 'application/json', 'x-request-id': 'given-1' } });
  assert.equal(res.headers['x-request-id'], 'given-1');
  // An id that cannot go back in a header (or past 128 characters) is replaced, on both paths.
  for (const given of ['a\u0001b', 'x'.repeat(129)]) {
    const options: InjectOptions = { method: 'POST', url: '/v2/models/cancer/infer', payload: JSON.stringify(single), headers: { 'content-type': 'application/json', 'x-request-id': given } };
    for (const answered of [await viaFastPath(t.app, options), await t.app.inject(options)]) {
      assert.equal(answered.statusCode, 200, answered.body);
      assert.ok(typeof answered.headers['x-request-id'] === 'string' && answered.headers['x-request-id'] !== given);
    }
  }
});

test('a failure while answering is a 500 with an error, and the next request is answered', async () => {
  const options: InjectOptions = { method: 'POST', url: '/v2/models/cancer/infer', ...json(single) };
  const fast = (t.app as unknown as { frontDoor: FrontDoor }).frontDoor.fast!;
  // The first writeHead of the answer throws, as Node does for a header it refuses.
  const res = await inject((req, res) => {
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => unknown;
    let refused = false;
    res.writeHead = ((...args: unknown[]) => {
      if (!refused) {
        refused = true;
        throw new Error('refused header');
      }
      return writeHead(...args);
    }) as typeof res.writeHead;
    assert.ok(fast(req, res));
  }, options);
  assert.equal(res.statusCode, 500);
  assert.match((res.json() as { error: string }).error, /server log/);
  assert.equal((await viaFastPath(t.app, options)).statusCode, 200);
});

let s: SecuredApp;
before(async () => {
  s = await makeSecuredApp({ server: { maxTensorElements: 100 }, security: { rateLimit: { perPrincipal: { rate: 1, burst: 4 } }, audit: { predictions: true } } });
  await s.services.registry.createModel({ name: 'rf' });
  await s.services.registry.registerVersion('rf', createReadStream(fixture('breast_cancer_rf')), { features });
  const deployed = await s.app.inject({ method: 'POST', url: '/api/v1/endpoints', payload: { name: 'cancer', model: 'rf', version: 1 }, headers: { 'x-api-key': s.keys.admin! } });
  assert.equal(deployed.statusCode, 200, deployed.body);
});
after(async () => s?.close());

test('with security on, the fast path refuses and admits as Fastify does', async () => {
  const infer = (headers: Record<string, string>, body: unknown = single): InjectOptions =>
    ({ method: 'POST', url: '/v2/models/cancer/infer', payload: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
  assert.equal((await assertSame(s.app, 'no credential', infer({}))).statusCode, 401);
  assert.equal((await assertSame(s.app, 'unknown key', infer({ 'x-api-key': 'mg_nope' }))).statusCode, 401);
  assert.equal((await assertSame(s.app, 'a role without predict', infer({ 'x-api-key': s.keys.viewer! }))).statusCode, 403);
  const tooLarge = { inputs: [{ name: 'input', datatype: 'FP32', shape: [10, 30], data: Array.from({ length: 300 }, () => 1) }] };
  assert.equal((await assertSame(s.app, 'too many tensor elements', infer({ 'x-api-key': s.keys.predictor! }, tooLarge))).statusCode, 413);

  // The rate limit's bucket is shared: the fast path and Fastify draw on it alike, and refuse alike once it is empty.
  const key = { 'x-api-key': s.keys.deployer! };
  const fast = await viaFastPath(s.app, infer(key));
  assert.equal(fast.statusCode, 200, fast.body);
  assert.ok(fast.headers['ratelimit-limit'] !== undefined, 'rate-limit headers on the answer');
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await viaFastPath(s.app, infer(key))).statusCode, (await s.app.inject(infer(key))).statusCode);
  assert.ok(statuses.includes(429), `statuses: ${statuses.join(',')}`);
  const refused = await viaFastPath(s.app, infer(key));
  assert.equal(refused.statusCode, 429);
  assert.ok(refused.headers['retry-after'] !== undefined);
});

test('with prediction auditing on, a prediction the fast path answers is in the audit log', async () => {
  const audited = async (): Promise<{ actor: string; action: string; target: string; outcome: string }[]> => {
    const res = await s.app.inject({ method: 'GET', url: '/api/v1/audit?limit=1000', headers: { 'x-api-key': s.keys.admin! } });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { items: { actor: string; action: string; target: string; outcome: string }[] }).items.filter((e) => e.action === 'endpoint.predict');
  };
  const before = (await audited()).length;
  const res = await viaFastPath(s.app, { method: 'POST', url: '/v2/models/cancer/versions/1/infer', ...json(single), headers: { 'content-type': 'application/json', 'x-api-key': s.keys.predictor! } });
  assert.equal(res.statusCode, 200, res.body);
  // Written after the answer leaves: wait for it.
  for (let i = 0; i < 50 && (await audited()).length === before; i++) await new Promise((r) => setTimeout(r, 20));
  const entries = await audited();
  assert.equal(entries.length, before + 1);
  const last = entries.at(-1)!;
  assert.equal(last.target, 'endpoint:cancer/version:1');
  assert.equal(last.outcome, 'success');
  assert.match(last.actor, /^key:/);
});
