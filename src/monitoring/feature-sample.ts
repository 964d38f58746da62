/**
 * The recent window of input rows per endpoint and version, for live drift:
 * each row is kept with a configured probability (seeded Rng) in a ring of
 * fixed size, so memory is bounded and the window is the most recent sample.
 * Rows taken since the last `takeNew()` travel from a worker to the primary,
 * which appends them to its own rings.
 *
 * The request path pays for the rows it keeps, not for the ones it skips:
 * instead of one random draw per row, the gap to the next kept row is drawn
 * once (geometric, the same distribution as a draw per row), so most
 * requests cost one comparison (`skips`) and build nothing. Inputs wider
 * than MAX_SAMPLED_COLUMNS are not sampled at all: copying a 262,144-value
 * row to every worker's ring and over IPC costs more than drift on such
 * inputs tells.
 */
import type { Rng } from '../lib/clock.ts';

export interface SampledRows {
  endpoint: string;
  version: number;
  features: string[] | null;
  /** Row-major, `features.length` (or the input width) values per row. */
  columns: number;
  values: number[];
  /** Predicted labels or values of the same rows (null when unknown). */
  predictions: (number | string | null)[];
}

/** Inputs wider than this (values per row) are left out of live drift. */
export const MAX_SAMPLED_COLUMNS = 1024;

/** A request's input rows as the sample reads them. */
export interface RowSource {
  readonly rows: number;
  readonly columns: number;
  get(r: number, c: number): number;
}

/**
 * One version's window: up to `capacity` rows of `columns` values in one
 * flat array, written in place (it grows by doubling until full). A kept row
 * allocates nothing of its own, so the window leaves no long-lived small
 * buffers among the request path's short-lived ones.
 */
class Ring {
  values: Float64Array;
  /** One slot per row the window holds: its length is the capacity. */
  readonly predictions: (number | string | null)[];
  next = 0;
  size = 0;
  readonly features: string[] | null;
  readonly columns: number;
  fresh: SampledRows;
  constructor(capacity: number, endpoint: string, version: number, features: string[] | null, columns: number) {
    this.values = new Float64Array(Math.min(capacity, 64) * columns);
    this.predictions = new Array<number | string | null>(capacity).fill(null);
    this.features = features;
    this.columns = columns;
    this.fresh = { endpoint, version, features, columns, values: [], predictions: [] };
  }
  /** Keeps row `r` of `input` in the window. */
  push(input: RowSource, r: number, prediction: number | string | null): void {
    const at = this.next * this.columns;
    if (at + this.columns > this.values.length) {
      const grown = new Float64Array(Math.min(this.predictions.length, 2 * (this.values.length / this.columns)) * this.columns);
      grown.set(this.values);
      this.values = grown;
    }
    for (let c = 0; c < this.columns; c++) this.values[at + c] = input.get(r, c);
    this.predictions[this.next] = prediction;
    this.next = (this.next + 1) % this.predictions.length;
    if (this.size < this.predictions.length) this.size++;
  }
  /** Keeps row `r` of `input` for the next takeNew() only (up to `cap` rows). */
  forward(input: RowSource, r: number, prediction: number | string | null, cap: number): void {
    if (this.fresh.predictions.length >= cap) return;
    for (let c = 0; c < input.columns; c++) this.fresh.values.push(input.get(r, c));
    this.fresh.predictions.push(prediction);
  }
}

export interface FeatureSampleOptions {
  /** Rows kept per endpoint and version. */
  capacity: number;
  /** Probability that a row is kept, 0–1. */
  rate: number;
  /** Most rows kept per second (by `now`), whatever the rate: bounds the cost under heavy traffic. */
  maxRowsPerSecond?: number;
  /** Milliseconds, for the per-second bound (default Date.now). */
  now?: () => number;
  /** A worker in a cluster: rows go only to takeNew() (at most `capacity` between calls), for the primary's window. */
  forward?: boolean;
}

export class FeatureSample {
  readonly #rings = new Map<string, Ring>();
  readonly #rng: Rng;
  readonly #options: FeatureSampleOptions;
  /** Rows still to pass before the next kept one. */
  #skip: number;
  /** The second the kept-row count is of, and the count. */
  #second = -1;
  #kept = 0;

  constructor(rng: Rng, options: FeatureSampleOptions) {
    this.#rng = rng;
    this.#options = options;
    this.#skip = this.#gap();
  }

