import assert from 'node:assert/strict';
import test from 'node:test';
import { Registry } from 'prom-client';
import { seededRng } from '../lib/clock.ts';
import { FeatureSample, MAX_SAMPLED_COLUMNS } from './feature-sample.ts';
import { TallyCounter, TallyHistogram } from './tally-metrics.ts';

test('tally counter and histogram read as Prometheus text, cumulative buckets, +Inf, sum and count', async () => {
  const registry = new Registry();
  const counter = new TallyCounter({ name: 'x_requests_total', help: 'requests', labelNames: ['endpoint', 'code'] }, [registry]);
  const hist = new TallyHistogram({ name: 'x_seconds', help: 'time', labelNames: ['endpoint'], buckets: [0.1, 1] }, [registry]);
  const ok = counter.cell('a', '200');
  ok.value += 3;
  assert.equal(counter.cell('a', '200'), ok, 'one cell per label values');
  counter.cell('a', '500').value++;
  const h = hist.cell('a');
  for (const v of [0.05, 0.1, 0.5, 2]) h.observe(v);
  const text = await registry.metrics();
  assert.match(text, /^x_requests_total\{endpoint="a",code="200"\} 3$/m);
  assert.match(text, /^x_requests_total\{endpoint="a",code="500"\} 1$/m);
  assert.match(text, /^x_seconds_bucket\{endpoint="a",le="0.1"\} 2$/m);
  assert.match(text, /^x_seconds_bucket\{endpoint="a",le="1"\} 3$/m);
  assert.match(text, /^x_seconds_bucket\{endpoint="a",le="\+Inf"\} 4$/m);
  assert.match(text, /^x_seconds_sum\{endpoint="a"\} 2.65$/m);
  assert.match(text, /^x_seconds_count\{endpoint="a"\} 4$/m);
  assert.throws(() => counter.cell('a'), /expected 2 label values/);
  registry.resetMetrics();
  assert.doesNotMatch(await registry.metrics(), /x_requests_total\{/);
});

const rowsOf = (rows: number, columns: number) => ({ rows, columns, get: (r: number, c: number) => r * 1000 + c });

test('feature sample keeps every row at rate 1 (the newest capacity rows), about the rate below it, and none of a too-wide input', () => {
  const all = new FeatureSample(seededRng(1), { capacity: 100, rate: 1 });
  all.offer('e', 1, null, rowsOf(3, 2), () => null);
  assert.equal(all.window('e', 1)?.rows, 3);
  assert.deepEqual(all.window('e', 1)?.values.f1, [1, 1001, 2001]);

  const some = new FeatureSample(seededRng(2), { capacity: 100_000, rate: 0.1 });
  let skipped = 0;
  for (let i = 0; i < 20_000; i++) {
    if (some.skips(1, 2)) skipped++;
    else some.offer('e', 1, null, rowsOf(1, 2), () => null);
  }
  const kept = some.window('e', 1)?.rows ?? 0;
  assert.equal(kept + skipped, 20_000, 'a request is either skipped or offered');
  assert.ok(kept > 1700 && kept < 2300, `kept ${kept} of 20000 at rate 0.1`);

  // Past its first allocation (64 rows) the window grows; past capacity the newest rows replace the oldest.
  const ring = new FeatureSample(seededRng(7), { capacity: 100, rate: 1 });
  for (let i = 0; i < 25; i++) ring.offer('e', 1, null, rowsOf(10, 2), (r) => i * 10 + r);
  const window = ring.window('e', 1)!;
  assert.equal(window.rows, 100);
  assert.deepEqual([...window.predictions].sort((a, b) => Number(a) - Number(b)), Array.from({ length: 100 }, (_, k) => 150 + k));
  assert.deepEqual(window.values.f1.slice(0, 3), [1, 1001, 2001]);

  const wide = new FeatureSample(seededRng(3), { capacity: 10, rate: 1 });
  assert.equal(wide.skips(1, MAX_SAMPLED_COLUMNS + 1), true);
  wide.offer('e', 1, null, rowsOf(1, MAX_SAMPLED_COLUMNS + 1), () => null);
  assert.equal(wide.window('e', 1), null);
});

test('a worker feature sample hands its rows to takeNew() once, and the primary\'s sample holds them as its window', () => {
  const worker = new FeatureSample(seededRng(4), { capacity: 2, rate: 1, forward: true });
  worker.offer('e', 1, ['a', 'b'], rowsOf(3, 2), (r) => r * 10);
  const taken = worker.takeNew();
  assert.equal(taken.length, 1);
  assert.deepEqual(taken[0]!.values, [0, 1, 1000, 1001]);
  assert.deepEqual(taken[0]!.predictions, [0, 10]);
  assert.deepEqual(worker.takeNew(), []);
  const primary = new FeatureSample(seededRng(5), { capacity: 10, rate: 1 });
  for (const s of taken) primary.add(s);
  assert.deepEqual(primary.window('e', 1)?.values, { a: [0, 1000], b: [1, 1001] });
});

test('the feature sample keeps at most maxRowsPerSecond rows a second, whatever the rate', () => {
  let now = 5_000;
  const capped = new FeatureSample(seededRng(6), { capacity: 100, rate: 1, maxRowsPerSecond: 3, now: () => now });
  const offerAll = (requests: number, rows: number): void => {
    for (let i = 0; i < requests; i++) if (!capped.skips(rows, 2)) capped.offer('e', 1, null, rowsOf(rows, 2), () => null);
  };
  offerAll(10, 1);
  assert.equal(capped.window('e', 1)?.rows, 3);
  offerAll(1, 5);
  assert.equal(capped.window('e', 1)?.rows, 3, 'a many-row request within a spent second adds nothing');
  now += 1000;
  offerAll(1, 5);
  assert.equal(capped.window('e', 1)?.rows, 6, 'the next second keeps three more of the five');
});
