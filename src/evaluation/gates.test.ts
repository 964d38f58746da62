import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGates } from './gates-file.ts';
import { applyGates, fmt } from './gates.ts';
import type { EvaluationResult } from './types.ts';

const candidate = (metrics: Record<string, number>, extra: Partial<EvaluationResult> = {}): EvaluationResult => ({
  model: 'm', version: 2, dataset: { file: 'd.csv', rows: 100, label: 'y' }, task: 'classification', metrics,
  fairness: [], drift: { kind: 'unavailable', reason: 'no profile' }, durationMs: 1, ...extra,
});
const gates = (doc: unknown) => parseGates('gates.yaml', doc);

test('a drop beyond the tolerated change fails, naming the metric, the numbers and the delta', () => {
  const r = applyGates(gates({ gates: [{ metric: 'accuracy', min_absolute_change: -0.01 }] }), {
    candidate: candidate({ accuracy: 0.912 }), baseline: { version: 1, ref: '1', metrics: { accuracy: 0.947 } },
  });
  assert.equal(r.verdict, 'failed');
  assert.equal(r.gates[0]!.kind, 'failed');
  assert.match(r.gates[0]!.reason, /accuracy 0\.912 is below baseline 0\.947 \+ \(-0\.01\) = 0\.937 \(delta -0\.035/);
});

test('greater_is_better false mirrors the comparison; lower-is-better metrics default to it', () => {
  const g = gates({ gates: [{ metric: 'log_loss', threshold: 0.2, min_relative_change: 0.1 }] });
  assert.equal(g.gates[0]!.kind === 'metric' && g.gates[0]!.greaterIsBetter, false);
  const base = { version: 1, ref: '1', metrics: { log_loss: 0.15 } };
  // 0.15 - 0.15 × 0.1 = 0.135: 0.13 passes, 0.14 fails.
  assert.equal(applyGates(g, { candidate: candidate({ log_loss: 0.13 }), baseline: base }).verdict, 'passed');
  const r = applyGates(g, { candidate: candidate({ log_loss: 0.14 }), baseline: base });
  assert.equal(r.verdict, 'failed');
  assert.match(r.gates[0]!.reason, /log_loss 0\.14 is above baseline 0\.15 - \|baseline\| × \(0\.1\) = 0\.135/);
});

test('thresholds apply with or without a baseline', () => {
  const g = gates({ gates: [{ metric: 'accuracy', threshold: 0.9 }] });
  assert.equal(applyGates(g, { candidate: candidate({ accuracy: 0.95 }), baseline: null }).verdict, 'passed');
  const r = applyGates(g, { candidate: candidate({ accuracy: 0.85 }), baseline: null });
  assert.match(r.gates[0]!.reason, /accuracy 0\.85 is below the threshold 0\.9/);
});

test('first_version decides baseline comparisons and signature gates when there is no baseline', () => {
  const doc = (first: string) => gates({ first_version: first, gates: [{ metric: 'accuracy', min_absolute_change: 0 }, { signature: 'compatible' }] });
  const pass = applyGates(doc('pass'), { candidate: candidate({ accuracy: 0.5 }), baseline: null });
  assert.equal(pass.verdict, 'passed');
  assert.match(pass.gates[0]!.reason, /first_version: pass/);
  const failed = applyGates(doc('fail'), { candidate: candidate({ accuracy: 0.5 }), baseline: null });
  assert.equal(failed.verdict, 'failed');
  assert.deepEqual(failed.gates.map((g) => g.kind), ['failed', 'failed']);
  // The default is fail: a first version has to be accepted on purpose.
  assert.equal(applyGates(gates({ gates: [{ metric: 'accuracy', min_absolute_change: 0 }] }), { candidate: candidate({ accuracy: 1 }), baseline: null }).verdict, 'failed');
});

test('no gates is its own verdict, never a pass', () => {
  for (const file of [null, gates({ gates: [] }), gates(null)]) {
    const r = applyGates(file, { candidate: candidate({ accuracy: 1 }), baseline: null });
    assert.equal(r.verdict, 'no-gates');
    assert.match(r.summary, /NO GATES CONFIGURED/);
  }
});

test('missing data makes gates inconclusive, and unknown metrics fail', () => {
  const g = gates({ gates: [{ drift: 'share_of_drifted_columns', max: 0.5 }, { fairness: 'demographic_parity_ratio', group_by: 'sex', min: 0.8, min_group_size: 30 }, { metric: 'nope', threshold: 1 }] });
  const r = applyGates(g, {
    candidate: candidate({ accuracy: 1 }, { fairness: [{ column: 'sex', groups: [{ group: 'f', size: 5, metrics: { selection_rate: 0.5 } }, { group: 'm', size: 95, metrics: { selection_rate: 0.5 } }], minGroupSize: 5, demographic_parity_ratio: 1, demographic_parity_difference: 0, equalized_odds_difference: 0, fourFifths: true }] }),
    baseline: null,
  });
  assert.deepEqual(r.gates.map((x) => x.kind), ['inconclusive', 'inconclusive', 'failed']);
  assert.match(r.gates[0]!.reason, /no profile/);
  assert.match(r.gates[1]!.reason, /group "f" has 5 rows, fewer than min_group_size 30/);
  assert.match(r.gates[2]!.reason, /not reported/);
  assert.equal(r.verdict, 'failed');
});

test('a breaking signature change fails the signature gate', () => {
  const r = applyGates(gates({ gates: [{ signature: 'compatible' }] }), {
    candidate: candidate({}), baseline: { version: 1, ref: 'production', metrics: {} },
    signature: { verdict: 'breaking', changes: [{ kind: 'breaking', detail: 'input "x" removed' }] },
  });
  assert.equal(r.gates[0]!.kind, 'failed');
  assert.match(r.gates[0]!.reason, /input "x" removed/);
});

test('fmt keeps four significant digits', () => {
  assert.equal(fmt(0.93712345), '0.9371');
  assert.equal(fmt(-0.035), '-0.035');
  assert.equal(fmt(1234567), '1235000');
});
