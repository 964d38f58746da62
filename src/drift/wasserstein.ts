/**
 * First Wasserstein distance between two 1-D samples (scipy.stats
 * wasserstein_distance: the area between the two ECDFs), and Evidently's
 * normalised form: divided by the reference's population standard deviation
 * (at least 0.001) so that one threshold fits every column's scale.
 */
import { fail } from '../lib/errors.ts';
import { sortedCopy } from './sort.ts';

export function wasserstein(u: ArrayLike<number>, v: ArrayLike<number>): number {
  if (u.length === 0 || v.length === 0) fail('MG_DRIFT_EMPTY_SAMPLE', { test: 'wasserstein', detail: 'both samples need at least one value' });
  return wassersteinSorted(sortedCopy(u), sortedCopy(v));
}

/** The distance between samples already sorted ascending (no NaN). */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  if (a.length === 0 || b.length === 0) fail('MG_DRIFT_EMPTY_SAMPLE', { test: 'wasserstein', detail: 'both samples need at least one value' });
  let i = 0;
  let j = 0;
  let prev = Math.min(a[0]!, b[0]!);
  let sum = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    sum += Math.abs(i / a.length - j / b.length) * (x - prev);
    prev = x;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
  }
  return sum;
}

/** Population standard deviation (numpy.std with ddof=0). */
export function populationStd(values: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i]! - mean) ** 2;
  return Math.sqrt(ss / values.length);
}

export function wassersteinNormed(reference: ArrayLike<number>, current: ArrayLike<number>, referenceStd = populationStd(reference)): number {
  return normalisedByStd(wasserstein(reference, current), referenceStd);
}

/** Evidently's normalisation: the distance over the reference's population standard deviation, at least 0.001. */
export function normalisedByStd(distance: number, referenceStd: number): number {
  return distance / Math.max(referenceStd, 0.001);
}
