import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensorFromBytes } from './tensor-bytes.ts';

test('an aligned binary input is a view on the body, an unaligned one a single copy with the same values', () => {
  const values = new Float32Array([1.5, -2, 3.25, 4]);
  const body = Buffer.alloc(8 + 16 + 1);
  Buffer.from(values.buffer).copy(body, 8);
  const aligned = tensorFromBytes('x', 'FP32', 4, body.subarray(8, 24)) as Float32Array;
  assert.deepEqual(Array.from(aligned), Array.from(values));
  assert.equal(aligned.buffer, body.buffer, 'aligned input shares the body buffer');

  const odd = Buffer.alloc(1 + 16);
  Buffer.from(values.buffer).copy(odd, 1);
  const copied = tensorFromBytes('x', 'FP32', 4, odd.subarray(1)) as Float32Array;
  assert.deepEqual(Array.from(copied), Array.from(values));
  assert.notEqual(copied.buffer, odd.buffer);
  assert.equal(copied.byteOffset % 4, 0, 'the copy is aligned for its element type');
});

test('64-bit integers view an 8-aligned body and copy otherwise', () => {
  const values = new BigInt64Array([1n, -(2n ** 60n)]);
  for (const offset of [0, 8, 4, 3]) {
    const body = Buffer.alloc(offset + 16);
    Buffer.from(values.buffer).copy(body, offset);
    const slice = body.subarray(offset);
    const out = tensorFromBytes('x', 'INT64', 2, slice) as BigInt64Array;
    assert.deepEqual(Array.from(out), Array.from(values));
    assert.equal(out.buffer === body.buffer, (slice.byteOffset % 8) === 0);
  }
});

test('NaN and infinity are found at any position in FP32 and FP64; finite extremes pass', () => {
  for (const Array_ of [Float32Array, Float64Array]) {
    const datatype = Array_ === Float32Array ? 'FP32' : 'FP64';
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of [0, 5, 99]) {
        const values = new Array_(100).fill(1.5);
        values[at] = bad;
        assert.throws(() => tensorFromBytes('x', datatype, 100, new Uint8Array(values.buffer)), new RegExp(`element ${at} is`));
      }
    }
    const extremes = Array_ === Float32Array ? [3.4e38, -3.4e38, 1e-45, -0] : [1.7976931348623157e308, -1.7976931348623157e308, 5e-324, -0];
    const ok = new Array_(extremes);
    assert.deepEqual(Array.from(tensorFromBytes('x', datatype, ok.length, new Uint8Array(ok.buffer)) as Float32Array), Array.from(ok));
  }
});
