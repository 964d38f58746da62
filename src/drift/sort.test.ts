import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRng } from '../lib/clock.ts';
import { finiteValues, radixSorted, sortedCopy } from './sort.ts';

function sample(n: number, seed: number): Float64Array {
  const rng = seededRng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.next() - 0.4) * 10 ** Math.floor(rng.next() * 12 - 6);
  // Ties, signed zeros and the extremes of the range.
  out.set([0, -0, 0, -0, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1, 1, 1], 0);
  return out;
}

test('radix sort orders exactly as the built-in typed-array sort, signed zeros included', () => {
  for (const n of [11, 100, 5000, 70_000]) {
    const values = sample(n, n);
    const copy = values.slice();
    const expected = values.slice().sort();
    const actual = radixSorted(values);
    assert.deepEqual(values, copy, 'the input is left as it was');
    for (let i = 0; i < n; i++) assert.ok(Object.is(actual[i], expected[i]), `n=${n}, index ${i}: ${actual[i]} vs ${expected[i]}`);
    assert.deepEqual(sortedCopy(values), expected);
  }
  const offset = new Float64Array(new Float64Array([3, 2, 1, 0]).buffer, 8, 3);
  assert.deepEqual(radixSorted(offset), new Float64Array([0, 1, 2]));
});

test('finite values keep their order and drop null, text and non-finite numbers', () => {
  assert.deepEqual(finiteValues([3, null, 'x', NaN, Infinity, -1, 2]), new Float64Array([3, -1, 2]));
});
