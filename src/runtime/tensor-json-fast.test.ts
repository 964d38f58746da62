// Flat float data takes a one-pass path in tensorFromJson; whatever it does
// not handle must come out of the general path exactly as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isModelgateError } from '../lib/errors.ts';
import { tensorFromJson } from './tensor.ts';

const invalid = (err: unknown): boolean => isModelgateError(err, 'MG_INFERENCE_INVALID_INPUT');

test('flat and nested float data give the same tensor', () => {
  const flat = tensorFromJson('x', 'FP32', [2, 3], [1, 2.5, -3, 4, 5, 0.1]);
  const nested = tensorFromJson('x', 'FP32', [2, 3], [[1, 2.5, -3], [4, 5, 0.1]]);
  assert.ok(flat.data instanceof Float32Array);
  assert.deepEqual(Array.from(flat.data as Float32Array), Array.from(nested.data as Float32Array));
  const f64 = tensorFromJson('x', 'FP64', [2], [0.1, 1e300]);
  assert.ok(f64.data instanceof Float64Array);
  assert.deepEqual(Array.from(f64.data as Float64Array), [0.1, 1e300]);
});

test('what the fast path declines is still refused or accepted as before', () => {
  assert.throws(() => tensorFromJson('x', 'FP32', [3], [1, 2]), invalid);
  assert.throws(() => tensorFromJson('x', 'FP32', [2], [1, 'a']), invalid);
  assert.throws(() => tensorFromJson('x', 'FP32', [2], [1, null]), invalid);
  assert.throws(() => tensorFromJson('x', 'FP32', [2], [1, 1e40]), invalid, 'overflows FP32 to infinity');
  assert.throws(() => tensorFromJson('x', 'FP32', [2], [1, [2]]), invalid);
  const allowed = tensorFromJson('x', 'FP32', [3], [1e40, 'nan', '-inf'], { allowNonFinite: true });
  assert.deepEqual(Array.from(allowed.data as Float32Array), [Infinity, NaN, -Infinity]);
});
