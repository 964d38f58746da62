import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { loadColumns } from '../data/dataset.ts';
import { buildReferenceProfile } from '../data/profile.ts';
import { isModelgateError } from '../lib/errors.ts';
import { binShares } from './binning.ts';
import { chiSquare } from './chi-square.ts';
import { detectDrift } from './dataset-drift.ts';
import { jensenShannon } from './jensen-shannon.ts';
import { ksTwoSample } from './ks.ts';
import { psi } from './psi.ts';
import { selectTest } from './select.ts';
import { wasserstein, wassersteinNormed } from './wasserstein.ts';
import { zTest } from './z-test.ts';

interface Ref {
  ks: { a: number[]; b: number[]; statistic: number; pvalue: number }[];
  chisquare: { reference: string[]; current: string[]; statistic: number; pvalue: number }[];
  ztest: { reference: number[]; current: number[]; statistic: number; pvalue: number }[];
  distance: { a?: number[]; b?: number[]; reference?: string[]; current?: string[]; wasserstein?: number; wasserstein_normed?: number; psi: number; jensenshannon: number }[];
}
const ref = JSON.parse(await readFile('fixtures/reference/drift.json', 'utf8')) as Ref;

function near(actual: number, expected: number, what: string, tol = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs scipy ${expected}`);
}

test('KS statistic and p-value equal scipy ks_2samp (exact and asymptotic, ties included)', () => {
  const methods = new Set<string>();
  for (const c of ref.ks) {
    const r = ksTwoSample(c.a, c.b);
    methods.add(r.method);
    near(r.statistic, c.statistic, `D for n=${c.a.length}, m=${c.b.length}`);
    near(r.pValue, c.pvalue, `p for n=${c.a.length}, m=${c.b.length}`);
  }
  assert.deepEqual([...methods].sort(), ['asymptotic', 'exact']);
});

test('chi-square and two-proportion Z equal scipy', () => {
  for (const c of ref.chisquare) {
    const r = chiSquare(c.reference, c.current);
    near(r.statistic, c.statistic, 'chi-square statistic');
    near(r.pValue, c.pvalue, 'chi-square p');
  }
  for (const c of ref.ztest) {
    const r = zTest(c.reference, c.current, '1');
    near(r.statistic, c.statistic, 'z statistic');
    near(r.pValue, c.pvalue, 'z p');
  }
  assert.deepEqual(chiSquare(['a', 'b'], ['a', 'c']), { statistic: Infinity, pValue: 0 });
});

test('Wasserstein, PSI and Jensen-Shannon with Evidently binning equal scipy/numpy', () => {
  for (const c of ref.distance) {
    const numeric = c.a !== undefined;
    const r = (c.a ?? c.reference)!;
    const k = (c.b ?? c.current)!;
    if (numeric) {
      near(wasserstein(c.a!, c.b!), c.wasserstein!, 'wasserstein');
      near(wassersteinNormed(c.a!, c.b!), c.wasserstein_normed!, 'normed wasserstein');
    }
    const filled = binShares(r, k, numeric, true);
    near(psi(filled.reference, filled.current), c.psi, 'psi');
    const plain = binShares(r, k, numeric, false);
    near(jensenShannon(plain.reference, plain.current), c.jensenshannon, 'jensen-shannon');
  }
});

test("Evidently's rule picks the test, and overrides replace it", () => {
  assert.deepEqual(selectTest('numeric', 1000, 6), { test: 'ks', threshold: 0.05 });
  assert.deepEqual(selectTest('numeric', 1000, 5), { test: 'chisquare', threshold: 0.05 });
  assert.deepEqual(selectTest('categorical', 500, 2), { test: 'z', threshold: 0.05 });
  assert.deepEqual(selectTest('numeric', 1001, 6), { test: 'wasserstein', threshold: 0.1 });
  assert.deepEqual(selectTest('categorical', 5000, 40), { test: 'jensenshannon', threshold: 0.1 });
  assert.deepEqual(selectTest('numeric', 50, 40, { test: 'psi', threshold: 0.2 }), { test: 'psi', threshold: 0.2 });
  assert.throws(() => selectTest('categorical', 50, 4, { test: 'ks' }), (err) => isModelgateError(err, 'MG_DRIFT_INVALID_OPTIONS'));
});

const TRAIN = 'fixtures/models/breast_cancer_rf/train.csv';
const DRIFTED = 'fixtures/models/breast_cancer_rf/drifted.csv';
// drifted.csv is test.csv with mean_radius and worst_radius scaled by 1.3 and
// mean_texture given small noise that leaves its distribution as it was.
const SHIFTED = ['mean_radius', 'worst_radius'];

test('drifted.csv against train.csv: the shifted features are flagged and the untouched ones are not', async () => {
  const current = await loadColumns(DRIFTED);
  for (const reference of [await loadColumns(TRAIN), await buildReferenceProfile(TRAIN, { label: 'target' })]) {
    const result = detectDrift(reference, current, { exclude: ['target'] });
    assert.equal(result.columns.length, 30);
    const flagged = result.columns.filter((c) => c.drifted).map((c) => c.column).sort();
    assert.deepEqual(flagged, SHIFTED);
    assert.ok(result.columns.every((c) => c.test === 'ks'));
    assert.equal(result.datasetDrift, false);
    assert.equal(result.share, 2 / 30);
  }
  const strict = detectDrift(await loadColumns(TRAIN), current, { exclude: ['target'], driftShare: 0.05 });
  assert.equal(strict.datasetDrift, true);
});

test('a profile reference agrees with raw data, and options are checked', async () => {
  const raw = await loadColumns(TRAIN);
  const profile = await buildReferenceProfile(TRAIN);
  const current = await loadColumns(DRIFTED);
  const perColumn = { mean_radius: { test: 'wasserstein' as const }, mean_area: { test: 'psi' as const } };
  const a = detectDrift(raw, current, { columns: ['mean_radius', 'mean_area', 'target'], perColumn });
  const b = detectDrift(profile, current, { columns: ['mean_radius', 'mean_area', 'target'], perColumn });
  near(a.columns[0]!.score, b.columns[0]!.score, 'wasserstein from profile', 1e-9);
  assert.equal(a.columns[2]!.test, 'z');
  assert.equal(b.columns[2]!.test, 'z');
  near(a.columns[2]!.score, b.columns[2]!.score, 'z from profile', 1e-12);
  assert.equal(b.columns[1]!.test, 'psi');
  assert.throws(() => detectDrift(raw, current, { columns: ['nope'] }), (err) => isModelgateError(err, 'MG_DRIFT_INVALID_OPTIONS'));
  const empty = detectDrift(raw, { columns: ['mean_radius'], values: { mean_radius: [null, null] } }, { columns: ['mean_radius'] });
  assert.deepEqual(empty.skipped, [{ column: 'mean_radius', reason: 'no values in the current data' }]);
});

test('numeric columns as Float64Arrays (NaN for missing) drift exactly as cells do, against raw data and a profile', async () => {
  const current = await loadColumns(DRIFTED);
  const typed = { columns: current.columns, values: Object.fromEntries(current.columns.map((c) => [c, Float64Array.from(current.values[c]!, (v) => (v === null ? NaN : (v as number)))])) };
  typed.values.mean_area![3] = NaN;
  const cells = { columns: current.columns, values: { ...current.values, mean_area: current.values.mean_area!.map((v, i) => (i === 3 ? null : v)) } };
  for (const reference of [await loadColumns(TRAIN), await buildReferenceProfile(TRAIN, { label: 'target' })]) {
    assert.deepEqual(detectDrift(reference, typed, { exclude: ['target'] }), detectDrift(reference, cells, { exclude: ['target'] }));
  }
});
