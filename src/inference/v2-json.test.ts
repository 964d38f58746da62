import assert from 'node:assert/strict';
import test from 'node:test';
import type { NamedTensor } from '../runtime/tensor.ts';
import { encodeV2Json, encodeV2JsonText } from './v2-json.ts';

const model = { name: 'fraud "v2"', version: '3' };

test('the JSON response text is exactly JSON.stringify of the response object, for every datatype and edge value', () => {
  const outputs: NamedTensor[] = [
    { name: 'label', datatype: 'INT64', shape: [3], data: new BigInt64Array([0n, -7n, 9007199254740991n]) },
    { name: 'huge', datatype: 'INT64', shape: [2], data: new BigInt64Array([9007199254740993n, 1n]) },
    { name: 'u', datatype: 'UINT64', shape: [1], data: new BigUint64Array([18446744073709551615n]) },
    { name: 'p', datatype: 'FP32', shape: [1, 4], data: new Float32Array([0.1, -0, 1e-45, 3.4e38]) },
    { name: 'nan', datatype: 'FP32', shape: [3], data: new Float32Array([NaN, Infinity, 1.5]) },
    { name: 'd', datatype: 'FP64', shape: [2], data: new Float64Array([Math.PI, -1e300]) },
    { name: 'i', datatype: 'INT32', shape: [2], data: new Int32Array([-2147483648, 5]) },
    { name: 'b', datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
    { name: 'h', datatype: 'FP16', shape: [1], data: new Uint16Array([0x3c00]) },
    { name: 's', datatype: 'BYTES', shape: [2], data: ['a"b', 'é\n'] },
    { name: 'empty', datatype: 'FP32', shape: [0, 2], data: new Float32Array(0) },
  ];
  for (const request of [{}, { id: 'req-1' }]) {
    for (const parameters of [undefined, { note: 'x' }]) {
      const text = encodeV2JsonText(model, request, outputs, parameters);
      assert.equal(text, JSON.stringify(encodeV2Json(model, request, outputs, { parameters })));
      assert.doesNotThrow(() => JSON.parse(text));
    }
  }
});
