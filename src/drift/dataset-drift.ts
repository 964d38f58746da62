/**
 * Drift of a data set: every shared column is tested with the test Evidently
 * would choose (or the one configured for it), and the data set drifts when
 * the share of drifted columns reaches a threshold (default 0.5). The
 * reference is either raw columns or a stored ReferenceProfile: numeric tests
 * then use the profile's uniform sample (all values when the training set had
 * at most the sample size), its exact standard deviation for Wasserstein, and
 * its histogram edges for PSI and Jensen–Shannon; categorical tests use the
 * stored frequencies.
 */
import { fail } from '../lib/errors.ts';
import type { FeatureProfile, ReferenceProfile } from '../store/registry-types.ts';
import { binShares, fillZeroes, histogramCounts } from './binning.ts';
import { chiSquareCounts, countCategories } from './chi-square.ts';
import { jensenShannon } from './jensen-shannon.ts';
import { ksTwoSample, type KsMethod } from './ks.ts';
import { psi } from './psi.ts';
import { isPValueTest, selectTest, type ColumnKind, type ColumnTestOverride, type DriftTestName } from './select.ts';
import { finiteValues, sortedCopy } from './sort.ts';
import { normalisedByStd, populationStd, wassersteinSorted } from './wasserstein.ts';
import { zTestCounts } from './z-test.ts';

/** A column of values with null for missing, or of numbers with NaN for missing. */
export type ColumnValues = readonly (number | string | boolean | null)[] | Float64Array;

export interface Columns {
  readonly columns: readonly string[];
  readonly values: Readonly<Record<string, ColumnValues>>;
}

export interface DriftOptions {
  /** Only these columns (default: every reference column the current data has). */
  readonly columns?: readonly string[];
  /** Columns left out, such as the label or an id. */
  readonly exclude?: readonly string[];
  readonly perColumn?: Readonly<Record<string, ColumnTestOverride>>;
  /** Share of drifted columns at which the data set drifts (default 0.5). */
  readonly driftShare?: number;
  /**
   * How KS p-values are computed (scipy's `method`): 'auto' (the default,
   * exact up to 10,000 values a side) or 'asymp', whose cost does not grow
   * with how far apart the samples are (live drift, which runs on a schedule
   * beside serving, uses it).
   */
  readonly ksMethod?: KsMethod;
}

export interface ColumnDrift {
  readonly column: string;
  readonly kind: ColumnKind;
  readonly test: DriftTestName;
  /** The number compared with the threshold: a p-value or a distance. */
  readonly score: number;
  readonly pValue?: number;
  readonly statistic?: number;
  readonly threshold: number;
  readonly drifted: boolean;
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly detail: string;
}

export interface DatasetDrift {
  readonly columns: readonly ColumnDrift[];
  readonly skipped: readonly { readonly column: string; readonly reason: string }[];
  readonly driftedColumns: number;
  readonly share: number;
  readonly driftShare: number;
  readonly datasetDrift: boolean;
}

/**
 * One side of a comparison: numeric values in a Float64Array (sorted only when
 * a test needs them sorted, and then once), or category counts.
 */
type Side =
  | { readonly kind: 'numeric'; readonly values: Float64Array; readonly sorted: () => Float64Array; readonly rows: number; readonly std: number; readonly histogram?: { edges: readonly number[]; counts: readonly number[] }; readonly distinct?: number }
  | { readonly kind: 'categorical'; readonly counts: Map<string, number>; readonly rows: number };

function lazySorted(values: Float64Array): () => Float64Array {
  let sorted: Float64Array | undefined;
  return () => (sorted ??= sortedCopy(values));
}

function rawSide(values: ColumnValues, numeric: boolean): Side {
  if (numeric) {
    const finite = finiteValues(values);
    let std: number | undefined;
    return {
      kind: 'numeric', values: finite, sorted: lazySorted(finite), rows: finite.length,
      // Summed in the data's own order, as numpy sums it; only a reference's is ever read.
      get std() {
        return (std ??= finite.length > 0 ? populationStd(finite) : 0);
      },
    };
  }
  const present: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== null && !(typeof v === 'number' && !Number.isFinite(v))) present.push(String(v));
  }
  return { kind: 'categorical', counts: countCategories(present), rows: present.length };
}

