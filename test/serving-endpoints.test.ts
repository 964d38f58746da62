// Endpoints end to end: switching versions under continuous traffic fails no
// request; a version that cannot load leaves what was serving untouched
// (422); endpoints survive a restart; deployed versions are protected from
// deletion; delete stops serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from '../src/app/build.ts';
import { openServices } from '../src/app/services.ts';
import { ModelPool } from '../src/inference/model-pool.ts';
import { Router } from '../src/inference/router.ts';
import { isModelgateError } from '../src/lib/errors.ts';
import { EndpointService } from '../src/rollout/endpoints.ts';
import { fixture, makeTestApp, type TestApp } from './support/app.ts';

let t: TestApp;
const features = (JSON.parse(readFileSync(fixture('breast_cancer_rf', 'expected.json'), 'utf8')) as { features: string[] }).features;
const infer = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: Array.from({ length: 30 }, (_, i) => i / 3) }] };

before(async () => {
  t = await makeTestApp();
  await t.services.registry.createModel({ name: 'rf' });
  await t.services.registry.registerVersion('rf', createReadStream(fixture('breast_cancer_rf')), { features });
  await t.services.registry.registerVersion('rf', createReadStream(fixture('breast_cancer_rf_weak')), { features });
});
after(async () => t.close());

const deploy = (version: number | string, name = 'cancer') =>
  t.app.inject({ method: 'POST', url: '/api/v1/endpoints', payload: { name, model: 'rf', version } });

test('switching versions under continuous traffic fails no request', async () => {
  assert.equal((await deploy(1)).statusCode, 200);
  let stop = false;
  const seen = new Map<string, number>();
  const failures: string[] = [];
  const client = async (): Promise<void> => {
    while (!stop) {
      const res = await t.app.inject({ method: 'POST', url: '/v2/models/cancer/infer', payload: infer });
      if (res.statusCode !== 200) failures.push(`${res.statusCode} ${res.body}`);
      else {
        const v = (res.json() as { model_version: string }).model_version;
        assert.equal(res.headers['x-modelgate-version'], v);
        seen.set(v, (seen.get(v) ?? 0) + 1);
      }
    }
  };
  const clients = Array.from({ length: 8 }, client);
  for (const version of [2, 1, 2, 1, 2]) {
    const res = await deploy(version);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual((res.json() as { state: unknown }).state, { kind: 'serving' });
  }
  stop = true;
  await Promise.all(clients);
  assert.deepEqual(failures, []);
  assert.ok((seen.get('1') ?? 0) > 0 && (seen.get('2') ?? 0) > 0, `versions seen: ${JSON.stringify([...seen])}`);
  const last = await t.app.inject({ method: 'POST', url: '/v2/models/cancer/infer', payload: infer });
  assert.equal((last.json() as { model_version: string }).model_version, '2');
});

test('a version that cannot load leaves the endpoint serving what it served', async () => {
  const garbage = join(t.dataDir, 'not-a-model.onnx');
  await writeFile(garbage, 'not an onnx model');
  const v1 = await t.services.registry.getVersion('rf', 1);
  const pool = new ModelPool(async (sha) => (sha === v1.artifact.sha256 ? garbage : t.services.blobs.localPath(sha)));
  const router = new Router(pool);
  const service = new EndpointService({ store: t.services.endpoints, registry: t.services.registry, routing: router, clock: t.clock, defaultActor: 'dev' });
  await service.deploy({ name: 'loadfail', model: 'rf', version: 2 });
  await assert.rejects(service.deploy({ name: 'loadfail', model: 'rf', version: 1 }), (err) => {
    assert.ok(isModelgateError(err, 'MG_RUNTIME_LOAD_FAILED'));
    assert.equal(err.status, 422);
    return true;
  });
  assert.equal(router.route('loadfail').model.version, '2');
  assert.equal((await service.get('loadfail')).version, 2);
  await service.delete('loadfail');
  await router.close();
  assert.equal(pool.size, 0);
});

test('bad endpoint requests are catalogue errors', async () => {
  const cases: [object, number, string][] = [
    [{ name: 'Bad Name', model: 'rf', version: 1 }, 400, 'MG_REGISTRY_INVALID_NAME'],
    [{ name: 'x', model: 'rf', version: 9 }, 404, 'MG_REGISTRY_VERSION_NOT_FOUND'],
    [{ name: 'x', model: 'nope', version: 1 }, 404, 'MG_REGISTRY_MODEL_NOT_FOUND'],
    [{ name: 'x', model: 'rf', version: 'no-such-alias' }, 404, 'MG_REGISTRY_ALIAS_NOT_FOUND'],
    [{ name: 'x', model: 'rf', version: 1, batching: { maxBatchSize: 4, preferredBatchSizes: [8] } }, 400, 'MG_ENDPOINT_INVALID'],
    [{ name: 'x', model: 'rf', version: 1, batching: { maxBatchSize: 0 } }, 400, 'MG_VALIDATION_FAILED'],
  ];
  for (const [payload, status, code] of cases) {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', payload });
    assert.equal(res.statusCode, status, res.body);
    assert.equal((res.json() as { code: string }).code, code);
  }
  const missing = await t.app.inject({ method: 'GET', url: '/api/v1/endpoints/none' });
  assert.equal((missing.json() as { code: string }).code, 'MG_ENDPOINT_NOT_FOUND');
});

test('deployed versions are protected; endpoints survive a restart; delete stops serving', async () => {
  assert.equal((await deploy(2, 'keep')).statusCode, 200);
  assert.equal(await t.services.endpoints.isDeployed('rf', 2), true);
  const del = await t.app.inject({ method: 'DELETE', url: '/api/v1/models/rf' });
  assert.equal((del.json() as { code: string }).code, 'MG_REGISTRY_MODEL_NOT_EMPTY');

  // A second app on the same data directory, as after a restart.
  const services = await openServices(t.config);
  const app = await buildApp(t.config, { services });
  try {
    const list = (await app.inject({ method: 'GET', url: '/api/v1/endpoints' })).json() as { items: { name: string; state: { kind: string } }[] };
    assert.ok(list.items.length >= 2);
    assert.ok(list.items.every((e) => e.state.kind === 'serving'), JSON.stringify(list.items));
    const res = await app.inject({ method: 'POST', url: '/v2/models/keep/infer', payload: infer });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((res.json() as { model_version: string }).model_version, '2');
    assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/endpoints/keep' })).statusCode, 204);
    assert.equal((await app.inject({ method: 'POST', url: '/v2/models/keep/infer', payload: infer })).statusCode, 404);
  } finally {
    await app.close();
    await services.close();
  }
});
