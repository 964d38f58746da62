/**
 * Dynamic batching with Triton's semantics, one batcher per served version
 * whose first dimension is dynamic. Requests queue; a batch is cut as soon as
 * it reaches `maxBatchSize` or a preferred size, or when the oldest request
 * has waited `maxQueueDelayUs`. The batch runs once and every caller gets
 * exactly its own rows back. A full queue answers MG_INFERENCE_OVERLOADED (503
 * with a retry hint); a request that waits longer than its timeout,
 * MG_INFERENCE_QUEUE_TIMEOUT.
 */
import { ModelgateError } from '../lib/errors.ts';
import type { NamedTensor } from '../runtime/tensor.ts';
import { concatRows, sliceRows } from './batch-tensors.ts';
import { hasDynamicBatch, type ServedModel } from './served-model.ts';

/** Time and timers, injected so tests can drive the queue delay without sleeping. */
export interface BatchTimer {
  /** Milliseconds, fractional allowed. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /**
   * Runs `fn` once the I/O already received has been handled (setImmediate).
   * A batch that is due is cut there rather than inside the first submit, so
   * every request read in the same event-loop turn joins it. Without it, due
   * batches are cut at once.
   */
  defer?(fn: () => void): void;
}

export const systemBatchTimer: BatchTimer = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  defer: (fn) => setImmediate(fn),
};

export interface BatcherOptions {
  /** Name used in error messages. */
  readonly model: string;
  readonly maxBatchSize: number;
  readonly maxQueueDelayUs: number;
  readonly preferredBatchSizes?: readonly number[];
  /** Most requests waiting; further ones are refused (default: unbounded). */
  readonly maxQueueSize?: number;
  /** Longest a request may wait in the queue, in milliseconds (default: no limit). */
  readonly timeoutMs?: number;
  /** Batches allowed to run at once (default 1, as one Triton model instance). */
  readonly maxConcurrentBatches?: number;
  readonly timer?: BatchTimer;
}

/** Counters for tuning: how many batches ran, and how full they were. */
export interface BatcherStats {
  readonly batches: number;
  readonly requests: number;
  readonly rows: number;
  readonly largestBatch: number;
}

/** Runs one (batched) inference. */
export type RunBatch = (inputs: NamedTensor[], outputNames: readonly string[]) => Promise<NamedTensor[]>;

interface Pending {
  readonly inputs: readonly NamedTensor[];
  readonly outputs: readonly string[];
  readonly rows: number;
  readonly key: string;
  readonly enqueuedAt: number;
  timeout?: unknown;
  resolve(outputs: NamedTensor[]): void;
  reject(err: unknown): void;
}

/** Milliseconds each request's outputs waited in the queue, keyed by the outputs array its caller received. */
const queueTimes = new WeakMap<readonly NamedTensor[], number>();

/** How long the request that received these outputs waited in a batcher queue (undefined: not batched). */
export function queueTimeOf(outputs: readonly NamedTensor[]): number | undefined {
  return queueTimes.get(outputs);
}

function keyOf(inputs: readonly NamedTensor[], outputs: readonly string[]): string {
  return `${inputs.map((t) => `${t.name}:${t.datatype}:${t.shape.slice(1).join('x')}`).join('|')}>${outputs.join(',')}`;
}

export class DynamicBatcher {
  readonly #run: RunBatch;
  readonly #opts: BatcherOptions;
  readonly #timer: BatchTimer;
  readonly #preferred: number[];
  #queue: Pending[] = [];
  #running = 0;
  #delayTimer: unknown = undefined;
  #closed = false;
  #deferred = false;
  #idle: (() => void)[] = [];
  #stats = { batches: 0, requests: 0, rows: 0, largestBatch: 0 };

