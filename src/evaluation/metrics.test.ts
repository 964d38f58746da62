import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { isModelgateError } from '../lib/errors.ts';
import { classificationMetrics, regressionMetrics, rocAucBinary } from './metrics.ts';

type Expected = Record<string, number | number[] | number[][]>;
interface Case { name: string; task: 'classification' | 'regression'; labels?: number[]; y_true: number[]; y_pred: number[]; proba?: number[][]; expected: Expected }
const { cases } = JSON.parse(await readFile('fixtures/reference/metrics.json', 'utf8')) as { cases: Case[] };

function near(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9, `${what}: ${actual} vs scikit-learn ${expected}`);
}

for (const c of cases.filter((x) => x.task === 'classification')) {
  test(`classification metrics equal scikit-learn: ${c.name}`, () => {
    const m = classificationMetrics({ yTrue: c.y_true, yPred: c.y_pred, labels: c.labels!, probabilities: c.proba });
    for (const key of ['accuracy', 'precision_macro', 'recall_macro', 'f1_macro', 'precision_weighted', 'recall_weighted', 'f1_weighted', 'roc_auc', 'log_loss'] as const) {
      near(m[key]!, c.expected[key] as number, `${c.name} ${key}`);
    }
    for (const [key, field] of [['precision_per_class', 'precision'], ['recall_per_class', 'recall'], ['f1_per_class', 'f1']] as const) {
      (c.expected[key] as number[]).forEach((v, i) => near(m.perClass[i]![field], v, `${c.name} ${key}[${i}]`));
    }
    assert.deepEqual(m.confusionMatrix, c.expected.confusion_matrix);
  });
}

for (const c of cases.filter((x) => x.task === 'regression')) {
  test(`regression metrics equal scikit-learn: ${c.name}`, () => {
    const m = regressionMetrics(c.y_true, c.y_pred);
    for (const key of ['mae', 'rmse', 'r2'] as const) near(m[key], c.expected[key] as number, `${c.name} ${key}`);
    // MAPE with zero targets is of order 1e15: compare relatively.
    const mape = c.expected.mape as number;
    assert.ok(Math.abs(m.mape - mape) <= 1e-9 * Math.max(1, mape), `mape ${m.mape} vs ${mape}`);
    assert.equal(m.zero_targets, c.expected.zero_targets);
  });
}

test('mismatched inputs and unknown labels are clear errors', () => {
  const bad = (fn: () => unknown): void => assert.throws(fn, (err) => isModelgateError(err, 'MG_EVAL_METRIC_UNDEFINED'));
  bad(() => classificationMetrics({ yTrue: [0, 1], yPred: [0], labels: [0, 1] }));
  bad(() => classificationMetrics({ yTrue: [0, 2], yPred: [0, 1], labels: [0, 1] }));
  bad(() => classificationMetrics({ yTrue: [1, 1], yPred: [1, 1], labels: [0, 1], probabilities: [[0.2, 0.8], [0.1, 0.9]] }));
  bad(() => regressionMetrics([], []));
  assert.equal(regressionMetrics([3, 3], [3, 3]).r2, 1);
  assert.equal(regressionMetrics([3, 3], [3, 4]).r2, 0);
});

test('flat probabilities give the same metrics as rows, and the AUC equals the pairwise count with ties at any size', () => {
  for (const c of cases.filter((x) => x.task === 'classification' && x.proba !== undefined)) {
    const rows = classificationMetrics({ yTrue: c.y_true, yPred: c.y_pred, labels: c.labels!, probabilities: c.proba });
    const flat = classificationMetrics({ yTrue: c.y_true, yPred: c.y_pred, labels: c.labels!, probabilities: Float64Array.from(c.proba!.flat()) });
    assert.deepEqual(flat, rows);
  }
  for (const n of [50, 10_000]) {
    // Scores on a coarse grid so that many tie, −0 and +0 among them.
    const scores = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? -0 : ((i * 7919) % 97) / 96));
    const positive = scores.map((_, i) => (i * 104729) % 3 === 0);
    let wins = 0;
    const pos = scores.filter((_, i) => positive[i]);
    const neg = scores.filter((_, i) => !positive[i]);
    for (const p of pos) for (const q of neg) wins += p > q ? 1 : p === q ? 0.5 : 0;
    near(rocAucBinary(positive, scores), wins / (pos.length * neg.length), `auc of ${n}`);
  }
  assert.throws(() => classificationMetrics({ yTrue: [0, 1], yPred: [0, 1], labels: [0, 1], probabilities: new Float64Array(6) }), (err) => isModelgateError(err, 'MG_EVAL_METRIC_UNDEFINED'));
});
