/**
 * Classification metrics with scikit-learn's definitions: accuracy,
 * precision/recall/F1 per class, macro and weighted (zero_division=0),
 * confusion matrix, ROC AUC (binary; one-vs-rest macro for several classes,
 * ties counted half as roc_curve's trapezoids do) and log loss (clipped at
 * float64 epsilon and rows renormalised, as scikit-learn 1.2 does).
 */
import { fail } from '../lib/errors.ts';
import { aucFromGroups, rocFromGroups, scoreGroups } from './roc.ts';

export type ClassLabel = number | string;

export interface ClassificationInput {
  readonly yTrue: ArrayLike<ClassLabel>;
  readonly yPred: ArrayLike<ClassLabel>;
  /** Class order for the confusion matrix and for the columns of `probabilities`. */
  readonly labels: readonly ClassLabel[];
  /** One row per example, one column per label, when the model gives scores: rows, or flat and row-major. */
  readonly probabilities?: readonly (readonly number[])[] | Float32Array | Float64Array;
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
  /** Binary classification with scores: the ROC curve of the second label's score. */
  readonly roc?: { readonly fpr: number[]; readonly tpr: number[] };
}

const EPS = 2.220446049250313e-16;

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Area under the ROC curve of scores for a binary target: the Mann–Whitney statistic with mid-ranks for ties. */
export function rocAucBinary(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>): number {
  return aucFromGroups(scoreGroups(positive, scores));
}

/** Mean negative log of each row's true-class probability, clipped to [ε, 1 − ε] and the row renormalised; `probabilities` flat, `k` per row. */
export function logLoss(trueIndex: ArrayLike<number>, probabilities: ArrayLike<number>, k: number): number {
  let total = 0;
  for (let i = 0; i < trueIndex.length; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.min(Math.max(probabilities[i * k + c]!, EPS), 1 - EPS);
    total -= Math.log(Math.min(Math.max(probabilities[i * k + trueIndex[i]!]!, EPS), 1 - EPS) / sum);
  }
  return total / trueIndex.length;
}

/** Rows as one flat row-major array; MG_EVAL_METRIC_UNDEFINED when a row does not have `k` values. */
function flatten(rows: readonly (readonly number[])[] | Float32Array | Float64Array, k: number, n: number): Float32Array | Float64Array {
  const flat = rows instanceof Float32Array || rows instanceof Float64Array;
  if (flat ? rows.length !== n * k : rows.some((row) => row.length !== k)) {
    fail('MG_EVAL_METRIC_UNDEFINED', { metric: 'roc_auc', detail: `probability rows must have ${k} columns, one per class` });
  }
  if (flat) return rows;
  const out = new Float64Array(rows.length * k);
  rows.forEach((row, i) => out.set(row, i * k));
  return out;
}

/** Class c's share of each row's sum (scikit-learn renormalises rows for one-vs-rest AUC). */
function normalisedColumn(probabilities: ArrayLike<number>, k: number, c: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += probabilities[r * k + j]!;
    out[r] = probabilities[r * k + c]! / sum;
  }
  return out;
}

/** Label → class index, the way String() matches them; each distinct value is looked up once. */
function labelIndexer(labels: readonly ClassLabel[]): (label: ClassLabel, what: string) => number {
  const byText = new Map(labels.map((l, i) => [String(l), i]));
  const seen = new Map<ClassLabel, number>();
  return (label, what) => {
    let i = seen.get(label);
    if (i === undefined) {
      i = byText.get(String(label)) ?? fail('MG_EVAL_METRIC_UNDEFINED', { metric: 'classification metrics', detail: `${what} label "${label}" is not among the classes ${labels.join(', ')}` });
      seen.set(label, i);
    }
    return i;
  };
}

export function classificationMetrics(input: ClassificationInput): ClassificationMetrics {
  const { yTrue, yPred, labels, probabilities } = input;
  const n = yTrue.length;
  if (n === 0) fail('MG_EVAL_METRIC_UNDEFINED', { metric: 'classification metrics', detail: 'no examples' });
  const flat = probabilities instanceof Float32Array || probabilities instanceof Float64Array;
  // A flat array of whole rows of another width has the right row count and the wrong columns.
  const probabilityRows = probabilities === undefined ? undefined : flat ? (probabilities.length % n === 0 ? n : probabilities.length / labels.length) : probabilities.length;
  if (yPred.length !== n || (probabilityRows !== undefined && probabilityRows !== n)) {
    fail('MG_EVAL_METRIC_UNDEFINED', { metric: 'classification metrics', detail: `${n} labels but ${yPred.length} predictions${probabilityRows !== undefined ? ` and ${probabilityRows} probability rows` : ''}` });
  }
  const at = labelIndexer(labels);
  const k = labels.length;
  const cm = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const trueIndex = new Int32Array(n);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = at(yTrue[i]!, 'true');
    const p = at(yPred[i]!, 'predicted');
    trueIndex[i] = t;
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
  let roc: { fpr: number[]; tpr: number[] } | undefined;
  if (probabilities) {
    const rows = flatten(probabilities, k, n);
    loss = logLoss(trueIndex, rows, k);
    if (k === 2) {
      const scores = new Float64Array(n);
      for (let r = 0; r < n; r++) scores[r] = rows[r * 2 + 1]!;
      const groups = scoreGroups(trueIndex.map((t) => (t === 1 ? 1 : 0)), scores);
      rocAuc = aucFromGroups(groups);
      roc = rocFromGroups(groups);
    } else {
      let sum = 0;
      for (let c = 0; c < k; c++) sum += rocAucBinary(trueIndex.map((t) => (t === c ? 1 : 0)), normalisedColumn(rows, k, c, n));
      rocAuc = sum / k;
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
    ...(roc !== undefined ? { roc } : {}),
  };
}