  constructor(run: RunBatch, options: BatcherOptions) {
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1) throw new RangeError('maxBatchSize must be a positive integer');
    this.#run = run;
    this.#opts = options;
    this.#timer = options.timer ?? systemBatchTimer;
    this.#preferred = [...(options.preferredBatchSizes ?? [])].filter((p) => p <= options.maxBatchSize).sort((a, b) => b - a);
  }

  /** Requests waiting to be batched. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Batches run so far, with their requests and rows. */
  get stats(): BatcherStats {
    return { ...this.#stats };
  }

  /** Queues one request; resolves with its own rows of the outputs. */
  submit(inputs: readonly NamedTensor[], outputNames: readonly string[]): Promise<NamedTensor[]> {
    if (this.#closed) return Promise.reject(new ModelgateError('MG_RUNTIME_SESSION_CLOSED', { target: this.#opts.model, state: 'closed' }));
    const rows = inputs[0]?.shape[0];
    if (rows === undefined || inputs.some((t) => t.shape[0] !== rows)) {
      return Promise.reject(new ModelgateError('MG_INFERENCE_INVALID_REQUEST', { detail: 'every input must have the same first (batch) dimension' }));
    }
    if (rows > this.#opts.maxBatchSize) {
      return Promise.reject(new ModelgateError('MG_INFERENCE_BATCH_TOO_LARGE', { input: inputs[0].name, size: rows, limit: this.#opts.maxBatchSize }));
    }
    if (this.#opts.maxQueueSize !== undefined && this.#queue.length >= this.#opts.maxQueueSize) {
      return Promise.reject(new ModelgateError('MG_INFERENCE_OVERLOADED', {
        model: this.#opts.model, detail: `${this.#queue.length} requests queued, the limit is ${this.#opts.maxQueueSize}`, retryAfter: 1,
      }));
    }
    return new Promise<NamedTensor[]>((resolve, reject) => {
      const p: Pending = { inputs, outputs: outputNames, rows, key: keyOf(inputs, outputNames), enqueuedAt: this.#timer.now(), resolve, reject };
      const timeoutMs = this.#opts.timeoutMs;
      if (timeoutMs !== undefined) p.timeout = this.#timer.setTimeout(() => this.#expire(p, timeoutMs), timeoutMs);
      this.#queue.push(p);
      this.#pump();
    });
  }

  /** Refuses new requests, runs what is queued at once, and resolves when nothing is queued or running. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pump();
    if (this.#queue.length === 0 && this.#running === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #expire(p: Pending, timeoutMs: number): void {
    const i = this.#queue.indexOf(p);
    if (i < 0) return;
    this.#queue.splice(i, 1);
    p.reject(new ModelgateError('MG_INFERENCE_QUEUE_TIMEOUT', { model: this.#opts.model, timeoutMs }));
    this.#pump();
  }

  /** Compatible requests from the head of the queue that fit in one batch, and whether the batch can still grow. */
  #candidates(): { take: Pending[]; sums: number[]; capped: boolean } {
    const head = this.#queue[0];
    const take: Pending[] = [];
    const sums: number[] = [];
    let rows = 0;
    for (const p of this.#queue) {
      if (p.key !== head.key) continue;
      if (rows + p.rows > this.#opts.maxBatchSize) return { take, sums, capped: true };
      rows += p.rows;
      take.push(p);
      sums.push(rows);
    }
    return { take, sums, capped: rows === this.#opts.maxBatchSize };
  }

  /** The batch to run now, or null to wait; once closed, whatever is there. `dueAllowed`: a batch whose delay is over may be cut. */
  #takeBatch(dueAllowed: boolean): Pending[] | null {
    if (this.#queue.length === 0 || this.#running >= (this.#opts.maxConcurrentBatches ?? 1)) return null;
    const { take, sums, capped } = this.#candidates();
    let count = 0;
    const waited = (this.#timer.now() - take[0].enqueuedAt) * 1000;
    if (this.#closed || capped || (dueAllowed && waited >= this.#opts.maxQueueDelayUs)) count = take.length;
    else {
      const preferred = this.#preferred.find((size) => sums.includes(size));
      if (preferred !== undefined) count = sums.indexOf(preferred) + 1;
    }
    if (count === 0) return null;
    const batch = take.slice(0, count);
    const chosen = new Set(batch);
    this.#queue = this.#queue.filter((p) => !chosen.has(p));
    return batch;
  }

  /** Cuts what can run; `fired`: called from the delay timer or the deferral, so a due batch goes now. */
  #pump(fired = false): void {
    if (this.#delayTimer !== undefined) {
      this.#timer.clearTimeout(this.#delayTimer);
      this.#delayTimer = undefined;
    }
    const defer = this.#timer.defer;
    const dueAllowed = fired || defer === undefined;
    for (let batch = this.#takeBatch(dueAllowed); batch !== null; batch = this.#takeBatch(dueAllowed)) this.#dispatch(batch);
    if (this.#queue.length === 0 || this.#running >= (this.#opts.maxConcurrentBatches ?? 1)) return;
    const waitedMs = this.#timer.now() - this.#queue[0].enqueuedAt;
    const leftMs = Math.max(0, this.#opts.maxQueueDelayUs / 1000 - waitedMs);
    if (leftMs === 0 && defer !== undefined) {
      if (this.#deferred) return;
      this.#deferred = true;
      defer(() => {
        this.#deferred = false;
        this.#pump(true);
      });
      return;
    }
    this.#delayTimer = this.#timer.setTimeout(() => {
      this.#delayTimer = undefined;
      this.#pump(true);
    }, leftMs);
  }

  #dispatch(batch: Pending[] | null): void {
    if (batch === null || batch.length === 0) return;
    for (const p of batch) if (p.timeout !== undefined) this.#timer.clearTimeout(p.timeout);
    this.#running++;
    const total = batch.reduce((n, p) => n + p.rows, 0);
    this.#stats.batches++;
    this.#stats.requests += batch.length;
    this.#stats.rows += total;
    this.#stats.largestBatch = Math.max(this.#stats.largestBatch, total);
    const inputs = batch[0].inputs.map((t, i) => concatRows(batch.map((p) => p.inputs[i])));
    const dispatchedAt = this.#timer.now();
    const settle = (outputs: NamedTensor[] | null, err: unknown): void => {
      let start = 0;
      for (const p of batch) {
        if (outputs === null) p.reject(err);
        else {
          try {
            const own = outputs.map((t) => sliceRows(t, start, p.rows, total));
            queueTimes.set(own, dispatchedAt - p.enqueuedAt);
            p.resolve(own);
          } catch (sliceErr) {
            p.reject(sliceErr);
          }
        }
        start += p.rows;
      }
      this.#running--;
      this.#pump();
      if (this.#queue.length === 0 && this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
    };
    let running: Promise<NamedTensor[]>;
    try {
      running = this.#run(inputs, batch[0].outputs);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then((outputs) => settle(outputs, null), (err: unknown) => settle(null, err));
  }
}

/** True when every input and output has a dynamic first dimension, so requests can be joined along it. */
export function isBatchable(model: Pick<ServedModel, 'inputs' | 'outputs'>): boolean {
  return [...model.inputs, ...model.outputs].every(hasDynamicBatch);
}
