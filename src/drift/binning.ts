/**
 * Evidently's binning for PSI and Jensen–Shannon: numeric columns with more
 * than 20 distinct reference values are cut into Sturges bins over both
 * samples (numpy's histogram_bin_edges(bins='sturges')); anything else is
 * counted by value. Empty bins may be filled with a small share so PSI's
 * logarithm stays finite, exactly as Evidently does.
 */

export interface Binned {
  readonly reference: number[];
  readonly current: number[];
  /** Bin edges for numeric bins, category keys otherwise. */
  readonly bins: { readonly kind: 'edges'; readonly edges: number[] } | { readonly kind: 'categories'; readonly keys: string[] };
}

/** numpy.histogram_bin_edges(values, bins='sturges') for a sample of n values in [min, max]. */
export function sturgesEdges(min: number, max: number, n: number): number[] {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const ptp = max - min;
  const width = ptp / (Math.log2(n) + 1);
  const bins = width > 0 ? Math.ceil(ptp / width) : 1;
  const step = (last - first) / bins;
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? last : first + i * step));
}

/**
 * Counts of values per bin (numpy.histogram with explicit edges: the last bin
 * is closed; values outside the edges and non-numbers are not counted). One
 * pass: the bin is guessed as if the edges were equally spaced and then moved
 * until the edges hold the value, so any sorted edges give exact counts.
 */
export function histogramCounts(values: ArrayLike<unknown>, edges: readonly number[]): number[] {
  if (values instanceof Float64Array) return numberHistogram(values, edges);
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const lo = edges[0]!;
  const hi = edges[bins]!;
  const scale = hi > lo ? bins / (hi - lo) : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !(v >= lo && v <= hi)) continue;
    let b = Math.min(bins - 1, Math.floor((v - lo) * scale));
    while (b > 0 && v < edges[b]!) b--;
    while (b < bins - 1 && v >= edges[b + 1]!) b++;
    counts[b]!++;
  }
  return counts;
}

/** histogramCounts for a Float64Array (NaN is outside every bin), with typed counts. */
function numberHistogram(values: Float64Array, edgeList: readonly number[]): number[] {
  const edges = Float64Array.from(edgeList);
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  const lo = edges[0]!;
  const hi = edges[bins]!;
  const scale = hi > lo ? bins / (hi - lo) : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= lo && v <= hi)) continue;
    // Within the edges (v - lo) * scale lies in [0, bins], so truncation is the floor.
    let b = ((v - lo) * scale) | 0;
    if (b > bins - 1) b = bins - 1;
    while (b > 0 && v < edges[b]!) b--;
    while (b < bins - 1 && v >= edges[b + 1]!) b++;
    counts[b]!++;
  }
  return Array.from(counts);
}

/** Replaces empty shares by Evidently's small value: min(non-zero)/1e6 when that minimum is ≤ 1e-4, else 1e-4. */
export function fillZeroes(shares: number[]): number[] {
  let min = Infinity;
  for (const s of shares) if (s !== 0 && s < min) min = s;
  if (min === Infinity) return shares;
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  return shares.map((s) => (s === 0 ? fill : s));
}

/** Whether the values hold more than `limit` distinct ones; stops counting as soon as they do. */
function moreDistinctThan(values: ArrayLike<number | string>, limit: number): boolean {
  const seen = new Set<number | string>();
  for (let i = 0; i < values.length; i++) {
    seen.add(values[i]!);
    if (seen.size > limit) return true;
  }
  return false;
}

function countKeys(values: ArrayLike<number | string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const key = String(values[i]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Reference and current shares per bin, as Evidently's get_binned_data computes them. */
export function binShares(
  reference: ArrayLike<number | string>,
  current: ArrayLike<number | string>,
  numeric: boolean,
  fill: boolean,
): Binned {
  let ref: number[];
  let cur: number[];
  let bins: Binned['bins'];
  if (numeric && moreDistinctThan(reference, 20)) {
    const r = reference as ArrayLike<number>;
    const c = current as ArrayLike<number>;
    let min = Infinity;
    let max = -Infinity;
    for (const arr of [r, c]) for (let i = 0; i < arr.length; i++) {
      if (arr[i]! < min) min = arr[i]!;
      if (arr[i]! > max) max = arr[i]!;
    }
    const edges = sturgesEdges(min, max, r.length + c.length);
    ref = histogramCounts(r, edges).map((n) => n / r.length);
    cur = histogramCounts(c, edges).map((n) => n / c.length);
    bins = { kind: 'edges', edges };
  } else {
    const rc = countKeys(reference);
    const cc = countKeys(current);
    const keys = [...new Set([...rc.keys(), ...cc.keys()])].sort();
    ref = keys.map((k) => (rc.get(k) ?? 0) / reference.length);
    cur = keys.map((k) => (cc.get(k) ?? 0) / current.length);
    bins = { kind: 'categories', keys };
  }
  return fill ? { reference: fillZeroes(ref), current: fillZeroes(cur), bins } : { reference: ref, current: cur, bins };
}