function profileSide(profile: FeatureProfile): Side {
  if (profile.kind === 'categorical') return { kind: 'categorical', counts: new Map(Object.entries(profile.frequencies)), rows: profile.count };
  const n = profile.count;
  return {
    kind: 'numeric', values: Float64Array.from(profile.sample), sorted: lazySorted(Float64Array.from(profile.sample)), rows: n, distinct: profile.distinct, histogram: profile.histogram,
    // The profile keeps the sample standard deviation; Evidently normalises by the population one.
    std: n > 1 ? profile.std * Math.sqrt((n - 1) / n) : 0,
  };
}

function counts(side: Side): Map<string, number> {
  return side.kind === 'categorical' ? side.counts : countCategories(side.values);
}

/** Distinct numbers over both sides, counted up to 6: the test rule only asks whether there are more than 2 or 5. */
function fewDistinct(ref: Float64Array, cur: Float64Array): number {
  const seen = new Set<number>();
  for (const side of [ref, cur]) {
    for (let i = 0; i < side.length; i++) {
      seen.add(side[i]!);
      if (seen.size > 5) return seen.size;
    }
  }
  return seen.size;
}

function distinctTogether(ref: Side, cur: Side): number {
  if (ref.kind === 'numeric' && ref.distinct !== undefined && ref.distinct > 5) return ref.distinct;
  if (ref.kind === 'numeric' && cur.kind === 'numeric') return fewDistinct(ref.values, cur.values);
  return new Set([...counts(ref).keys(), ...counts(cur).keys()]).size;
}

