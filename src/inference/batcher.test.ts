import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DynamicBatcher, isBatchable, type BatchTimer } from './batcher.ts';
import { isModelgateError } from '../lib/errors.ts';
import type { NamedTensor } from '../runtime/tensor.ts';
import { ModelSession } from '../runtime/session.ts';

/** Timers that fire only when the test advances time. */
class ManualTimer implements BatchTimer {
  time = 0;
  #next = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  now(): number { return this.time; }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void { this.#timers.delete(handle as number); }
  advance(ms: number): void {
    this.time += ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= this.time).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) return;
      this.#timers.delete(due[0]);
      due[1].fn();
    }
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function req(rows: number, base: number): NamedTensor[] {
  return [{ name: 'x', datatype: 'FP32', shape: [rows, 2], data: Float32Array.from({ length: rows * 2 }, (_, i) => base + i) }];
}

/** A fake model: y[r] = x[r,0] + x[r,1]; records batch sizes. */
function sumModel(batches: number[]) {
  return async (inputs: NamedTensor[], _outputs?: readonly string[]): Promise<NamedTensor[]> => {
    const x = inputs[0].data as Float32Array;
    const rows = inputs[0].shape[0];
    batches.push(rows);
    return [{ name: 'y', datatype: 'FP32', shape: [rows], data: Float32Array.from({ length: rows }, (_, r) => x[2 * r] + x[2 * r + 1]) }];
  };
}

function expectedSums(rows: number, base: number): number[] {
  return Array.from({ length: rows }, (_, r) => 2 * (base + 2 * r) + 1);
}

test('concurrent callers with mixed batch sizes each get exactly their own rows', async () => {
  const timer = new ManualTimer();
  const batches: number[] = [];
  const b = new DynamicBatcher(sumModel(batches), { model: 'm', maxBatchSize: 8, maxQueueDelayUs: 1000, timer });
  const sizes = [1, 3, 2, 4, 1, 1, 2, 3, 1, 2];
  const results = sizes.map((rows, i) => b.submit(req(rows, i * 100), ['y']));
  timer.advance(1);
  for (let i = 0; i < 6; i++) { await flush(); timer.advance(1); }
  const outs = await Promise.all(results);
  outs.forEach((o, i) => {
    assert.deepEqual(o[0].shape, [sizes[i]]);
    assert.deepEqual(Array.from(o[0].data as Float32Array), expectedSums(sizes[i], i * 100));
  });
  assert.ok(batches.every((n) => n <= 8));
  assert.equal(batches.reduce((a, c) => a + c, 0), sizes.reduce((a, c) => a + c, 0));
  assert.ok(batches.length < sizes.length, 'requests were joined');
});

test('a partial batch waits for the queue delay; a full or preferred batch goes at once', async () => {
  const timer = new ManualTimer();
  const batches: number[] = [];
  const b = new DynamicBatcher(sumModel(batches), { model: 'm', maxBatchSize: 8, maxQueueDelayUs: 5000, preferredBatchSizes: [4], timer });
  const one = b.submit(req(1, 0), ['y']);
  await flush();
  assert.deepEqual(batches, []);
  timer.advance(4);
  assert.deepEqual(batches, []);
  timer.advance(1);
  await one;
  assert.deepEqual(batches, [1]);
  const pair = [b.submit(req(2, 0), ['y']), b.submit(req(2, 10), ['y'])];
  await Promise.all(pair);
  assert.deepEqual(batches, [1, 4], 'preferred size 4 was cut without waiting');
  const full = [b.submit(req(5, 0), ['y']), b.submit(req(3, 10), ['y'])];
  await Promise.all(full);
  assert.deepEqual(batches, [1, 4, 8], 'max batch size was cut without waiting');
});

test('with a deferral, requests submitted in one turn join the batch that is due, rather than the first going alone', async () => {
  const deferred: (() => void)[] = [];
  const timer = Object.assign(new ManualTimer(), { defer: (fn: () => void) => { deferred.push(fn); } });
  const batches: number[] = [];
  const b = new DynamicBatcher(sumModel(batches), { model: 'm', maxBatchSize: 8, maxQueueDelayUs: 0, timer });
  const results = [0, 1, 2, 3, 4].map((i) => b.submit(req(1, i * 10), ['y']));
  assert.deepEqual(batches, [], 'nothing is cut inside submit');
  assert.equal(deferred.length, 1, 'one deferral for the turn');
  deferred.shift()?.();
  const outs = await Promise.all(results);
  assert.deepEqual(batches, [5]);
  outs.forEach((o, i) => assert.deepEqual(Array.from(o[0].data as Float32Array), expectedSums(1, i * 10)));
  assert.deepEqual(b.stats, { batches: 1, requests: 5, rows: 5, largestBatch: 5 });
});

