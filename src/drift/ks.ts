/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, matching
 * scipy.stats.ks_2samp(method='auto'): the exact p-value when both samples
 * have at most 10,000 values (lattice-path counting, Hodges 1958), the
 * asymptotic one (the Kolmogorov distribution at n·m/(n+m)) otherwise or when
 * the exact computation overflows. Ties are handled by comparing ECDFs at
 * every observed value.
 */
import { fail } from '../lib/errors.ts';
import { sortedCopy } from './sort.ts';
import { kolmogorovSf } from './special.ts';

export interface KsResult {
  readonly statistic: number;
  readonly pValue: number;
  readonly method: 'exact' | 'asymptotic';
}

const MAX_EXACT_N = 10000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Largest absolute ECDF difference over both sorted samples. */
function statistic(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const v = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    const diff = Math.abs(i / a.length - j / b.length);
    if (diff > d) d = diff;
  }
  return d;
}

/** scipy's _compute_prob_outside_square: the share of paths leaving the band |x − y| < h, for n = m. */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/** scipy's _compute_outer_prob_inside_method (Viehmann's recursion for 1 − p): the share of lattice paths leaving |x/m − y/n| < h/lcm. */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 < n0 ? [n0, m0] : [m0, n0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1]!;
}

function exact(n1: number, n2: number, d: number): { ok: boolean; d: number; p: number } {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = Math.round(d * lcm);
  const dd = h / lcm;
  if (h === 0) return { ok: true, d: dd, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  return { ok: Number.isFinite(p) && p >= 0 && p <= 1, d: dd, p };
}

export function ksTwoSample(sample1: ArrayLike<number>, sample2: ArrayLike<number>): KsResult {
  if (sample1.length === 0 || sample2.length === 0) {
    fail('MG_DRIFT_EMPTY_SAMPLE', { test: 'ks', detail: 'both samples need at least one value' });
  }
  return ksTwoSampleSorted(sortedCopy(sample1), sortedCopy(sample2));
}

/** The same test on samples already sorted ascending (no NaN), so a caller that holds sorted columns sorts them once. */
export function ksTwoSampleSorted(a: Float64Array, b: Float64Array): KsResult {
  if (a.length === 0 || b.length === 0) {
    fail('MG_DRIFT_EMPTY_SAMPLE', { test: 'ks', detail: 'both samples need at least one value' });
  }
  const n1 = a.length;
  const n2 = b.length;
  const d = statistic(a, b);
  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const r = exact(n1, n2, d);
    if (r.ok) return { statistic: r.d, pValue: r.p, method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  return { statistic: d, pValue: kolmogorovSf(Math.round(en), d), method: 'asymptotic' };
}
