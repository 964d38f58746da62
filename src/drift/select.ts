/**
 * Which drift test a column gets, by Evidently's rule: with a reference of at
 * most 1,000 rows, KS for numeric columns with more than 5 distinct values,
 * chi-square for more than 2 categories, the Z test for binary ones, drift
 * when p < 0.05; with larger references, normalised Wasserstein for numeric
 * columns with more than 5 distinct values and Jensen–Shannon otherwise, drift
 * when the distance reaches 0.1. A per-column override replaces either part.
 */
import { fail } from '../lib/errors.ts';

export const DRIFT_TESTS = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi'] as const;
export type DriftTestName = (typeof DRIFT_TESTS)[number];
export type ColumnKind = 'numeric' | 'categorical';

/** p-value tests drift when p < threshold; distance tests when the distance ≥ threshold. */
export function isPValueTest(test: DriftTestName): boolean {
  return test === 'ks' || test === 'chisquare' || test === 'z';
}

export const DEFAULT_THRESHOLDS: Readonly<Record<DriftTestName, number>> = {
  ks: 0.05, chisquare: 0.05, z: 0.05, wasserstein: 0.1, jensenshannon: 0.1, psi: 0.1,
};

export interface ColumnTestOverride {
  readonly test?: DriftTestName;
  readonly threshold?: number;
}

export interface SelectedTest {
  readonly test: DriftTestName;
  readonly threshold: number;
}

/**
 * @param referenceRows non-missing reference values (Evidently drops missing values first)
 * @param distinctValues distinct values over reference and current together
 */
export function selectTest(kind: ColumnKind, referenceRows: number, distinctValues: number, override: ColumnTestOverride = {}): SelectedTest {
  let test: DriftTestName;
  if (referenceRows <= 1000) test = kind === 'numeric' && distinctValues > 5 ? 'ks' : distinctValues > 2 ? 'chisquare' : 'z';
  else test = kind === 'numeric' && distinctValues > 5 ? 'wasserstein' : 'jensenshannon';
  if (override.test !== undefined) {
    if (!DRIFT_TESTS.includes(override.test)) fail('MG_DRIFT_INVALID_OPTIONS', { detail: `unknown test "${String(override.test)}"; use ${DRIFT_TESTS.join(', ')}` });
    if (kind === 'categorical' && (override.test === 'ks' || override.test === 'wasserstein')) {
      fail('MG_DRIFT_INVALID_OPTIONS', { detail: `${override.test} needs a numeric column` });
    }
    test = override.test;
  }
  const threshold = override.threshold ?? DEFAULT_THRESHOLDS[test];
  if (!(threshold > 0) || !Number.isFinite(threshold)) fail('MG_DRIFT_INVALID_OPTIONS', { detail: `threshold ${threshold} must be a positive number` });
  return { test, threshold };
}
