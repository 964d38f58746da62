/**
 * Live windows: per endpoint and version, rolling counts over the last
 * minute, five minutes or hour, built from fixed time buckets (10 s by
 * default) kept in a ring, so memory is bounded by retention / bucket size
 * whatever the traffic. Every number is a sum or a fixed-edge histogram, so
 * the windows of several workers merge exactly (`exportDelta` on a worker,
 * `merge` on the primary). Time comes from the injected Clock.
 */
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import { LATENCY_BINS, latencyBin, latencyQuantile, SCORE_BINS, SCORE_EDGES, scoreBin } from './histogram.ts';

export type Protocol = 'v2' | 'v1' | 'mlflow';
export type VersionRole = 'stable' | 'candidate' | 'shadow' | 'pinned';

export interface Observation {
  endpoint: string;
  version: number;
  protocol: Protocol;
  status: number;
  latencyMs: number;
  rows: number;
  queueMs?: number;
  labels?: ArrayLike<number | string> | null;
  /** Probabilities (of the positive class, or of the chosen class): the score histogram on [0, 1]. */
  scores?: ArrayLike<number> | null;
  /** Regression outputs: mean and spread. */
  values?: ArrayLike<number> | null;
  /** role of the version on the endpoint */
  role?: VersionRole;
}

export interface WindowSnapshot {
  endpoint: string;
  version: number;
  windowMs: number;
  requests: number;
  errors: number;
  errorsByClass: Record<'4xx' | '5xx', number>;
  errorRate: number;
  rps: number;
  latency: { p50: number; p95: number; p99: number; mean: number };
  rows: number;
  labelCounts: Record<string, number>;
  scoreHistogram: { edges: number[]; counts: number[] };
  /** Mean rows per request (the batch a caller sends). */
  batchSize: number;
  queue: { mean: number; max: number };
  values: { count: number; mean: number; std: number };
  role?: VersionRole;
}

/** Read side, what the rollout controller, alert rules and status use. */
export interface WindowsReader {
  snapshot(endpoint: string, version: number, windowMs: number): WindowSnapshot;
  versions(endpoint?: string): { endpoint: string; version: number }[];
}

export interface LiveWindowsOptions {
  /** Width of one bucket (default 10 s). */
  bucketMs?: number;
  /** Longest window kept (default 1 h). */
  retentionMs?: number;
}

/** One bucket, serialised; latency is sparse `[bin, count, bin, count, …]`. */
export interface BucketState {
  index: number;
  requests: number;
  e4xx: number;
  e5xx: number;
  latencySumMs: number;
  latency: number[];
  rows: number;
  queueSumMs: number;
  queueCount: number;
  queueMaxMs: number;
  labels: [string, number][];
  scores: number[];
  valueCount: number;
  valueSum: number;
  valueSumSq: number;
}

export interface WindowsState {
  bucketMs: number;
  series: { endpoint: string; version: number; role?: VersionRole; buckets: BucketState[] }[];
}

export const WINDOW_1M = 60_000;
export const WINDOW_5M = 300_000;
export const WINDOW_1H = 3_600_000;

class Bucket {
  index = -1;
  requests = 0;
  e4xx = 0;
  e5xx = 0;
  latencySumMs = 0;
  readonly latency = new Uint32Array(LATENCY_BINS);
  rows = 0;
  queueSumMs = 0;
  queueCount = 0;
  queueMaxMs = 0;
  labels: Map<string, number> | undefined;
  readonly scores = new Uint32Array(SCORE_BINS);
  valueCount = 0;
  valueSum = 0;
  valueSumSq = 0;

  reset(index: number): void {
    this.index = index;
    this.requests = this.e4xx = this.e5xx = this.latencySumMs = this.rows = 0;
    this.queueSumMs = this.queueCount = this.queueMaxMs = 0;
    this.valueCount = this.valueSum = this.valueSumSq = 0;
    this.latency.fill(0);
    this.scores.fill(0);
    this.labels?.clear();
  }
}

class Series {
  readonly ring: (Bucket | undefined)[];
  role: VersionRole | undefined;
  readonly endpoint: string;
  readonly version: number;
  constructor(endpoint: string, version: number, slots: number) {
    this.endpoint = endpoint;
    this.version = version;
    this.ring = new Array<Bucket | undefined>(slots);
  }
  bucket(index: number): Bucket {
    const slot = index % this.ring.length;
    let b = this.ring[slot];
    if (b === undefined) {
      b = new Bucket();
      this.ring[slot] = b;
    }
    if (b.index !== index) b.reset(index);
    return b;
  }
  /** The bucket for index if it still holds that index's data. */
  peek(index: number): Bucket | undefined {
    const b = this.ring[index % this.ring.length];
    return b !== undefined && b.index === index ? b : undefined;
  }
}

const key = (endpoint: string, version: number): string => `${endpoint}\u0000${version}`;

