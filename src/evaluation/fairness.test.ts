import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fairness } from './fairness.ts';

test('parity and equalized odds follow Fairlearn definitions', () => {
  // Group a: 4 rows, predicted positive 2 (rate 0.5); group b: 4 rows, predicted positive 1 (rate 0.25).
  const r = fairness({
    column: 'g', task: 'classification', labels: [0, 1],
    groups: ['a', 'a', 'a', 'a', 'b', 'b', 'b', null],
    yTrue: [1, 1, 0, 0, 1, 1, 0, 0],
    yPred: [1, 0, 1, 0, 1, 0, 0, 0],
  });
  assert.deepEqual(r.groups.map((g) => [g.group, g.size]), [['(missing)', 1], ['a', 4], ['b', 3]]);
  const a = r.groups.find((g) => g.group === 'a')!.metrics;
  const b = r.groups.find((g) => g.group === 'b')!.metrics;
  assert.equal(a.selection_rate, 0.5);
  assert.equal(b.selection_rate, 1 / 3);
  assert.equal(a.true_positive_rate, 0.5);
  assert.equal(b.true_positive_rate, 0.5);
  assert.equal(a.false_positive_rate, 0.5);
  assert.equal(b.false_positive_rate, 0);
  assert.equal(r.demographic_parity_difference, 0.5);
  assert.equal(r.demographic_parity_ratio, 0);
  assert.equal(r.equalized_odds_difference, 0.5);
  assert.equal(r.fourFifths, false);
  assert.equal(r.minGroupSize, 1);
});

test('regression gets per-group errors and a note instead of parity', () => {
  const r = fairness({ column: 'g', task: 'regression', groups: ['x', 'x', 'y'], yTrue: [1, 2, 3], yPred: Float64Array.from([1, 4, 2]) });
  assert.equal(r.groups[0]!.metrics.mae, 1);
  assert.equal(r.groups[1]!.metrics.rmse, 1);
  assert.equal(r.demographic_parity_ratio, undefined);
  assert.match(r.note!, /binary classifiers/);
});

test('a numeric group column with NaN for missing groups as cells with null do', () => {
  const base = { column: 'g', task: 'classification' as const, yTrue: [0, 1, 1, 0], yPred: [0, 1, 0, 0], labels: [0, 1] };
  assert.deepEqual(fairness({ ...base, groups: Float64Array.from([1, NaN, 1, 2]) }), fairness({ ...base, groups: [1, null, 1, 2] }));
});
