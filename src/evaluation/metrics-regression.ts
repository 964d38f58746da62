/**
 * Regression metrics with scikit-learn's definitions: MAE, RMSE, R² (1 for a
 * perfect fit of a constant target, 0 for an imperfect one, as force_finite
 * does) and MAPE, whose denominator is max(|y|, float64 epsilon) so that zero
 * targets give a huge but finite error; the count of zero targets is reported
 * beside it so a reader knows why.
 */
import { fail } from '../lib/errors.ts';

export interface RegressionMetrics {
  readonly mae: number;
  readonly rmse: number;
  readonly r2: number;
  readonly mape: number;
  readonly zero_targets: number;
}

const EPS = 2.220446049250313e-16;

export function regressionMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionMetrics {
  const n = yTrue.length;
  if (n === 0 || yPred.length !== n) {
    fail('MG_EVAL_METRIC_UNDEFINED', { metric: 'regression metrics', detail: `${n} targets and ${yPred.length} predictions` });
  }
  let abs = 0;
  let sq = 0;
  let pct = 0;
  let zeros = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i]!;
  mean /= n;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i]!;
    const e = y - yPred[i]!;
    abs += Math.abs(e);
    sq += e * e;
    pct += Math.abs(e) / Math.max(Math.abs(y), EPS);
    if (y === 0) zeros++;
    ssTot += (y - mean) ** 2;
  }
  const r2 = ssTot === 0 ? (sq === 0 ? 1 : 0) : 1 - sq / ssTot;
  return { mae: abs / n, rmse: Math.sqrt(sq / n), r2, mape: pct / n, zero_targets: zeros };
}
