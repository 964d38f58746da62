/**
 * Classification metrics with scikit-learn's definitions: accuracy,
 * precision/recall/F1 per class, macro and weighted (zero_division=0),
 * confusion matrix, ROC AUC (binary; one-vs-rest macro for several classes,
 * ties counted half as roc_curve's trapezoids do) and log loss (clipped at
 * float64 epsilon and rows renormalised, as scikit-learn 1.2 does).
 */
import { fail } from '../lib/errors.ts';

export type ClassLabel = number | string;

export interface ClassificationInput {
  readonly yTrue: readonly ClassLabel[];
  readonly yPred: readonly ClassLabel[];
  /** Class order for the confusion matrix and for the columns of `probabilities`. */
  readonly labels: readonly ClassLabel[];
  /** One row per example, one column per label, when the model gives scores. */
  readonly probabilities?: readonly (readonly number[])[];
}

export interface ClassMetrics {
  readonly label: ClassLabel;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export interface ClassificationMetrics {
  readonly accuracy: number;
  readonly precision_macro: number;
  readonly recall_macro: number;
  readonly f1_macro: number;
  readonly precision_weighted: number;
  readonly recall_weighted: number;
  readonly f1_weighted: number;
  readonly roc_auc?: number;
  readonly log_loss?: number;
  readonly perClass: readonly ClassMetrics[];
  /** Rows are true labels, columns predicted labels, in `labels` order. */
  readonly confusionMatrix: readonly (readonly number[])[];
}

const EPS = 2.220446049250313e-16;

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Area under the ROC curve of scores for a binary target: the Mann–Whitney statistic with mid-ranks for ties. */
export function rocAucBinary(positive: readonly boolean[], scores: readonly number[]): number {
  const order = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let nPos = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]![0] === order[i]![0]) j++;
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (positive[order[k]![1]]) {
      rankSum += midRank;
      nPos++;
    }
    i = j;
  }
  const nNeg = order.length - nPos;
  if (nPos === 0 || nNeg === 0) fail('MG_EVAL_METRIC_UNDEFINED', { metric: 'roc_auc', detail: 'only one class is present in the labels' });
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

function normaliseRows(rows: readonly (readonly number[])[]): number[][] {
  return rows.map((row) => {
    const sum = row.reduce((s, v) => s + v, 0);
    return row.map((v) => v / sum);
  });
}

export function logLoss(trueIndex: readonly number[], probabilities: readonly (readonly number[])[]): number {
  let total = 0;
  for (let i = 0; i < trueIndex.length; i++) {
    const row = probabilities[i]!.map((p) => Math.min(Math.max(p, EPS), 1 - EPS));
    const sum = row.reduce((s, v) => s + v, 0);
    total -= Math.log(row[trueIndex[i]!]! / sum);
  }
  return total / trueIndex.length;
}

export function classificationMetrics(input: ClassificationInput): ClassificationMetrics {
  const { yTrue, yPred, labels, probabilities } = input;
  const n = yTrue.length;
  if (n === 0) fail('MG_EVAL_METRIC_UNDEFINED', { metric: 'classification metrics', detail: 'no examples' });
  if (yPred.length !== n || (probabilities && probabilities.length !== n)) {
    fail('MG_EVAL_METRIC_UNDEFINED', { metric: 'classification metrics', detail: `${n} labels but ${yPred.length} predictions${probabilities ? ` and ${probabilities.length} probability rows` : ''}` });
  }
  const index = new Map(labels.map((l, i) => [String(l), i]));
  const at = (label: ClassLabel, what: string): number =>
    index.get(String(label)) ?? fail('MG_EVAL_METRIC_UNDEFINED', { metric: 'classification metrics', detail: `${what} label "${label}" is not among the classes ${labels.join(', ')}` });
  const k = labels.length;
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const trueIndex = yTrue.map((y) => at(y, 'true'));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = trueIndex[i]!;
    const p = at(yPred[i]!, 'predicted');
    cm[t]![p]!++;
    if (t === p) correct++;
  }
  const perClass: ClassMetrics[] = labels.map((label, c) => {
    const tp = cm[c]![c]!;
    const predicted = cm.reduce((s, row) => s + row[c]!, 0);
    const support = cm[c]!.reduce((s, v) => s + v, 0);
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { label, precision, recall, f1: ratio(2 * tp, predicted + support), support };
  });
  const macro = (key: 'precision' | 'recall' | 'f1'): number => perClass.reduce((s, m) => s + m[key], 0) / k;
  const weighted = (key: 'precision' | 'recall' | 'f1'): number => perClass.reduce((s, m) => s + m[key] * m.support, 0) / n;
  let rocAuc: number | undefined;
  let loss: number | undefined;
  if (probabilities) {
    if (probabilities.some((row) => row.length !== k)) {
      fail('MG_EVAL_METRIC_UNDEFINED', { metric: 'roc_auc', detail: `probability rows must have ${k} columns, one per class` });
    }
    loss = logLoss(trueIndex, probabilities);
    if (k === 2) rocAuc = rocAucBinary(trueIndex.map((t) => t === 1), probabilities.map((row) => row[1]!));
    else {
      const normalised = normaliseRows(probabilities);
      rocAuc = labels.reduce<number>((s, _, c) => s + rocAucBinary(trueIndex.map((t) => t === c), normalised.map((row) => row[c]!)), 0) / k;
    }
  }
  return {
    accuracy: correct / n,
    precision_macro: macro('precision'),
    recall_macro: macro('recall'),
    f1_macro: macro('f1'),
    precision_weighted: weighted('precision'),
    recall_weighted: weighted('recall'),
    f1_weighted: weighted('f1'),
    ...(rocAuc !== undefined ? { roc_auc: rocAuc } : {}),
    ...(loss !== undefined ? { log_loss: loss } : {}),
    perClass,
    confusionMatrix: cm,
  };
}