test('requests asking for different outputs are not joined', async () => {
  const timer = new ManualTimer();
  const batches: number[] = [];
  const b = new DynamicBatcher(sumModel(batches), { model: 'm', maxBatchSize: 8, maxQueueDelayUs: 0, maxConcurrentBatches: 2, timer });
  const a = b.submit(req(1, 0), ['y']);
  const c = b.submit(req(1, 0), ['z']);
  timer.advance(0);
  await Promise.all([a, c]);
  assert.deepEqual(batches, [1, 1]);
});

test('a full queue is refused with 503 and a retry hint; an oversized request with 400', async () => {
  const timer = new ManualTimer();
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const model = sumModel([]);
  const b = new DynamicBatcher(async (i, o) => { await gate; return model(i, o); }, { model: 'm', maxBatchSize: 4, maxQueueDelayUs: 0, maxQueueSize: 2, timer });
  const running = b.submit(req(1, 0), ['y']);
  const queued = [b.submit(req(1, 0), ['y']), b.submit(req(1, 0), ['y'])];
  await assert.rejects(b.submit(req(1, 0), ['y']), (err) => isModelgateError(err, 'MG_INFERENCE_OVERLOADED') && err.status === 503 && err.context.retryAfter === 1);
  await assert.rejects(b.submit(req(5, 0), ['y']), (err) => isModelgateError(err, 'MG_INFERENCE_BATCH_TOO_LARGE') && err.status === 400);
  release();
  await Promise.all([running, ...queued]);
});

test('a request that waits past its timeout is rejected; the others still run', async () => {
  const timer = new ManualTimer();
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const model = sumModel([]);
  const b = new DynamicBatcher(async (i, o) => { await gate; return model(i, o); }, { model: 'm', maxBatchSize: 4, maxQueueDelayUs: 0, timeoutMs: 50, timer });
  const first = b.submit(req(1, 0), ['y']);
  const waiting = b.submit(req(1, 0), ['y']);
  timer.advance(51);
  await assert.rejects(waiting, (err) => isModelgateError(err, 'MG_INFERENCE_QUEUE_TIMEOUT') && err.status === 503);
  assert.equal(b.queued, 0);
  release();
  assert.deepEqual(Array.from((await first)[0].data as Float32Array), [1]);
});

test('a failing run rejects every request of its batch and the batcher keeps serving', async () => {
  const timer = new ManualTimer();
  let calls = 0;
  const model = sumModel([]);
  const b = new DynamicBatcher(async (i, o) => { if (calls++ === 0) throw new Error('boom'); return model(i, o); }, { model: 'm', maxBatchSize: 8, maxQueueDelayUs: 1000, timer });
  const both = [b.submit(req(2, 0), ['y']), b.submit(req(2, 0), ['y'])];
  timer.advance(1);
  for (const p of both) await assert.rejects(p, /boom/);
  const after = b.submit(req(1, 0), ['y']);
  await flush();
  timer.advance(1);
  assert.deepEqual(Array.from((await after)[0].data as Float32Array), [1]);
  await b.close();
  await assert.rejects(b.submit(req(1, 0), ['y']), (err) => isModelgateError(err, 'MG_RUNTIME_SESSION_CLOSED'));
});

test('batched wide_mlp inference equals unbatched inference row for row', async () => {
  const session = await ModelSession.load(new URL('../../fixtures/models/wide_mlp/model.onnx', import.meta.url).pathname, { intraOpNumThreads: 1 });
  assert.ok(isBatchable(session));
  const batches: number[] = [];
  const b = new DynamicBatcher(async (inputs, outputs) => { batches.push(inputs[0].shape[0]); return session.run(inputs, outputs); }, { model: 'wide_mlp', maxBatchSize: 16, maxQueueDelayUs: 2000 });
  const requests = Array.from({ length: 24 }, (_, i): NamedTensor[] => {
    const rows = 1 + (i % 3);
    return [{ name: 'features', datatype: 'FP32', shape: [rows, 64], data: Float32Array.from({ length: rows * 64 }, (_, k) => Math.sin(i * 97 + k)) }];
  });
  const batched = await Promise.all(requests.map((r) => b.submit(r, ['scores'])));
  for (const [i, r] of requests.entries()) {
    const [alone] = await session.run(r, ['scores']);
    assert.deepEqual(batched[i][0].shape, alone.shape);
    const a = batched[i][0].data as Float32Array;
    const e = alone.data as Float32Array;
    for (let k = 0; k < e.length; k++) assert.ok(Math.abs(a[k] - e[k]) <= 1e-5 * Math.max(1, Math.abs(e[k])), `request ${i} element ${k}`);
  }
  assert.ok(batches.some((n) => n > 3), 'some requests were joined');
  await b.close();
  await session.release();
});
