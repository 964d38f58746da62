import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensorFromJson, tensorToJsonData, tensorDatatypes, datatypeToOrt, ortToDatatype } from './tensor.ts';
import { tensorFromBytes, tensorToBytes } from './tensor-bytes.ts';
import { floatToHalf, halfToFloat } from './tensor-fp16.ts';
import { isModelgateError } from '../lib/errors.ts';

const invalid = (err: unknown) => isModelgateError(err, 'MG_INFERENCE_INVALID_INPUT') && err.status === 400 && err.message.includes('"x"');

test('every datatype maps to an ONNX Runtime type and back', () => {
  for (const d of tensorDatatypes) assert.equal(ortToDatatype(datatypeToOrt(d)), d);
  assert.equal(ortToDatatype('int4'), null);
});

test('FP16 conversion round-trips representable values and rounds to nearest even', () => {
  for (const v of [0, -0, 1, -2.5, 65504, 6.103515625e-5, 5.960464477539063e-8, 0.333251953125]) assert.equal(halfToFloat(floatToHalf(v)), v);
  assert.equal(floatToHalf(1), 0x3c00);
  assert.equal(halfToFloat(floatToHalf(1 + 2 ** -11)), 1);
  assert.equal(halfToFloat(floatToHalf(70000)), Infinity);
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
});

test('flat and nested data build the same tensor; JSON data round-trips', () => {
  const flat = tensorFromJson('x', 'INT32', [2, 2], [1, 2, 3, 4]);
  const deep = tensorFromJson('x', 'INT32', [2, 2], [[1, 2], [3, 4]]);
  assert.deepEqual(flat, deep);
  assert.deepEqual(tensorToJsonData(deep), [1, 2, 3, 4]);
  assert.deepEqual(tensorToJsonData(tensorFromJson('x', 'BOOL', [2], [true, false])), [true, false]);
  assert.deepEqual(tensorToJsonData(tensorFromJson('x', 'BYTES', [1], ['héllo'])), ['héllo']);
  assert.deepEqual(tensorToJsonData(tensorFromJson('x', 'FP16', [2], [0.5, -1])), [0.5, -1]);
  const big = tensorFromJson('x', 'INT64', [2], ['9007199254740993', -3]);
  assert.deepEqual(Array.from(big.data as BigInt64Array), [9007199254740993n, -3n]);
  assert.deepEqual(tensorToJsonData(big), ['9007199254740993', -3]);
  assert.deepEqual(tensorToJsonData(tensorFromJson('x', 'UINT64', [1], ['18446744073709551615'])), ['18446744073709551615']);
});

test('bad values are 400s naming the input', () => {
  assert.throws(() => tensorFromJson('x', 'UINT8', [1], [256]), invalid);
  assert.throws(() => tensorFromJson('x', 'INT8', [1], [-129]), invalid);
  assert.throws(() => tensorFromJson('x', 'INT32', [1], [1.5]), invalid);
  assert.throws(() => tensorFromJson('x', 'INT64', [1], ['9223372036854775808']), invalid);
  assert.throws(() => tensorFromJson('x', 'UINT64', [1], [-1]), invalid);
  assert.throws(() => tensorFromJson('x', 'BOOL', [1], [1]), invalid);
  assert.throws(() => tensorFromJson('x', 'FP32', [2], [1]), invalid);
  assert.throws(() => tensorFromJson('x', 'FP32', [1], [[[1]]]), invalid);
  assert.throws(() => tensorFromJson('x', 'FP32', [1], ['NaN']), invalid);
  assert.throws(() => tensorFromJson('x', 'FP32', [1], [1e39]), invalid);
  assert.throws(() => tensorFromJson('x', 'FP16', [1], [1e6]), invalid);
  assert.throws(() => tensorFromJson('x', 'BF16', [1], [1]), invalid);
  assert.throws(() => tensorFromJson('x', 'FP32', [-1], []), invalid);
});

test('NaN and infinity are accepted when allowed', () => {
  const t = tensorFromJson('x', 'FP64', [3], ['NaN', 'inf', '-Infinity'], { allowNonFinite: true });
  assert.ok(Number.isNaN((t.data as Float64Array)[0]));
  assert.equal((t.data as Float64Array)[2], -Infinity);
});

test('binary bytes round-trip for every datatype and are checked', () => {
  const samples: Record<string, unknown[]> = {
    BOOL: [true, false], UINT8: [1, 255], UINT16: [1, 65535], UINT32: [1, 4294967295], UINT64: [1, '18446744073709551615'],
    INT8: [-128, 127], INT16: [-32768, 1], INT32: [-5, 7], INT64: [-1, '9223372036854775807'],
    FP16: [0.5, -2], FP32: [1.5, -3.25], FP64: [Math.PI, -1e300], BYTES: ['a', 'ünï'],
  };
  for (const d of tensorDatatypes) {
    const t = tensorFromJson('x', d, [2], samples[d]);
    const back = tensorFromBytes('x', d, 2, tensorToBytes(d, t.data));
    assert.deepEqual(tensorToJsonData({ datatype: d, data: back }), tensorToJsonData(t), d);
  }
  assert.throws(() => tensorFromBytes('x', 'FP32', 2, new Uint8Array(7)), invalid);
  assert.throws(() => tensorFromBytes('x', 'BOOL', 1, new Uint8Array([2])), invalid);
  assert.throws(() => tensorFromBytes('x', 'FP32', 1, new Uint8Array(new Float32Array([NaN]).buffer)), invalid);
  assert.throws(() => tensorFromBytes('x', 'BYTES', 1, new Uint8Array([9, 0, 0, 0, 65])), invalid);
});
