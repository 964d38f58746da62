/**
 * The prediction log: a sampled share (0–100 % per endpoint) of answered
 * requests, turned into rows after the response is sent and held in a bounded
 * buffer, then written to the PredictionStore in batches by a timer, so a slow
 * store never holds up a request. A full buffer drops the entry and counts it.
 * Sensitive input fields (by feature name) are sealed with FieldCrypto (bound
 * to the request id and field name) or dropped. Retention prunes by age and
 * size.
 *
 * A row is built as its request is captured, not in the flush: the buffer
 * holds a few short strings per entry rather than the request's tensors (so
 * nothing depends on a tensor not being reused), and the building is spread
 * over requests instead of arriving as one block with a full batch.
 */
import type { Rng } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import type { FieldCrypto } from '../security/field-crypto.ts';
import type { PredictionStore, PredictionWrite } from '../store/prediction-store.ts';
import type { ServingMetrics } from './metrics.ts';
import { predictionEntry, type EntryPolicy } from './prediction-entry.ts';
import type { AnsweredRequest, PredictionSink } from './request-monitor.ts';

export interface PredictionLogOptions {
  /** Percent of requests captured when the endpoint has no setting of its own. */
  readonly samplePercent: number;
  /** Endpoint → percent. */
  readonly endpointPercent: Readonly<Record<string, number>>;
  readonly sensitiveFields: readonly string[];
  readonly sensitiveMode: 'encrypt' | 'drop';
  readonly bufferSize: number;
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxAgeMs: number;
  readonly maxBytes: number;
  readonly pruneIntervalMs: number;
}

export interface PredictionLogDeps {
  readonly store: PredictionStore;
  readonly rng: Rng;
  readonly metrics: ServingMetrics;
  readonly crypto?: FieldCrypto;
  readonly iso: (ms: number) => string;
  readonly now: () => number;
  readonly onError?: (err: unknown) => void;
}

export { fieldContext } from './prediction-entry.ts';

/** Entries per endpoint, so a batch costs one counter update per endpoint rather than one per entry. */
function perEndpoint(batch: readonly { readonly endpoint: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of batch) counts.set(r.endpoint, (counts.get(r.endpoint) ?? 0) + 1);
  return counts;
}

export class PredictionLog implements PredictionSink {
  readonly #o: PredictionLogOptions;
  readonly #d: PredictionLogDeps;
  readonly #policy: EntryPolicy;
  /** Rows waiting for the store. */
  #buffer: PredictionWrite[] = [];
  #flushing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #soon: NodeJS.Immediate | null = null;
  #lastPrune = 0;

  constructor(options: PredictionLogOptions, deps: PredictionLogDeps) {
    if (options.sensitiveFields.length > 0 && options.sensitiveMode === 'encrypt' && deps.crypto === undefined) {
      fail('MG_CONFIG_INVALID', { key: 'monitoring.predictionLog.sensitiveFields', detail: 'encrypting sensitive fields needs security.fieldKeys (or set sensitiveMode: drop)' });
    }
    for (const [e, p] of Object.entries(options.endpointPercent)) {
      if (typeof p !== 'number' || !(p >= 0 && p <= 100)) fail('MG_CONFIG_INVALID', { key: `monitoring.predictionLog.endpointPercent.${e}`, detail: 'a percent from 0 to 100' });
    }
    this.#o = options;
    this.#d = deps;
    this.#policy = { sensitive: new Set(options.sensitiveFields), mode: options.sensitiveMode, crypto: deps.crypto, iso: deps.iso };
  }

  /** Starts the flush timer (the app calls this; tests may flush by hand). */
  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.#o.flushIntervalMs);
    this.#timer.unref();
  }

  percent(endpoint: string): number {
    return this.#o.endpointPercent[endpoint] ?? this.#o.samplePercent;
  }

  wants(endpoint: string): boolean {
    const p = this.percent(endpoint);
    return p >= 100 || (p > 0 && this.#d.rng.next() * 100 < p);
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  /** Buffers the request's row; one that cannot be turned into a row is dropped and counted like a full buffer's. */
  capture(r: AnsweredRequest, at: number): void {
    if (this.#buffer.length >= this.#o.bufferSize) {
      this.#d.metrics.logDropped.inc({ endpoint: r.endpoint });
      return;
    }
    let row: PredictionWrite;
    try {
      row = predictionEntry(r, at, this.#policy);
    } catch (err) {
      this.#d.metrics.logDropped.inc({ endpoint: r.endpoint });
      this.#d.onError?.(err);
      return;
    }
    this.#buffer.push(row);
    if (this.#buffer.length >= this.#o.batchSize) this.#flushSoon();
  }

  /**
   * A full batch is written once the event loop has taken in the I/O already
   * waiting, not inside the response hook that filled it: the (synchronous
   * SQLite) insert then delays no request that had already arrived.
   */
  #flushSoon(): void {
    if (this.#soon !== null || this.#flushing !== null) return;
    this.#soon = setImmediate(() => {
      this.#soon = null;
      void this.flush();
    });
  }

  /** Writes what is buffered; failures count every entry as dropped. Concurrent calls share one write. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flushOnce().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    for (let first = true; this.#buffer.length > 0; first = false) {
      // Between batches of a backlog, requests waiting on the loop go first.
      if (!first) await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#buffer.splice(0, this.#o.batchSize);
      try {
        await this.#d.store.insert(batch);
        for (const [endpoint, n] of perEndpoint(batch)) this.#d.metrics.logWritten.inc({ endpoint }, n);
      } catch (err) {
        for (const [endpoint, n] of perEndpoint(batch)) this.#d.metrics.logDropped.inc({ endpoint }, n);
        this.#d.onError?.(err);
        return;
      }
    }
    const now = this.#d.now();
    if (now - this.#lastPrune >= this.#o.pruneIntervalMs) {
      this.#lastPrune = now;
      await this.prune();
    }
  }

  /** Deletes entries past the age limit, then the oldest beyond the size limit. */
  async prune(): Promise<number> {
    try {
      return await this.#d.store.prune(this.#d.iso(this.#d.now() - this.#o.maxAgeMs), this.#o.maxBytes);
    } catch (err) {
      this.#d.onError?.(err);
      return 0;
    }
  }

  async close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#soon !== null) clearImmediate(this.#soon);
    this.#soon = null;
    await this.flush();
  }
}
