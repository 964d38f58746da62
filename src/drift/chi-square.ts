/**
 * Chi-square goodness-of-fit of current category counts against reference
 * proportions scaled to the current size (Evidently's chi-square drift test;
 * scipy.stats.chisquare for the statistic and p-value). A category that is
 * new in the current data has no expected count: the statistic is infinite
 * and p is 0, which is what a never-seen category means for drift.
 */
import { chiSquareSf } from './special.ts';

export interface TestResult {
  readonly statistic: number;
  readonly pValue: number;
}

export function countCategories(values: ArrayLike<number | string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const key = String(values[i]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Chi-square test from reference and current counts per category. */
export function chiSquareCounts(reference: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): TestResult {
  const keys = [...new Set([...reference.keys(), ...current.keys()])].sort();
  const nRef = [...reference.values()].reduce((s, v) => s + v, 0);
  const nCur = [...current.values()].reduce((s, v) => s + v, 0);
  const scale = nCur / nRef;
  let statistic = 0;
  for (const key of keys) {
    const observed = current.get(key) ?? 0;
    const expected = (reference.get(key) ?? 0) * scale;
    if (expected === 0) {
      if (observed > 0) return { statistic: Infinity, pValue: 0 };
      continue;
    }
    statistic += (observed - expected) ** 2 / expected;
  }
  return { statistic, pValue: chiSquareSf(statistic, keys.length - 1) };
}

export function chiSquare(reference: ArrayLike<number | string>, current: ArrayLike<number | string>): TestResult {
  return chiSquareCounts(countCategories(reference), countCategories(current));
}
