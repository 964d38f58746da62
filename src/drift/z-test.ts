/**
 * Two-proportion Z test for binary columns (Evidently's z-test drift): the
 * share of one category in reference and current, pooled standard error,
 * two-sided p-value from the normal survival function.
 */
import type { TestResult } from './chi-square.ts';
import { normalSf } from './special.ts';

/** From counts: `hits` of the first category among `n` values on each side. */
export function zTestCounts(refHits: number, refN: number, curHits: number, curN: number): TestResult {
  const p1 = refHits / refN;
  const p2 = curHits / curN;
  const pooled = (refHits + curHits) / (refN + curN);
  if (pooled === 0 || pooled === 1) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / refN + 1 / curN));
  return { statistic: z, pValue: 2 * normalSf(Math.abs(z)) };
}

/** Compares the share of `positive` (default: the first value in sorted order) in both samples. */
export function zTest(reference: ArrayLike<number | string>, current: ArrayLike<number | string>, positive?: string): TestResult {
  const keys = [...new Set([...Array.from(reference, String), ...Array.from(current, String)])].sort();
  const key = positive ?? keys[0];
  let refHits = 0;
  let curHits = 0;
  for (let i = 0; i < reference.length; i++) if (String(reference[i]) === key) refHits++;
  for (let i = 0; i < current.length; i++) if (String(current[i]) === key) curHits++;
  return zTestCounts(refHits, reference.length, curHits, current.length);
}
