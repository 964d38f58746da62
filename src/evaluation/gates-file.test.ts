import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isModelgateError } from '../lib/errors.ts';
import { parseGates } from './gates-file.ts';

const invalid = (doc: unknown, pattern: RegExp): void => {
  assert.throws(() => parseGates('ci/gates.yaml', doc), (err) => {
    assert.ok(isModelgateError(err, 'MG_EVAL_GATES_INVALID'));
    assert.match(err.message, /ci\/gates\.yaml/);
    assert.match(err.message, pattern);
    return true;
  });
};

test('the DESIGN.md example parses', () => {
  const g = parseGates('dir/gates.yaml', {
    first_version: 'pass',
    gates: [
      { metric: 'accuracy', threshold: 0.9, min_absolute_change: -0.01, min_relative_change: 0, greater_is_better: true },
      { latency: 'p99_ms', max: 20 },
      { fairness: 'demographic_parity_ratio', group_by: 'sex', min: 0.8 },
      { drift: 'share_of_drifted_columns', max: 0.5 },
      { data_quality: 'suite.yaml' },
      { signature: 'compatible' },
    ],
  });
  assert.equal(g.firstVersion, 'pass');
  assert.deepEqual(g.gates.map((x) => x.kind), ['metric', 'latency', 'fairness', 'drift', 'data_quality', 'signature']);
  const dq = g.gates[4]!;
  assert.ok(dq.kind === 'data_quality' && dq.path.endsWith('dir/suite.yaml'));
});

test('unknown keys and bad values are errors naming the key and the file', () => {
  invalid({ gates: [], extra: 1 }, /unknown key "extra"/);
  invalid({ gates: [{ metric: 'accuracy', threshold: 0.9, treshold: 1 }] }, /gates\[0\]: unknown key "treshold"/);
  invalid({ gates: [{ latency: 'p42_ms', max: 1 }] }, /latency must be one of p50_ms/);
  invalid({ gates: [{ metric: 'accuracy' }] }, /needs threshold, min_absolute_change or min_relative_change/);
  invalid({ gates: [{ metric: 'accuracy', threshold: 'high' }] }, /"threshold" must be a number/);
  invalid({ gates: [{ fairness: 'demographic_parity_ratio', min: 0.8 }] }, /needs "group_by"/);
  invalid({ gates: [{ metric: 'a', threshold: 1, latency: 'p99_ms' }] }, /several kinds/);
  invalid({ gates: [{ nothing: true }] }, /needs one of metric/);
  invalid({ first_version: 'maybe', gates: [] }, /first_version must be pass or fail/);
  invalid({ gates: { metric: 'accuracy' } }, /"gates" must be a list/);
  invalid([1], /top level must be a mapping/);
});