export class LiveWindows implements WindowsReader {
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #slots: number;
  readonly #series = new Map<string, Series>();
  /** The series last recorded to: traffic mostly repeats it, and a hit skips building a key and a Map lookup. */
  #last: Series | undefined;

  constructor(clock: Clock, options: LiveWindowsOptions = {}) {
    this.#clock = clock;
    this.#bucketMs = options.bucketMs ?? 10_000;
    const retention = options.retentionMs ?? WINDOW_1H;
    if (!(this.#bucketMs > 0) || !(retention >= this.#bucketMs)) fail('MG_CONFIG_INVALID', { key: 'monitoring.windows', detail: 'the bucket must be positive and no longer than the retention' });
    // One extra slot: the current, partly filled bucket.
    this.#slots = Math.ceil(retention / this.#bucketMs) + 1;
  }

  get bucketMs(): number {
    return this.#bucketMs;
  }

  #get(endpoint: string, version: number): Series {
    const last = this.#last;
    if (last !== undefined && last.version === version && last.endpoint === endpoint) return last;
    const k = key(endpoint, version);
    let s = this.#series.get(k);
    if (s === undefined) {
      s = new Series(endpoint, version, this.#slots);
      this.#series.set(k, s);
    }
    this.#last = s;
    return s;
  }

  record(o: Observation): void {
    const s = this.#get(o.endpoint, o.version);
    if (o.role !== undefined) s.role = o.role;
    const b = s.bucket(Math.floor(this.#clock.now() / this.#bucketMs));
    b.requests++;
    if (o.status >= 500) b.e5xx++;
    else if (o.status >= 400) b.e4xx++;
    b.latencySumMs += o.latencyMs;
    b.latency[latencyBin(o.latencyMs)]++;
    b.rows += o.rows;
    if (o.queueMs !== undefined) {
      b.queueSumMs += o.queueMs;
      b.queueCount++;
      if (o.queueMs > b.queueMaxMs) b.queueMaxMs = o.queueMs;
    }
    const labels = o.labels;
    if (labels != null && labels.length > 0) {
      const m = (b.labels ??= new Map());
      for (let i = 0; i < labels.length; i++) {
        const l = String(labels[i]);
        m.set(l, (m.get(l) ?? 0) + 1);
      }
    }
    const scores = o.scores;
    if (scores != null) for (let i = 0; i < scores.length; i++) b.scores[scoreBin(scores[i])]++;
    const values = o.values;
    if (values != null) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!Number.isFinite(v)) continue;
        b.valueCount++;
        b.valueSum += v;
        b.valueSumSq += v * v;
      }
    }
  }

  snapshot(endpoint: string, version: number, windowMs: number): WindowSnapshot {
    const now = this.#clock.now();
    const cur = Math.floor(now / this.#bucketMs);
    // From the bucket that holds now - windowMs: the window is a little longer than asked, never shorter.
    const first = Math.max(cur - this.#slots + 1, Math.min(cur, Math.floor((now - windowMs) / this.#bucketMs)));
    const s = this.#series.get(key(endpoint, version));
    const latency = new Float64Array(LATENCY_BINS);
    const scores = new Array<number>(SCORE_BINS).fill(0);
    const labelCounts: Record<string, number> = {};
    let requests = 0, e4xx = 0, e5xx = 0, latencySum = 0, rows = 0, qSum = 0, qCount = 0, qMax = 0, vCount = 0, vSum = 0, vSumSq = 0;
    if (s !== undefined) {
      for (let i = first; i <= cur; i++) {
        const b = s.peek(i);
        if (b === undefined) continue;
        requests += b.requests;
        e4xx += b.e4xx;
        e5xx += b.e5xx;
        latencySum += b.latencySumMs;
        rows += b.rows;
        qSum += b.queueSumMs;
        qCount += b.queueCount;
        if (b.queueMaxMs > qMax) qMax = b.queueMaxMs;
        vCount += b.valueCount;
        vSum += b.valueSum;
        vSumSq += b.valueSumSq;
        for (let j = 0; j < LATENCY_BINS; j++) latency[j] += b.latency[j];
        for (let j = 0; j < SCORE_BINS; j++) scores[j] += b.scores[j];
        if (b.labels !== undefined) for (const [l, c] of b.labels) labelCounts[l] = (labelCounts[l] ?? 0) + c;
      }
    }
    const spanMs = Math.max(1, now - first * this.#bucketMs);
    const mean = vCount > 0 ? vSum / vCount : 0;
    return {
      endpoint, version, windowMs,
      requests,
      errors: e4xx + e5xx,
      errorsByClass: { '4xx': e4xx, '5xx': e5xx },
      errorRate: requests > 0 ? (e4xx + e5xx) / requests : 0,
      rps: (requests * 1000) / spanMs,
      latency: {
        p50: latencyQuantile(latency, requests, 0.5),
        p95: latencyQuantile(latency, requests, 0.95),
        p99: latencyQuantile(latency, requests, 0.99),
        mean: requests > 0 ? latencySum / requests : 0,
      },
      rows,
      labelCounts,
      scoreHistogram: { edges: [...SCORE_EDGES], counts: scores },
      batchSize: requests > 0 ? rows / requests : 0,
      queue: { mean: qCount > 0 ? qSum / qCount : 0, max: qMax },
      values: { count: vCount, mean, std: vCount > 0 ? Math.sqrt(Math.max(0, vSumSq / vCount - mean * mean)) : 0 },
      ...(s?.role === undefined ? {} : { role: s.role }),
    };
  }

  versions(endpoint?: string): { endpoint: string; version: number }[] {
    const out: { endpoint: string; version: number }[] = [];
    for (const s of this.#series.values()) if (endpoint === undefined || s.endpoint === endpoint) out.push({ endpoint: s.endpoint, version: s.version });
    return out.sort((a, b) => (a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : a.version - b.version));
  }

  /** Every bucket still inside retention, serialisable (structured clone or JSON). */
  export(): WindowsState {
    return this.#export(false);
  }

  /** Like export, then forgets what it exported: a worker sends deltas so the primary's sums stay exact. */
  exportDelta(): WindowsState {
    return this.#export(true);
  }

  #export(clear: boolean): WindowsState {
    const cur = Math.floor(this.#clock.now() / this.#bucketMs);
    const series: WindowsState['series'] = [];
    for (const s of this.#series.values()) {
      const buckets: BucketState[] = [];
      for (const b of s.ring) {
        if (b === undefined || b.index < 0 || b.index <= cur - this.#slots || b.requests === 0) continue;
        buckets.push(toState(b));
        if (clear) b.reset(b.index);
      }
      if (buckets.length > 0 || !clear) series.push({ endpoint: s.endpoint, version: s.version, ...(s.role === undefined ? {} : { role: s.role }), buckets });
    }
    return { bucketMs: this.#bucketMs, series };
  }

  /** Adds another process's buckets to these (sums, so merging deltas is exact). */
  merge(state: WindowsState): void {
    if (state.bucketMs !== this.#bucketMs) fail('MG_CONFIG_INVALID', { key: 'monitoring.windows', detail: `cannot merge ${state.bucketMs} ms buckets into ${this.#bucketMs} ms buckets` });
    const oldest = Math.floor(this.#clock.now() / this.#bucketMs) - this.#slots + 1;
    for (const src of state.series) {
      const s = this.#get(src.endpoint, src.version);
      if (src.role !== undefined) s.role = src.role;
      for (const bs of src.buckets) {
        if (bs.index < oldest) continue;
        const existing = s.peek(bs.index);
        // A newer bucket already in the slot wins over a stale one arriving late.
        if (existing === undefined && s.ring[bs.index % s.ring.length] !== undefined && s.ring[bs.index % s.ring.length]!.index > bs.index) continue;
        addState(s.bucket(bs.index), bs);
      }
    }
  }
}

function toState(b: Bucket): BucketState {
  const latency: number[] = [];
  for (let i = 0; i < LATENCY_BINS; i++) if (b.latency[i] !== 0) latency.push(i, b.latency[i]);
  return {
    index: b.index, requests: b.requests, e4xx: b.e4xx, e5xx: b.e5xx, latencySumMs: b.latencySumMs, latency,
    rows: b.rows, queueSumMs: b.queueSumMs, queueCount: b.queueCount, queueMaxMs: b.queueMaxMs,
    labels: b.labels === undefined ? [] : [...b.labels], scores: Array.from(b.scores),
    valueCount: b.valueCount, valueSum: b.valueSum, valueSumSq: b.valueSumSq,
  };
}

function addState(b: Bucket, s: BucketState): void {
  b.requests += s.requests;
  b.e4xx += s.e4xx;
  b.e5xx += s.e5xx;
  b.latencySumMs += s.latencySumMs;
  for (let i = 0; i + 1 < s.latency.length; i += 2) b.latency[s.latency[i]] += s.latency[i + 1];
  b.rows += s.rows;
  b.queueSumMs += s.queueSumMs;
  b.queueCount += s.queueCount;
  if (s.queueMaxMs > b.queueMaxMs) b.queueMaxMs = s.queueMaxMs;
  if (s.labels.length > 0) {
    const m = (b.labels ??= new Map());
    for (const [l, c] of s.labels) m.set(l, (m.get(l) ?? 0) + c);
  }
  for (let i = 0; i < SCORE_BINS && i < s.scores.length; i++) b.scores[i] += s.scores[i];
  b.valueCount += s.valueCount;
  b.valueSum += s.valueSum;
  b.valueSumSq += s.valueSumSq;
}
