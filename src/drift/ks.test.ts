import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRng } from '../lib/clock.ts';
import { ksStatistic, ksTwoSample } from './ks.ts';

/** The definition: ECDFs compared at every value of the merged sorted samples. */
function mergedStatistic(x: readonly number[], y: readonly number[]): number {
  const a = Float64Array.from(x).sort();
  const b = Float64Array.from(y).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const v = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

test('the counted KS statistic is bit-identical to the merged one, ties and disjoint samples included', () => {
  const rng = seededRng(5);
  for (let c = 0; c < 400; c++) {
    const n1 = 1 + Math.floor(rng.next() * 60);
    const n2 = 1 + Math.floor(rng.next() * (c % 2 === 0 ? 60 : 3000));
    const levels = [3, 10, 1000][c % 3]!;
    const shift = ((c % 7) - 3) * levels * 0.3;
    const a = Array.from({ length: n1 }, () => Math.floor(rng.next() * levels));
    const b = Array.from({ length: n2 }, () => Math.floor(rng.next() * levels) + shift);
    assert.equal(ksStatistic(a, b), mergedStatistic(a, b), `n1=${n1}, n2=${n2}, levels=${levels}, shift=${shift}`);
    assert.equal(ksStatistic(b, a), mergedStatistic(b, a), `n1=${n2}, n2=${n1}, levels=${levels}, shift=${shift}`);
  }
});

test('large samples take the asymptotic route with the same statistic as the merge', () => {
  const rng = seededRng(9);
  const a = Array.from({ length: 300 }, () => Math.round(rng.next() * 50));
  const b = Array.from({ length: 20_000 }, () => Math.round(rng.next() * 55));
  const r = ksTwoSample(a, b);
  assert.equal(r.method, 'asymptotic');
  assert.equal(r.statistic, mergedStatistic(a, b));
  assert.equal(ksTwoSample(b, a).statistic, mergedStatistic(b, a));
});

test('the statistic stays exact where cells are narrower than the numbers can tell apart', () => {
  const base = 2 ** 53;
  const a = [base, base + 2, base + 4, base + 6, base + 8, -0, 0];
  const b = Array.from({ length: 500 }, (_, i) => base + (i % 11) - 2);
  assert.equal(ksStatistic(a, b), mergedStatistic(a, b));
  const wide = [-Number.MAX_VALUE, 0, Number.MAX_VALUE];
  const c = Array.from({ length: 100 }, (_, i) => (i - 50) * 1e306);
  assert.equal(ksStatistic(wide, c), mergedStatistic(wide, c));
});

test("method 'asymp' gives scipy's asymptotic p-value where 'auto' gives the exact one", () => {
  // scipy.stats.ks_2samp(a, b, method='asymp') and method='auto' on the same samples.
  const a = [0.1, 0.5, 0.9, 1.3, 2.2, 2.5, 3.1, 4.0];
  const b = [1.0, 1.5, 2.0, 2.6, 3.3, 3.9, 4.4, 5.2, 6.0, 6.6];
  const asymp = ksTwoSample(a, b, 'asymp');
  const auto = ksTwoSample(a, b);
  assert.equal(asymp.method, 'asymptotic');
  assert.equal(auto.method, 'exact');
  assert.equal(asymp.statistic, 0.475);
  assert.ok(Math.abs(asymp.pValue - 0.2344312500000001) < 1e-12, String(asymp.pValue));
  assert.ok(Math.abs(auto.pValue - 0.20366561543032125) < 1e-12, String(auto.pValue));
});
