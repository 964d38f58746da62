import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { writeBigOnnx } from '../bench/support/big-onnx.ts';
import { readOnnxSignature } from '../src/runtime/onnx-model.ts';

test('writeBigOnnx writes a valid model of about the requested size', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-big-onnx-'));
  try {
    const path = join(dir, 'big.onnx');
    const { size, bias } = await writeBigOnnx(path, 3 * 1024 * 1024 + 17, { seed: 7 });
    assert.ok(Math.abs(size - (3 * 1024 * 1024 + 17)) < 128, `size ${size}`);
    const signature = await readOnnxSignature(path);
    assert.deepEqual(signature.inputs, [{ name: 'x', datatype: 'FP32', shape: ['batch', 4] }]);
    assert.deepEqual(signature.outputs, [{ name: 'y', datatype: 'FP32', shape: ['batch', 4] }]);
    assert.equal(signature.irVersion, 8);
    assert.deepEqual(signature.opsets, [{ domain: 'ai.onnx', version: 17 }]);

    const session = await ort.InferenceSession.create(path);
    const x = Float32Array.from([1, 2, 3, 4, 10, 20, 30, 40]);
    const { y } = await session.run({ x: new ort.Tensor('float32', x, [2, 4]) });
    assert.deepEqual(y.dims, [2, 4]);
    const expected = Array.from(x, (v, i) => Math.fround(v + bias[i % 4]));
    assert.deepEqual(Array.from(y.data as Float32Array), expected);
    await session.release();

    const other = await writeBigOnnx(join(dir, 'other.onnx'), 1000, { seed: 8 });
    assert.notDeepEqual(other.bias, bias);
    assert.ok(other.size < 2000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
