import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binIndex, equalWidthEdges } from '../data/column-stats.ts';
import { seededRng } from '../lib/clock.ts';
import { histogramCounts, sturgesEdges } from './binning.ts';

/** The definition: every value inside the edges goes to the bin binIndex's binary search names. */
function bySearch(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const v of values) if (v >= edges[0]! && v <= edges.at(-1)!) counts[binIndex(edges, v)]!++;
  return counts;
}

test('one-pass histogram counts equal the binary-search binning, edge values and uneven edges included', () => {
  const rng = seededRng(3);
  const values = Array.from({ length: 20_000 }, () => Math.round(rng.next() * 1000) / 10 - 20);
  const edgeSets = [
    equalWidthEdges(-10, 70, 10),
    sturgesEdges(-20, 80, values.length),
    [-5, -4.9, 0, 0, 3, 50, 51, 52, 60],
    [7, 7.5],
  ];
  for (const edges of edgeSets) {
    const withEdges = [...values, ...edges];
    assert.deepEqual(histogramCounts(withEdges, edges), bySearch(withEdges, edges), `edges ${edges.join(', ')}`);
  }
  assert.deepEqual(histogramCounts([1, null, 'x', NaN, Infinity, 2], [0, 1, 2]), [0, 2]);
});
