/**
 * One column's statistics, accumulated value by value so that a reference
 * profile can be built from a streamed file or from in-memory columns alike.
 * Numeric columns keep every value up to a limit (exact quantiles and
 * histogram); past it, quantiles come from the reservoir sample and the
 * histogram needs a second pass over the data (`needsSecondPass`).
 */
import type { Rng } from '../lib/clock.ts';
import type { FeatureProfile } from '../store/registry-types.ts';

export const QUANTILES: Readonly<Record<string, number>> = { p01: 0.01, p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 };
export const DISTINCT_CAP = 10_000;
/** Categories past this many are counted together under OTHER. */
export const CATEGORY_CAP = 10_000;
export const OTHER = '(other)';

export interface ColumnStatsOptions {
  readonly sampleSize: number;
  readonly bins: number;
  readonly rng: Rng;
  /** Numeric values held exactly; past this, quantiles are estimated from the sample. */
  readonly exactLimit: number;
}

/** Linear-interpolation quantile of sorted values (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** numpy.histogram's equal-width edges: a constant column gets [v - 0.5, v + 0.5]. */
export function equalWidthEdges(min: number, max: number, bins: number): number[] {
  const lo = min === max ? min - 0.5 : min;
  const hi = min === max ? max + 0.5 : max;
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + ((hi - lo) * i) / bins));
}

/** Bin index of a value for edges from equalWidthEdges or any sorted edges; the last bin is closed. Values outside clamp to the end bins. */
export function binIndex(edges: readonly number[], v: number): number {
  const bins = edges.length - 1;
  if (v <= edges[0]!) return 0;
  if (v >= edges[bins]!) return bins - 1;
  let lo = 0;
  let hi = bins;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (v >= edges[mid]!) lo = mid;
    else hi = mid;
  }
  return lo;
}

export class ColumnStats {
  readonly #options: ColumnStatsOptions;
  #kind: 'numeric' | 'categorical' = 'numeric';
  #count = 0;
  #missing = 0;
  #mean = 0;
  #m2 = 0;
  #min = Infinity;
  #max = -Infinity;
  #values: number[] | null = [];
  readonly #sample: number[] = [];
  #seen = 0;
  readonly #distinct = new Set<number | string>();
  #frequencies = new Map<string, number>();
  #histogram: number[] | null = null;
  #edges: number[] | null = null;

  constructor(options: ColumnStatsOptions) {
    this.#options = options;
  }

  add(value: number | string | boolean | null): void {
    if (value === null || (typeof value === 'number' && !Number.isFinite(value))) {
      this.#missing++;
      return;
    }
    if (typeof value !== 'number' && this.#kind === 'numeric') this.#toCategorical();
    if (this.#kind === 'categorical') {
      this.#addCategory(String(value));
      return;
    }
    const v = value as number;
    this.#count++;
    const delta = v - this.#mean;
    this.#mean += delta / this.#count;
    this.#m2 += delta * (v - this.#mean);
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
    if (this.#distinct.size <= DISTINCT_CAP) this.#distinct.add(v);
    if (this.#values !== null) {
      if (this.#values.length < this.#options.exactLimit) this.#values.push(v);
      else this.#values = null;
    }
    // Reservoir sampling (Algorithm R): every value ends in the sample with equal chance.
    const i = this.#seen++;
    if (i < this.#options.sampleSize) this.#sample.push(v);
    else {
      const j = Math.floor(this.#options.rng.next() * (i + 1));
      if (j < this.#options.sampleSize) this.#sample[j] = v;
    }
  }

  #addCategory(key: string): void {
    this.#count++;
    const known = this.#frequencies.get(key);
    if (known !== undefined) this.#frequencies.set(key, known + 1);
    else if (this.#frequencies.size < CATEGORY_CAP) this.#frequencies.set(key, 1);
    else this.#frequencies.set(OTHER, (this.#frequencies.get(OTHER) ?? 0) + 1);
  }

  /** A text value in a column of numbers makes it categorical; the numbers seen so far become categories. */
  #toCategorical(): void {
    const held = this.#values ?? [];
    const lost = this.#count - held.length;
    this.#kind = 'categorical';
    this.#count = 0;
    for (const v of held) this.#addCategory(String(v));
    if (lost > 0) {
      this.#frequencies.set(OTHER, (this.#frequencies.get(OTHER) ?? 0) + lost);
      this.#count += lost;
    }
    this.#values = null;
    this.#sample.length = 0;
  }

  /** True when the histogram needs the values again (the exact values were not all held). */
  get needsSecondPass(): boolean {
    return this.#kind === 'numeric' && this.#values === null && this.#count > 0;
  }

  /** Second pass: bin a value into the histogram. */
  addToHistogram(value: number | string | boolean | null): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    this.#edges ??= equalWidthEdges(this.#min, this.#max, this.#options.bins);
    this.#histogram ??= new Array<number>(this.#options.bins).fill(0);
    this.#histogram[binIndex(this.#edges, value)]!++;
  }

  finish(): FeatureProfile {
    if (this.#kind === 'categorical') {
      const frequencies = Object.fromEntries([...this.#frequencies.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));
      return { kind: 'categorical', count: this.#count, missing: this.#missing, distinct: this.#frequencies.size, frequencies };
    }
    if (this.#count === 0) {
      return { kind: 'numeric', count: 0, missing: this.#missing, min: 0, max: 0, mean: 0, std: 0, quantiles: {}, distinct: 0, histogram: { edges: [], counts: [] }, sample: [] };
    }
    const exact = this.#values !== null;
    const sorted = Float64Array.from(exact ? this.#values! : this.#sample).sort();
    const quantiles = Object.fromEntries(Object.entries(QUANTILES).map(([name, q]) => [name, quantileSorted(sorted, q)]));
    let edges = this.#edges;
    let counts = this.#histogram;
    if (exact) {
      edges = equalWidthEdges(this.#min, this.#max, this.#options.bins);
      counts = new Array<number>(this.#options.bins).fill(0);
      for (const v of this.#values!) counts[binIndex(edges, v)]!++;
    }
    return {
      kind: 'numeric',
      count: this.#count,
      missing: this.#missing,
      min: this.#min,
      max: this.#max,
      mean: this.#mean,
      std: this.#count > 1 ? Math.sqrt(this.#m2 / (this.#count - 1)) : 0,
      quantiles,
      distinct: Math.min(this.#distinct.size, DISTINCT_CAP),
      histogram: { edges: edges ?? [], counts: counts ?? [] },
      sample: [...this.#sample],
    };
  }
}