function shares(ref: Side, cur: Side, fill: boolean): { reference: number[]; current: number[] } {
  if (ref.kind === 'numeric' && cur.kind === 'numeric') {
    if (ref.histogram !== undefined && (ref.distinct ?? 0) > 20 && ref.histogram.edges.length > 1) {
      // A stored profile: the training histogram's edges; current values outside them count in the end bins.
      const edges = [...ref.histogram.edges];
      const n = cur.values.length;
      let min = edges[0]!;
      let max = edges.at(-1)!;
      for (let i = 0; i < n; i++) {
        const v = cur.values[i]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      edges[0] = min;
      edges[edges.length - 1] = max;
      const total = ref.histogram.counts.reduce((s, v) => s + v, 0);
      const r = ref.histogram.counts.map((c) => c / total);
      const c = histogramCounts(cur.values, edges).map((k) => k / n);
      return fill ? { reference: fillZeroes(r), current: fillZeroes(c) } : { reference: r, current: c };
    }
    return binShares(ref.values, cur.values, true, fill);
  }
  const rc = counts(ref);
  const cc = counts(cur);
  const keys = [...new Set([...rc.keys(), ...cc.keys()])].sort();
  const r = keys.map((k) => (rc.get(k) ?? 0) / ref.rows);
  const c = keys.map((k) => (cc.get(k) ?? 0) / cur.rows);
  return fill ? { reference: fillZeroes(r), current: fillZeroes(c) } : { reference: r, current: c };
}

function runTest(test: DriftTestName, ref: Side, cur: Side, ksMethod: KsMethod): { score: number; pValue?: number; statistic?: number } {
  switch (test) {
    case 'ks': {
      if (ref.kind !== 'numeric' || cur.kind !== 'numeric') return fail('MG_DRIFT_INVALID_OPTIONS', { detail: 'ks needs a numeric column' });
      // Only the smaller sample is sorted; the larger one is counted.
      const r = ksTwoSample(ref.values, cur.values, ksMethod);
      return { score: r.pValue, pValue: r.pValue, statistic: r.statistic };
    }
    case 'wasserstein': {
      if (ref.kind !== 'numeric' || cur.kind !== 'numeric') return fail('MG_DRIFT_INVALID_OPTIONS', { detail: 'wasserstein needs a numeric column' });
      const d = normalisedByStd(wassersteinSorted(ref.sorted(), cur.sorted()), ref.std);
      return { score: d, statistic: d };
    }
    case 'chisquare': {
      const r = chiSquareCounts(counts(ref), counts(cur));
      return { score: r.pValue, pValue: r.pValue, statistic: r.statistic };
    }
    case 'z': {
      const rc = counts(ref);
      const cc = counts(cur);
      const key = [...new Set([...rc.keys(), ...cc.keys()])].sort()[0]!;
      const r = zTestCounts(rc.get(key) ?? 0, ref.rows, cc.get(key) ?? 0, cur.rows);
      return { score: r.pValue, pValue: r.pValue, statistic: r.statistic };
    }
    case 'jensenshannon': {
      const s = shares(ref, cur, false);
      const d = jensenShannon(s.reference, s.current);
      return { score: d, statistic: d };
    }
    case 'psi': {
      const s = shares(ref, cur, true);
      const d = psi(s.reference, s.current);
      return { score: d, statistic: d };
    }
  }
}

function isProfile(reference: Columns | ReferenceProfile): reference is ReferenceProfile {
  return 'features' in reference;
}

function columnIsNumeric(values: ColumnValues): boolean {
  return values instanceof Float64Array || values.every((v) => v === null || typeof v === 'number');
}

/** Compares current data with a reference, column by column. */
export function detectDrift(reference: Columns | ReferenceProfile, current: Columns, options: DriftOptions = {}): DatasetDrift {
  const driftShare = options.driftShare ?? 0.5;
  if (!(driftShare > 0 && driftShare <= 1)) fail('MG_DRIFT_INVALID_OPTIONS', { detail: `driftShare ${driftShare} must be in (0, 1]` });
  const refColumns = isProfile(reference) ? Object.keys(reference.features) : [...reference.columns];
  const exclude = new Set(options.exclude ?? []);
  for (const name of options.columns ?? []) {
    if (!refColumns.includes(name)) fail('MG_DRIFT_INVALID_OPTIONS', { detail: `column "${name}" is not in the reference` });
    if (!(name in current.values)) fail('MG_DRIFT_INVALID_OPTIONS', { detail: `column "${name}" is not in the current data` });
  }
  for (const name of Object.keys(options.perColumn ?? {})) {
    if (!refColumns.includes(name)) fail('MG_DRIFT_INVALID_OPTIONS', { detail: `per-column settings name "${name}", which is not in the reference` });
  }
  const names = (options.columns ?? refColumns).filter((n) => !exclude.has(n));
  const results: ColumnDrift[] = [];
  const skipped: { column: string; reason: string }[] = [];
  for (const column of names) {
    const curValues = current.values[column];
    if (curValues === undefined) {
      skipped.push({ column, reason: 'not in the current data' });
      continue;
    }
    const ref = isProfile(reference) ? profileSide(reference.features[column]!) : rawSide(reference.values[column]!, columnIsNumeric(reference.values[column]!));
    const cur = rawSide(curValues, ref.kind === 'numeric');
    if (ref.kind === 'numeric' && !columnIsNumeric(curValues)) {
      skipped.push({ column, reason: 'numeric in the reference but holds text in the current data' });
      continue;
    }
    if (ref.rows === 0 || cur.rows === 0) {
      skipped.push({ column, reason: `no values in the ${ref.rows === 0 ? 'reference' : 'current data'}` });
      continue;
    }
    const { test, threshold } = selectTest(ref.kind, ref.rows, distinctTogether(ref, cur), options.perColumn?.[column]);
    const r = runTest(test, ref, cur, options.ksMethod ?? 'auto');
    const pTest = isPValueTest(test);
    const drifted = pTest ? r.score < threshold : r.score >= threshold;
    const detail = pTest
      ? `${test} p-value ${r.score.toPrecision(4)} ${drifted ? '<' : '≥'} ${threshold}: ${drifted ? 'drift' : 'no drift'}`
      : `${test} distance ${r.score.toPrecision(4)} ${drifted ? '≥' : '<'} ${threshold}: ${drifted ? 'drift' : 'no drift'}`;
    results.push({ column, kind: ref.kind, test, ...r, threshold, drifted, referenceCount: ref.rows, currentCount: cur.rows, detail });
  }
  return summariseDrift(results, skipped, driftShare);
}

/** The data set's verdict from its columns' results (also for results computed in parts, concatenated in column order). */
export function summariseDrift(results: readonly ColumnDrift[], skipped: DatasetDrift['skipped'], driftShare: number): DatasetDrift {
  const driftedColumns = results.filter((r) => r.drifted).length;
  const share = results.length === 0 ? 0 : driftedColumns / results.length;
  return { columns: results, skipped, driftedColumns, share, driftShare, datasetDrift: results.length > 0 && share >= driftShare };
}