  /** Rows skipped before the next kept one: geometric with the sampling rate (0 when every row is kept). */
  #gap(): number {
    const rate = this.#options.rate;
    if (rate >= 1) return 0;
    if (rate <= 0) return Infinity;
    // 1 - next() is in (0, 1], so the logarithm is finite.
    return Math.floor(Math.log(1 - this.#rng.next()) / Math.log(1 - rate));
  }

  /** Whether this second's row budget has room left; `take` counts one row against it. */
  #budget(take: boolean): boolean {
    const cap = this.#options.maxRowsPerSecond;
    if (cap === undefined) return true;
    const second = Math.floor((this.#options.now ?? Date.now)() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#kept = 0;
    }
    if (this.#kept >= cap) return false;
    if (take) this.#kept++;
    return true;
  }

  /**
   * True when none of a request's `rows` rows (of `columns` values) is to be
   * kept, and then counts them as passed: callers ask this before building
   * anything to offer. A row due while this second's budget is spent is
   * passed over and the next one drawn.
   */
  skips(rows: number, columns: number): boolean {
    if (columns > MAX_SAMPLED_COLUMNS || columns <= 0 || this.#options.rate <= 0) return true;
    if (this.#skip < rows) {
      if (this.#budget(false)) return false;
      this.#skip = this.#gap();
      return true;
    }
    this.#skip -= rows;
    return true;
  }

  #ring(endpoint: string, version: number, features: readonly string[] | null, columns: number): Ring {
    const k = `${endpoint}\u0000${version}`;
    let r = this.#rings.get(k);
    if (r === undefined || r.columns !== columns) {
      r = new Ring(this.#options.capacity, endpoint, version, features === null ? null : [...features], columns);
      this.#rings.set(k, r);
    }
    return r;
  }

  /**
   * Offers a request's rows; `get(r, c)` reads the input, `prediction(r)` the
   * answer. Only the rows due to be kept are copied: into the ring, or, in a
   * worker (`forward`), only into what takeNew() hands the primary, whose ring
   * is the one live drift reads.
   */
  offer(endpoint: string, version: number, features: readonly string[] | null, input: RowSource, prediction: (r: number) => number | string | null): void {
    const { capacity, forward = false } = this.#options;
    if (this.skips(input.rows, input.columns)) return;
    const ring = this.#ring(endpoint, version, features, input.columns);
    let r = this.#skip;
    for (; r < input.rows; r += 1 + this.#gap()) {
      if (!this.#budget(true)) {
        r = input.rows + this.#gap();
        break;
      }
      if (forward) ring.forward(input, r, prediction(r), capacity);
      else ring.push(input, r, prediction(r));
    }
    this.#skip = r - input.rows;
  }

  /** Appends rows sampled elsewhere (a worker's takeNew()). */
  add(s: SampledRows): void {
    const ring = this.#ring(s.endpoint, s.version, s.features, s.columns);
    const rows: RowSource = { rows: s.predictions.length, columns: s.columns, get: (r, c) => s.values[r * s.columns + c] };
    for (let i = 0; i < rows.rows; i++) ring.push(rows, i, s.predictions[i]);
  }

  /** Rows sampled since the last call. */
  takeNew(): SampledRows[] {
    const out: SampledRows[] = [];
    for (const r of this.#rings.values()) {
      if (r.fresh.predictions.length === 0) continue;
      out.push(r.fresh);
      r.fresh = { ...r.fresh, values: [], predictions: [] };
    }
    return out;
  }

  /** The current window as columns by feature name (`f0`, `f1`, … when names are unknown), plus the predictions. */
  window(endpoint: string, version: number): { rows: number; columns: string[]; values: Record<string, number[]>; predictions: (number | string | null)[] } | null {
    const r = this.#rings.get(`${endpoint}\u0000${version}`);
    if (r === undefined || r.size === 0) return null;
    const columns = r.features ?? Array.from({ length: r.columns }, (_, i) => `f${i}`);
    const values: Record<string, number[]> = {};
    for (const c of columns) values[c] = [];
    const predictions: (number | string | null)[] = [];
    for (let i = 0; i < r.size; i++) {
      for (let c = 0; c < columns.length; c++) values[columns[c]].push(r.values[i * r.columns + c]);
      predictions.push(r.predictions[i]);
    }
    return { rows: r.size, columns, values, predictions };
  }

  keys(): { endpoint: string; version: number }[] {
    return [...this.#rings.values()].map((r) => ({ endpoint: r.fresh.endpoint, version: r.fresh.version }));
  }
}
