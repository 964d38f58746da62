import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadColumns } from '../data/dataset.ts';
import { buildReferenceProfile } from '../data/profile.ts';
import { driftColumns, driftOutcome, driftOutcomeInThreads, sharesColumns } from './drift-outcome.ts';

const BC = 'fixtures/models/breast_cancer_rf';

test('drift in worker threads, each over a part of the shared columns, equals drift computed here', async () => {
  const profile = await buildReferenceProfile(`${BC}/train.csv`, { label: 'target' });
  const data = await loadColumns(`${BC}/drifted.csv`);
  const values = Object.fromEntries(data.columns.map((c) => {
    const shared = new Float64Array(new SharedArrayBuffer(8 * data.rows));
    data.values[c]!.forEach((v, i) => (shared[i] = v === null ? NaN : (v as number)));
    return [c, shared];
  }));
  const input = { profile, version: 1, columns: data.columns, values, label: 'target' };
  const compared = driftColumns(input)!;
  assert.equal(sharesColumns(compared), true);
  assert.deepEqual(Object.keys(compared), data.columns.filter((c) => c !== 'target'));
  const here = driftOutcome(input);
  assert.equal(here.kind, 'computed');
  for (const threads of [1, 2, 3]) assert.deepEqual(await driftOutcomeInThreads({ ...input, values: compared }, threads).outcome, here);
  assert.deepEqual(driftOutcome({ ...input, profile: null }), { kind: 'unavailable', reason: 'version 1 has no training reference profile (register it with --train-data)' });
  assert.equal(sharesColumns({ a: Float64Array.from([1]) }), false);
});
