import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelSession } from './session.ts';
import { isModelgateError } from '../lib/errors.ts';

const mlp = new URL('../../fixtures/models/breast_cancer_mlp/model.onnx', import.meta.url).pathname;

test('loads with options, reports its signature and provider, warms up from zeros', async () => {
  const s = await ModelSession.load(mlp, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'basic', executionProviders: ['cuda', 'cpu'] });
  assert.deepEqual(s.inputs, [{ name: 'input', datatype: 'FP32', shape: ['batch', 30] }]);
  assert.deepEqual(s.outputs.map((o) => o.name), ['probabilities']);
  // CUDA was asked for; whichever provider runs is recorded, with the reason when it is not CUDA.
  assert.ok(s.provider.provider === 'cuda' || typeof s.provider.fallbackReason === 'string');
  assert.deepEqual(s.zeroFeeds()[0].shape, [1, 30]);
  await s.warmup();
  await s.release();
});

test('a corrupt model fails to load with the runtime message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mg-session-'));
  try {
    const file = join(dir, 'bad.onnx');
    writeFileSync(file, 'not a model');
    await assert.rejects(ModelSession.load(file, { label: 'bad v1' }), (err) => isModelgateError(err, 'MG_RUNTIME_LOAD_FAILED') && err.message.includes('bad v1') && err.status === 422);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('release waits for in-flight runs, then refuses new ones', async () => {
  const s = await ModelSession.load(mlp);
  const runs = Array.from({ length: 8 }, () => s.run(s.zeroFeeds()));
  assert.ok(s.inFlight > 0);
  const released = s.release();
  await assert.rejects(s.run(s.zeroFeeds()), (err) => isModelgateError(err, 'MG_RUNTIME_SESSION_CLOSED') && err.status === 503);
  const results = await Promise.all(runs);
  assert.equal(results.length, 8);
  await released;
  assert.equal(s.state, 'released');
  assert.equal(s.inFlight, 0);
});

test('a runtime failure on input that bypassed validation is MG_INFERENCE_FAILED (500)', async () => {
  const s = await ModelSession.load(mlp);
  await assert.rejects(s.run([{ name: 'input', datatype: 'FP32', shape: [1, 3], data: new Float32Array(3) }]), (err) => isModelgateError(err, 'MG_INFERENCE_FAILED') && err.status === 500);
  await s.release();
});
