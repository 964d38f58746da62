/** Every error path of the registry API answers its catalogue code and status, and bad input never stores anything. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestApp } from './support/app.ts';
import { fixture, makeTestApp, multipart } from './support/app.ts';

const onnx = readFileSync(fixture('breast_cancer_rf'));

function expectError(res: { statusCode: number; body: string }, status: number, code: string): void {
  const body = JSON.parse(res.body) as { error?: unknown; code?: unknown };
  assert.equal(res.statusCode, status, res.body);
  assert.equal(body.code, code, res.body);
  assert.equal(typeof body.error, 'string');
}

async function withApp(fn: (t: TestApp) => Promise<void>, flags?: Record<string, unknown>): Promise<void> {
  const t = await makeTestApp({ flags });
  try {
    await fn(t);
  } finally {
    await t.close();
  }
}

test('bad name 400, duplicate 409, unknown 404', () => withApp(async ({ app }) => {
  expectError(await app.inject({ method: 'POST', url: '/api/v1/models', payload: { name: 'Fraud Model' } }), 400, 'MG_REGISTRY_INVALID_NAME');
  expectError(await app.inject({ method: 'GET', url: '/api/v1/models/-bad' }), 400, 'MG_REGISTRY_INVALID_NAME');
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/models', payload: { name: 'fraud' } })).statusCode, 201);
  expectError(await app.inject({ method: 'POST', url: '/api/v1/models', payload: { name: 'fraud' } }), 409, 'MG_REGISTRY_MODEL_EXISTS');
  expectError(await app.inject({ method: 'GET', url: '/api/v1/models/nope' }), 404, 'MG_REGISTRY_MODEL_NOT_FOUND');
  expectError(await app.inject({ method: 'GET', url: '/api/v1/models/fraud/versions/3' }), 404, 'MG_REGISTRY_VERSION_NOT_FOUND');
  expectError(await app.inject({ method: 'GET', url: '/api/v1/models/fraud/aliases/production' }), 404, 'MG_REGISTRY_ALIAS_NOT_FOUND');
  expectError(await app.inject({ method: 'GET', url: '/api/v1/nothing-here' }), 404, 'MG_NOT_FOUND');
}));

test('corrupt ONNX is 422 and stores nothing', () => withApp(async (t) => {
  const garbage = Buffer.from('this is not an onnx model at all, just text');
  expectError(await t.app.inject({ method: 'POST', url: '/api/v1/models/m/versions', ...multipart({}, garbage) }), 422, 'MG_REGISTRY_INVALID_ARTIFACT');
  const truncated = onnx.subarray(0, 1000);
  expectError(await t.app.inject({ method: 'POST', url: '/api/v1/models/m/versions', ...multipart({}, truncated) }), 422, 'MG_REGISTRY_INVALID_ARTIFACT');
  assert.equal(await t.blobCount(), 0);
  const versions = await t.app.inject({ method: 'GET', url: '/api/v1/models/m/versions' });
  if (versions.statusCode === 200) assert.equal(JSON.parse(versions.body).items.length, 0);
  else expectError(versions, 404, 'MG_REGISTRY_MODEL_NOT_FOUND');
}));

test('an artifact over the size limit is 413 and stores nothing', () => withApp(async (t) => {
  expectError(await t.app.inject({ method: 'POST', url: '/api/v1/models/m/versions', ...multipart({}, onnx) }), 413, 'MG_REGISTRY_ARTIFACT_TOO_LARGE');
  assert.equal(await t.blobCount(), 0);
  const versions = await t.app.inject({ method: 'GET', url: '/api/v1/models/m/versions' });
  if (versions.statusCode === 200) assert.equal(JSON.parse(versions.body).items.length, 0);
}, { registry: { maxArtifactBytes: 4096 } }));

test('upload form errors are 400 or 415', () => withApp(async ({ app }) => {
  expectError(await app.inject({ method: 'POST', url: '/api/v1/models/m/versions', payload: { a: 1 } }), 415, 'MG_UNSUPPORTED_MEDIA_TYPE');
  expectError(await app.inject({ method: 'POST', url: '/api/v1/models/m/versions', ...multipart('{not json', onnx) }), 400, 'MG_REGISTRY_INVALID_METADATA');
  expectError(await app.inject({ method: 'POST', url: '/api/v1/models/m/versions', ...multipart({ metrics: { acc: 'high' } }, onnx) }), 400, 'MG_REGISTRY_INVALID_METADATA');
  const boundary = 'b0';
  const onlyFile = `--${boundary}\r\nContent-Disposition: form-data; name="artifact"; filename="m.onnx"\r\n\r\nxx\r\n--${boundary}--\r\n`;
  expectError(await app.inject({ method: 'POST', url: '/api/v1/models/m/versions', payload: onlyFile, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }), 400, 'MG_BAD_REQUEST');
  const onlyMeta = `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{}\r\n--${boundary}--\r\n`;
  expectError(await app.inject({ method: 'POST', url: '/api/v1/models/m/versions', payload: onlyMeta, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }), 400, 'MG_BAD_REQUEST');
}));

test('malformed JSON, schema violations and unknown query parameters are 400', () => withApp(async ({ app }) => {
  expectError(await app.inject({ method: 'POST', url: '/api/v1/models', payload: '{"name": ', headers: { 'content-type': 'application/json' } }), 400, 'MG_BAD_REQUEST');
  expectError(await app.inject({ method: 'POST', url: '/api/v1/models', payload: { name: 'x', colour: 'red' } }), 400, 'MG_VALIDATION_FAILED');
  expectError(await app.inject({ method: 'POST', url: '/api/v1/models', payload: {} }), 400, 'MG_VALIDATION_FAILED');
  await app.inject({ method: 'POST', url: '/api/v1/models', payload: { name: 'm' } });
  const unknown = await app.inject({ method: 'GET', url: '/api/v1/models/m/versions?colour=red' });
  expectError(unknown, 400, 'MG_VALIDATION_FAILED');
  assert.match(JSON.parse(unknown.body).error, /colour/);
  expectError(await app.inject({ method: 'GET', url: '/api/v1/models?limit=0' }), 400, 'MG_VALIDATION_FAILED');
  expectError(await app.inject({ method: 'GET', url: '/api/v1/models/m/versions?metric=acc:x:1' }), 400, 'MG_VALIDATION_FAILED');
  expectError(await app.inject({ method: 'GET', url: '/api/v1/models/m/aliases/prod?at=yesterday' }), 400, 'MG_VALIDATION_FAILED');
  expectError(await app.inject({ method: 'POST', url: '/api/v1/gc', payload: { maxAge: 'forever' } }), 400, 'MG_VALIDATION_FAILED');
  expectError(await app.inject({ method: 'PUT', url: '/api/v1/models/m/aliases/latest', payload: { version: 1 } }), 400, 'MG_REGISTRY_ALIAS_RESERVED');
}));

test('body over the configured limit is 413', () => withApp(async ({ app }) => {
  const big = JSON.stringify({ name: 'm', description: 'x'.repeat(4096) });
  expectError(await app.inject({ method: 'POST', url: '/api/v1/models', payload: big, headers: { 'content-type': 'application/json' } }), 413, 'MG_PAYLOAD_TOO_LARGE');
}, { server: { bodyLimit: 1024 } }));

test('the OpenAPI document lists every registry route', () => withApp(async ({ app }) => {
  const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  assert.equal(res.statusCode, 200);
  const doc = JSON.parse(res.body) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  assert.match(doc.openapi, /^3\./);
  const expected: [string, string][] = [
    ['post', '/api/v1/models'], ['get', '/api/v1/models'],
    ['get', '/api/v1/models/{m}'], ['patch', '/api/v1/models/{m}'], ['delete', '/api/v1/models/{m}'],
    ['post', '/api/v1/models/{m}/versions'], ['get', '/api/v1/models/{m}/versions'],
    ['get', '/api/v1/models/{m}/versions/{v}'], ['patch', '/api/v1/models/{m}/versions/{v}'],
    ['get', '/api/v1/models/{m}/versions/{v}/artifact'], ['post', '/api/v1/models/{m}/versions/{v}/archive'],
    ['get', '/api/v1/models/{m}/versions/{v}/approvals'], ['post', '/api/v1/models/{m}/versions/{v}/approvals'],
    ['get', '/api/v1/models/{m}/versions/{v}/evaluations'], ['post', '/api/v1/models/{m}/versions/{v}/evaluations'],
    ['get', '/api/v1/models/{m}/compare'],
    ['put', '/api/v1/models/{m}/aliases/{alias}'], ['get', '/api/v1/models/{m}/aliases/{alias}'], ['delete', '/api/v1/models/{m}/aliases/{alias}'],
    ['get', '/api/v1/models/{m}/history'], ['post', '/api/v1/gc'],
  ];
  for (const [method, path] of expected) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} missing from the OpenAPI document`);
}));
