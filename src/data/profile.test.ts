import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { seededRng } from '../lib/clock.ts';
import { sha256File } from '../lib/hash.ts';
import { buildReferenceProfile, profileColumns } from './profile.ts';

const TRAIN = 'fixtures/models/breast_cancer_rf/train.csv';
interface Expected { count: number; min: number; max: number; mean: number; std: number; distinct: number; quantiles: Record<string, number>; histogram: { edges: number[]; counts: number[] } }
const reference = JSON.parse(await readFile('fixtures/reference/profile.json', 'utf8')) as { columns: Record<string, Expected> };

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

test('the breast_cancer_rf training profile matches numpy', async () => {
  const profile = await buildReferenceProfile(TRAIN, { label: 'target' });
  assert.equal(profile.rows, 398);
  assert.equal(profile.sha256, await sha256File(TRAIN));
  assert.equal(Object.keys(profile.features).length, 30);
  assert.equal(Object.keys(profile.features)[0], 'mean_radius');
  assert.equal(profile.label?.name, 'target');
  for (const name of ['mean_radius', 'worst_area']) {
    const f = profile.features[name]!;
    const e = reference.columns[name]!;
    assert.equal(f.kind, 'numeric');
    if (f.kind !== 'numeric') return;
    assert.equal(f.count, e.count);
    assert.equal(f.missing, 0);
    assert.equal(f.distinct, e.distinct);
    for (const key of ['min', 'max', 'mean', 'std'] as const) close(f[key], e[key], `${name}.${key}`);
    for (const [q, v] of Object.entries(e.quantiles)) close(f.quantiles[q]!, v, `${name}.${q}`);
    e.histogram.edges.forEach((edge, i) => close(f.histogram.edges[i]!, edge, `${name} edge ${i}`));
    assert.deepEqual(f.histogram.counts, e.histogram.counts);
    assert.equal(f.sample.length, 398);
  }
});

test('the reservoir sample is uniform-sized, seeded and reproducible; a second pass bins large columns', async () => {
  const values = { x: Array.from({ length: 20000 }, (_, i) => i), c: Array.from({ length: 20000 }, (_, i) => (i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : null)) };
  const a = profileColumns(values, { sampleSize: 100, rng: seededRng(1) });
  const b = profileColumns(values, { sampleSize: 100, rng: seededRng(1) });
  assert.deepEqual(a, b);
  const x = a.x!;
  assert.ok(x.kind === 'numeric');
  assert.equal(x.sample.length, 100);
  // A uniform sample of 0..19999 has a mean near 10000; one that kept the first values would not.
  const mean = x.sample.reduce((s, v) => s + v, 0) / 100;
  assert.ok(mean > 7000 && mean < 13000, `sample mean ${mean}`);
  assert.deepEqual(a.c, { kind: 'categorical', count: 13334, missing: 6666, distinct: 2, frequencies: { a: 6667, b: 6667 } });

  const streamed = await buildReferenceProfile(TRAIN, { exactLimit: 50, sampleSize: 400 });
  const exact = await buildReferenceProfile(TRAIN);
  const s = streamed.features.mean_radius!;
  const e = exact.features.mean_radius!;
  assert.ok(s.kind === 'numeric' && e.kind === 'numeric');
  assert.deepEqual(s.histogram, e.histogram);
  assert.equal(s.quantiles.p50, e.quantiles.p50);
});
