/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, matching
 * scipy.stats.ks_2samp: with method 'auto', the exact p-value when both
 * samples have at most 10,000 values (lattice-path counting, Hodges 1958),
 * the asymptotic one (the Kolmogorov distribution at n·m/(n+m)) otherwise or
 * when the exact computation overflows; with 'asymp', always the asymptotic
 * one. Ties are handled by comparing ECDFs at every observed value.
 */
import { fail } from '../lib/errors.ts';
import { sortedCopy } from './sort.ts';
import { kolmogorovSf } from './special.ts';

/** scipy's `method`: 'auto' (exact when small enough) or 'asymp'. */
export type KsMethod = 'auto' | 'asymp';

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

/**
 * Finds, for any x, the index of the first of the sorted distinct values
 * `u[0..k)` that is not below x. A grid of equal cells over [u0, u(k-1)]
 * answers most values outright: the cell of a value never decreases as the
 * value grows, so in a cell that holds no u every value has the same answer,
 * the number of u in earlier cells. A cell that holds some u is searched.
 */
class LowerBound {
  readonly #u: Float64Array;
  readonly #k: number;
  /** first[c]: the number of u in cells before c. */
  readonly #first: Int32Array;
  /** 1 where a cell holds some u. */
  readonly #held: Uint8Array;
  readonly #scale: number;

  constructor(u: Float64Array, k: number) {
    this.#u = u;
    this.#k = k;
    const cells = Math.max(1, Math.min(16 * k, 1 << 16));
    const span = u[k - 1]! - u[0]!;
    this.#scale = span > 0 && Number.isFinite(span) ? cells / span : 0;
    this.#first = new Int32Array(cells + 1);
    this.#held = new Uint8Array(cells);
    if (this.#scale === 0) return;
    for (let t = 0; t < k; t++) {
      const c = this.#cell(u[t]!);
      this.#held[c] = 1;
      this.#first[c + 1]!++;
    }
    for (let c = 0; c < cells; c++) this.#first[c + 1]! += this.#first[c]!;
  }

  /** The cell of x in [u0, u(k-1)]: the product lies in [0, cells], so truncation is the floor. */
  #cell(x: number): number {
    return Math.min(this.#held.length - 1, ((x - this.#u[0]!) * this.#scale) | 0);
  }

  find(x: number): number {
    const u = this.#u;
    const k = this.#k;
    if (!(x > u[0]!) || this.#scale === 0) return this.#search(x, 0, k);
    if (x > u[k - 1]!) return k;
    const c = this.#cell(x);
    return this.#held[c] === 0 ? this.#first[c]! : this.#search(x, this.#first[c]!, this.#first[c + 1]!);
  }

  /**
   * Adds each value to below[t] (strictly between u[t-1] and u[t]) or to
   * equal[t]. Values in cells without u are only counted per cell, and the
   * cells' counts are added to their bins at the end.
   */
  count(values: ArrayLike<number>, below: Float64Array, equal: Float64Array): void {
    const u = this.#u;
    const k = this.#k;
    const held = this.#held;
    const cells = held.length;
    const scale = this.#scale;
    const lo = u[0]!;
    const hi = u[k - 1]!;
    const perCell = new Float64Array(cells);
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (scale !== 0 && x > lo && x <= hi) {
        const c = Math.min(cells - 1, ((x - lo) * scale) | 0);
        if (held[c] === 0) {
          perCell[c]!++;
          continue;
        }
      }
      const t = this.find(x);
      if (t < k && u[t] === x) equal[t]!++;
      else below[t]!++;
    }
    for (let c = 0; c < cells; c++) below[this.#first[c]!]! += perCell[c]!;
  }

  #search(x: number, lo: number, hi: number): number {
    const u = this.#u;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (u[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * Largest absolute ECDF difference over both samples, the same number a merge
 * of both sorted samples gives. Only the smaller sample is sorted; the larger
 * one is counted between its distinct values (O(n log m)). Between two of
 * them the difference is monotone, so its largest value is at the interval's
 * ends: at the smaller sample's value, or at the last larger-sample value
 * before the next one.
 */
export function ksStatistic(sample1: ArrayLike<number>, sample2: ArrayLike<number>): number {
  const n1 = sample1.length;
  const n2 = sample2.length;
  const firstSmall = n1 <= n2;
  const small = sortedCopy(firstSmall ? sample1 : sample2);
  const large = firstSmall ? sample2 : sample1;
  const u = new Float64Array(small.length);
  const cumulative = new Float64Array(small.length);
  let k = 0;
  for (let i = 0; i < small.length; i++) {
    if (k === 0 || small[i] !== u[k - 1]) u[k++] = small[i]!;
    cumulative[k - 1] = i + 1;
  }
  // below[t]: larger-sample values strictly between u[t-1] and u[t]; equal[t]: values equal to u[t].
  const below = new Float64Array(k + 1);
  const equal = new Float64Array(k);
  new LowerBound(u, k).count(large, below, equal);
  const diff = (smallCount: number, largeCount: number): number =>
    firstSmall ? Math.abs(smallCount / n1 - largeCount / n2) : Math.abs(largeCount / n1 - smallCount / n2);
  let d = 0;
  let count = below[0]!;
  if (count > 0) d = diff(0, count);
  for (let t = 0; t < k; t++) {
    count += equal[t]!;
    d = Math.max(d, diff(cumulative[t]!, count));
    if (below[t + 1]! > 0) {
      count += below[t + 1]!;
      d = Math.max(d, diff(cumulative[t]!, count));
    }
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

export function ksTwoSample(sample1: ArrayLike<number>, sample2: ArrayLike<number>, method: KsMethod = 'auto'): KsResult {
  if (sample1.length === 0 || sample2.length === 0) {
    fail('MG_DRIFT_EMPTY_SAMPLE', { test: 'ks', detail: 'both samples need at least one value' });
  }
  const n1 = sample1.length;
  const n2 = sample2.length;
  const d = ksStatistic(sample1, sample2);
  if (method === 'auto' && Math.max(n1, n2) <= MAX_EXACT_N) {
    const r = exact(n1, n2, d);
    if (r.ok) return { statistic: r.d, pValue: r.p, method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  return { statistic: d, pValue: kolmogorovSf(Math.round(en), d), method: 'asymptotic' };
}
