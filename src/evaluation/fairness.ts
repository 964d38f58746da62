/**
 * Fairness by a group column, with Fairlearn's definitions: metrics per
 * group; for binary classifiers the selection rate (share predicted
 * positive), demographic parity difference (max − min selection rate) and
 * ratio (min / max), and equalized odds difference (the larger of the gaps
 * in true-positive and false-positive rates across groups). The four-fifths
 * rule holds when the parity ratio is at least 0.8.
 */
import type { ClassLabel } from './metrics.ts';
import type { FairnessResult, GroupMetrics, Task } from './types.ts';

export const MISSING_GROUP = '(missing)';

export interface FairnessInput {
  readonly column: string;
  /** Group of each row; null (or NaN in a numeric column) is missing. */
  readonly groups: ArrayLike<number | string | null>;
  readonly task: Task;
  readonly yTrue: ArrayLike<ClassLabel | number>;
  /** Predicted classes (classification) or values (regression). */
  readonly yPred: ArrayLike<ClassLabel | number>;
  /** Class labels in probability order; binary parity uses the second as positive. */
  readonly labels?: readonly ClassLabel[];
}

const spread = (xs: readonly number[]): number => (xs.length === 0 ? 0 : Math.max(...xs) - Math.min(...xs));

export function fairness(input: FairnessInput): FairnessResult {
  const index = new Map<string, number[]>();
  for (let i = 0; i < input.groups.length; i++) {
    const g = input.groups[i]!;
    const key = g === null || Number.isNaN(g) ? MISSING_GROUP : String(g);
    let rows = index.get(key);
    if (rows === undefined) index.set(key, (rows = []));
    rows.push(i);
  }
  const binary = input.task === 'classification' && input.labels !== undefined && input.labels.length === 2;
  const positive = binary ? String(input.labels![1]) : undefined;
  const groups: GroupMetrics[] = [];
  const selection: number[] = [];
  const tprs: number[] = [];
  const fprs: number[] = [];
  for (const [group, rows] of [...index.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    const metrics: Record<string, number> = {};
    if (input.task === 'regression') {
      let abs = 0;
      let sq = 0;
      for (const i of rows) {
        const e = Number(input.yTrue[i]) - Number(input.yPred[i]);
        abs += Math.abs(e);
        sq += e * e;
      }
      metrics.mae = abs / rows.length;
      metrics.rmse = Math.sqrt(sq / rows.length);
    } else {
      let correct = 0;
      let selected = 0;
      let tp = 0;
      let fp = 0;
      let pos = 0;
      for (const i of rows) {
        const t = String(input.yTrue[i]);
        const p = String(input.yPred[i]);
        if (t === p) correct++;
        if (positive !== undefined) {
          if (p === positive) selected++;
          if (t === positive) {
            pos++;
            if (p === positive) tp++;
          } else if (p === positive) fp++;
        }
      }
      metrics.accuracy = correct / rows.length;
      if (positive !== undefined) {
        metrics.selection_rate = selected / rows.length;
        selection.push(metrics.selection_rate);
        // A group without positives (or negatives) has no defined rate; it does not enter the gap.
        if (pos > 0) tprs.push((metrics.true_positive_rate = tp / pos));
        if (rows.length - pos > 0) fprs.push((metrics.false_positive_rate = fp / (rows.length - pos)));
      }
    }
    groups.push({ group, size: rows.length, metrics });
  }
  const minGroupSize = groups.length === 0 ? 0 : Math.min(...groups.map((g) => g.size));
  const base = { column: input.column, groups, minGroupSize };
  if (!binary) {
    return { ...base, note: input.task === 'regression' ? 'parity metrics apply to binary classifiers; per-group errors are shown' : 'parity metrics apply to binary classifiers; this one has more than two classes' };
  }
  const max = Math.max(...selection);
  const ratio = max === 0 ? 1 : Math.min(...selection) / max;
  return {
    ...base,
    positiveLabel: input.labels![1]!,
    demographic_parity_difference: spread(selection),
    demographic_parity_ratio: ratio,
    equalized_odds_difference: Math.max(spread(tprs), spread(fprs)),
    fourFifths: ratio >= 0.8,
  };
}
