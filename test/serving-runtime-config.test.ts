// The `runtime` configuration section reaches every session and codec: the
// execution provider (and why a preferred one was not used) shows in the model
// metadata, NaN is refused or accepted as configured, the batch-row limit is a
// 400, and an unknown provider is a configuration error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import * as ort from 'onnxruntime-node';
import { buildApp } from '../src/app/build.ts';
import { sessionOptionsFrom } from '../src/app/data-plane.ts';
import { openServices } from '../src/app/services.ts';
import { loadConfig } from '../src/config/load.ts';
import { isModelgateError } from '../src/lib/errors.ts';

const model = new URL('../fixtures/models/breast_cancer_rf/model.onnx', import.meta.url).pathname;

type Inject = (options: InjectOptions) => Promise<LightMyRequestResponse>;

async function withApp(runtime: Record<string, unknown>, body: (inject: Inject) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'modelgate-runtime-'));
  const config = loadConfig({ env: {}, flags: { dataDir, logLevel: 'silent', user: 'dev', runtime } });
  const services = await openServices(config);
  const app = await buildApp(config, { services });
  try {
    await services.registry.createModel({ name: 'rf' });
    await services.registry.registerVersion('rf', createReadStream(model), {});
    const res = await app.inject({ method: 'POST', url: '/api/v1/endpoints', payload: { name: 'rf', model: 'rf', version: 1 } });
    assert.equal(res.statusCode, 200, res.body);
    await body((o) => app.inject(o));
  } finally {
    await app.close();
    await services.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const rows = (n: number, value = 1): object => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [n, 30], data: Array.from({ length: n * 30 }, () => value) }] });

test('defaults: cpu provider in the metadata, NaN refused, no batch-row limit', async () => {
  await withApp({}, async (inject) => {
    const meta = (await inject({ method: 'GET', url: '/v2/models/rf' })).json() as { parameters: Record<string, unknown> };
    assert.equal(meta.parameters.execution_provider, 'cpu');
    assert.equal(meta.parameters.execution_provider_fallback, undefined);
    const nan = await inject({ method: 'POST', url: '/v2/models/rf/infer', payload: rows(1, Number.NaN) });
    assert.equal(nan.statusCode, 400, nan.body);
    assert.equal((await inject({ method: 'POST', url: '/v2/models/rf/infer', payload: rows(300) })).statusCode, 200);
  });
});

test('configured: threads and optimisation level load, NaN accepted, batch rows limited, cuda falls back with a reason', async () => {
  const cuda = ort.listSupportedBackends().some((b) => b.name === 'cuda' && b.bundled);
  const runtime = { intraOpThreads: 1, interOpThreads: 1, graphOptimizationLevel: 'basic', executionProviders: ['cuda', 'cpu'], allowNonFinite: true, maxBatchRows: 8 };
  await withApp(runtime, async (inject) => {
    const meta = (await inject({ method: 'GET', url: '/v2/models/rf' })).json() as { parameters: Record<string, unknown> };
    if (cuda) assert.ok(meta.parameters.execution_provider === 'cuda' || typeof meta.parameters.execution_provider_fallback === 'string');
    else {
      assert.equal(meta.parameters.execution_provider, 'cpu');
      assert.match(String(meta.parameters.execution_provider_fallback), /CUDA/);
    }
    // The JSON codec writes NaN as null, so send it through the binary extension.
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], parameters: { binary_data_size: 120 } }] }));
    const data = new Float32Array(30).fill(Number.NaN);
    const nan = await inject({
      method: 'POST', url: '/v2/models/rf/infer', payload: Buffer.concat([header, Buffer.from(data.buffer)]),
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.byteLength) },
    });
    assert.equal(nan.statusCode, 200, nan.body);
    assert.equal((await inject({ method: 'POST', url: '/v2/models/rf/infer', payload: rows(8) })).statusCode, 200);
    const big = await inject({ method: 'POST', url: '/v2/models/rf/infer', payload: rows(9) });
    assert.equal(big.statusCode, 400, big.body);
    assert.match(big.body, /8/);
  });
});

test('an unknown execution provider is a configuration error naming the key', () => {
  const config = loadConfig({ env: {}, flags: { runtime: { executionProviders: ['tpu'] } } });
  assert.throws(() => sessionOptionsFrom(config.runtime), (err) => isModelgateError(err, 'MG_CONFIG_INVALID') && /runtime\.executionProviders/.test(err.message));
});
