import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../lib/clock.ts';
import { LiveWindows, WINDOW_1H, WINDOW_1M, WINDOW_5M, type Observation } from './windows.ts';

const obs = (over: Partial<Observation> = {}): Observation => ({ endpoint: 'e', version: 1, protocol: 'v2', status: 200, latencyMs: 10, rows: 1, ...over });

test('counts, errors by class, rps and labels within a window', () => {
  const clock = new FakeClock(0);
  const w = new LiveWindows(clock);
  for (let i = 0; i < 60; i++) {
    w.record(obs({ status: i % 10 === 0 ? 500 : i % 10 === 1 ? 404 : 200, labels: [i % 2], scores: [0.95] }));
    clock.advance(1000);
  }
  const s = w.snapshot('e', 1, WINDOW_1M);
  assert.equal(s.requests, 60);
  assert.deepEqual(s.errorsByClass, { '4xx': 6, '5xx': 6 });
  assert.equal(s.errorRate, 12 / 60);
  assert.equal(s.rps, 1);
  assert.deepEqual(s.labelCounts, { 0: 30, 1: 30 });
  assert.equal(s.scoreHistogram.counts[19], 60);
  assert.equal(s.scoreHistogram.edges.length, 21);
});

test('old buckets leave the window; the hour keeps them', () => {
  const clock = new FakeClock(0);
  const w = new LiveWindows(clock);
  w.record(obs());
  clock.advance(2 * 60_000);
  w.record(obs());
  assert.equal(w.snapshot('e', 1, WINDOW_1M).requests, 1);
  assert.equal(w.snapshot('e', 1, WINDOW_5M).requests, 2);
  clock.advance(WINDOW_1H + 10_000);
  assert.equal(w.snapshot('e', 1, WINDOW_1H).requests, 0);
});

test('latency quantiles are within one bin of the truth', () => {
  const clock = new FakeClock(0);
  const w = new LiveWindows(clock);
  for (let i = 1; i <= 1000; i++) w.record(obs({ latencyMs: i }));
  const s = w.snapshot('e', 1, WINDOW_1M);
  for (const [q, truth] of [[s.latency.p50, 500], [s.latency.p95, 950], [s.latency.p99, 990]] as const) {
    assert.ok(Math.abs(q - truth) / truth < 0.09, `${q} vs ${truth}`);
  }
  assert.equal(s.latency.mean, 500.5);
});

test('merging worker deltas equals recording everything in one place', () => {
  const clock = new FakeClock(0);
  const all = new LiveWindows(clock);
  const a = new LiveWindows(clock);
  const b = new LiveWindows(clock);
  const primary = new LiveWindows(clock);
  for (let i = 0; i < 500; i++) {
    const o = obs({ version: 1 + (i % 2), latencyMs: (i * 7) % 300, status: i % 13 === 0 ? 503 : 200, labels: ['x', 'y'], scores: [(i % 100) / 100], rows: 2, queueMs: i % 5 });
    all.record(o);
    (i % 3 === 0 ? a : b).record(o);
    clock.advance(150);
    if (i % 50 === 0) {
      primary.merge(a.exportDelta());
      primary.merge(b.exportDelta());
    }
  }
  primary.merge(structuredClone(a.exportDelta()));
  primary.merge(JSON.parse(JSON.stringify(b.exportDelta())));
  for (const v of [1, 2]) assert.deepEqual(primary.snapshot('e', v, WINDOW_5M), all.snapshot('e', v, WINDOW_5M));
  assert.deepEqual(primary.versions(), [{ endpoint: 'e', version: 1 }, { endpoint: 'e', version: 2 }]);
  assert.equal(a.exportDelta().series.every((s) => s.buckets.length === 0), true);
});

test('memory is bounded: the ring never grows past retention', () => {
  const clock = new FakeClock(0);
  const w = new LiveWindows(clock, { bucketMs: 1000, retentionMs: 10_000 });
  for (let i = 0; i < 1000; i++) {
    w.record(obs({ values: [i] }));
    clock.advance(1000);
  }
  assert.ok(w.export().series[0].buckets.length <= 11);
  const s = w.snapshot('e', 1, 10_000);
  assert.equal(s.requests, 10);
  assert.equal(s.values.mean, 994.5);
});

test('an unknown series gives an empty snapshot', () => {
  const w = new LiveWindows(new FakeClock(0));
  const s = w.snapshot('nope', 3, WINDOW_1M);
  assert.equal(s.requests, 0);
  assert.equal(s.errorRate, 0);
  assert.equal(s.latency.p99, 0);
});
