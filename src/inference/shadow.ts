/**
 * Shadow traffic: a share of an endpoint's requests is run again on the
 * shadow version after the caller has been answered (never delaying or
 * failing the caller), its answer discarded but compared with the stable's:
 * label agreement, mean and maximum absolute score difference, latency ratio
 * and error rate, summed per endpoint and shadow version. Observations also
 * go to the live windows with role 'shadow' when a recorder is attached.
 * Sums are plain counters so that several serving processes add up exactly:
 * each publishes what changed (`takeChanged`) and the rollout analysis reads
 * the total (rollout/shadow-sums.ts).
 */
import type { NamedTensor } from '../runtime/tensor.ts';

/** Sums of shadow comparisons for one endpoint and shadow version; they add up exactly across processes. */
export interface ShadowSums {
  readonly shadowVersion: number;
  mirrored: number;
  errors: number;
  labelRows: number;
  agreed: number;
  scoreCount: number;
  scoreAbsSum: number;
  scoreAbsMax: number;
  primaryLatencyMs: number;
  shadowLatencyMs: number;
}

/** Rates derived from sums, as analysis and status report them. */
export interface ShadowStats {
  readonly shadowVersion: number;
  readonly mirrored: number;
  readonly compared: number;
  /** Share of rows where both versions predicted the same label (null: no labels seen). */
  readonly labelAgreement: number | null;
  readonly meanAbsScoreDiff: number | null;
  readonly maxAbsScoreDiff: number | null;
  /** Shadow mean latency over the stable's for the same requests. */
  readonly latencyRatio: number | null;
  readonly errorRate: number;
}

/** What the live windows take from one shadow request (the monitoring Observation, role 'shadow'). */
export interface ShadowRecorder {
  record(o: {
    endpoint: string; version: number; protocol: 'v2'; status: number; latencyMs: number; rows: number;
    labels?: ArrayLike<number | string> | null; scores?: ArrayLike<number> | null; role: 'shadow';
  }): void;
}

export function emptySums(shadowVersion: number): ShadowSums {
  return { shadowVersion, mirrored: 0, errors: 0, labelRows: 0, agreed: 0, scoreCount: 0, scoreAbsSum: 0, scoreAbsMax: 0, primaryLatencyMs: 0, shadowLatencyMs: 0 };
}

export function addSums(into: ShadowSums, s: ShadowSums): void {
  into.mirrored += s.mirrored;
  into.errors += s.errors;
  into.labelRows += s.labelRows;
  into.agreed += s.agreed;
  into.scoreCount += s.scoreCount;
  into.scoreAbsSum += s.scoreAbsSum;
  into.scoreAbsMax = Math.max(into.scoreAbsMax, s.scoreAbsMax);
  into.primaryLatencyMs += s.primaryLatencyMs;
  into.shadowLatencyMs += s.shadowLatencyMs;
}

export function statsOf(s: ShadowSums): ShadowStats {
  const compared = s.mirrored - s.errors;
  return {
    shadowVersion: s.shadowVersion,
    mirrored: s.mirrored,
    compared,
    labelAgreement: s.labelRows === 0 ? null : s.agreed / s.labelRows,
    meanAbsScoreDiff: s.scoreCount === 0 ? null : s.scoreAbsSum / s.scoreCount,
    maxAbsScoreDiff: s.scoreCount === 0 ? null : s.scoreAbsMax,
    latencyRatio: compared === 0 || s.primaryLatencyMs === 0 ? null : s.shadowLatencyMs / s.primaryLatencyMs,
    errorRate: s.mirrored === 0 ? 0 : s.errors / s.mirrored,
  };
}

const LABEL_TYPES = new Set(['INT64', 'INT32', 'INT16', 'INT8', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'BYTES', 'BOOL']);

/** The label output (integers or strings, one per row) and the score output (floats), when the model has them. */
export function labelsAndScores(outputs: readonly NamedTensor[], rows: number): { labels: ArrayLike<number | string> | null; scores: ArrayLike<number> | null } {
  let labels: ArrayLike<number | string> | null = null;
  let scores: ArrayLike<number> | null = null;
  for (const t of outputs) {
    if (t.shape[0] !== rows) continue;
    if (labels === null && LABEL_TYPES.has(t.datatype) && t.data.length === rows) {
      labels = t.data instanceof BigInt64Array || t.data instanceof BigUint64Array ? Array.from(t.data, Number) : t.data as ArrayLike<number | string>;
    } else if (scores === null && (t.datatype === 'FP32' || t.datatype === 'FP64')) {
      scores = t.data as Float32Array | Float64Array;
    }
  }
  return { labels, scores };
}

/** Per-endpoint sums of shadow comparisons in this process. */
export class ShadowComparisons {
  readonly #sums = new Map<string, ShadowSums>();
  /** Keys whose sums changed since the last takeChanged(). */
  readonly #changed = new Set<string>();
  recorder: ShadowRecorder | null = null;

  #entry(endpoint: string, version: number): ShadowSums {
    const key = `${endpoint}\u0000${version}`;
    let s = this.#sums.get(key);
    if (s === undefined) {
      s = emptySums(version);
      this.#sums.set(key, s);
    }
    this.#changed.add(key);
    return s;
  }

  /** The sums so far for an endpoint's shadow version (a copy). */
  sums(endpoint: string, version: number): ShadowSums {
    const s = this.#sums.get(`${endpoint}\u0000${version}`);
    return s === undefined ? emptySums(version) : { ...s };
  }

  /** Forgets an endpoint's sums (a new shadow rollout starts from zero). */
  reset(endpoint: string): void {
    for (const key of [...this.#sums.keys()]) if (key.startsWith(`${endpoint}\u0000`)) this.#sums.delete(key);
    for (const key of [...this.#changed]) if (key.startsWith(`${endpoint}\u0000`)) this.#changed.delete(key);
  }

  /**
   * Starts an endpoint's sums for a newly mirrored shadow version from zero,
   * marked changed so the zeros are published too (they replace whatever
   * this process published for the endpoint before).
   */
  restart(endpoint: string, version: number): void {
    this.reset(endpoint);
    this.#entry(endpoint, version);
  }

  /** Every endpoint's sums, for a process that publishes them to the store. */
  entries(): { endpoint: string; sums: ShadowSums }[] {
    return [...this.#sums].map(([key, sums]) => ({ endpoint: key.slice(0, key.indexOf('\u0000')), sums: { ...sums } }));
  }

  /** The sums that changed since the last call (copies), for publication. */
  takeChanged(): { endpoint: string; sums: ShadowSums }[] {
    const out: { endpoint: string; sums: ShadowSums }[] = [];
    for (const key of this.#changed) {
      const sums = this.#sums.get(key);
      if (sums !== undefined) out.push({ endpoint: key.slice(0, key.indexOf('\u0000')), sums: { ...sums } });
    }
    this.#changed.clear();
    return out;
  }

  /** Records one shadow run against the stable answer to the same request. */
  compare(endpoint: string, version: number, primary: readonly NamedTensor[], primaryMs: number, shadow: readonly NamedTensor[] | null, shadowMs: number, rows: number): void {
    const s = this.#entry(endpoint, version);
    s.mirrored++;
    if (shadow === null) {
      s.errors++;
      this.recorder?.record({ endpoint, version, protocol: 'v2', status: 500, latencyMs: shadowMs, rows, role: 'shadow' });
      return;
    }
    s.primaryLatencyMs += primaryMs;
    s.shadowLatencyMs += shadowMs;
    const a = labelsAndScores(primary, rows);
    const b = labelsAndScores(shadow, rows);
    if (a.labels !== null && b.labels !== null) {
      for (let i = 0; i < rows; i++) if (a.labels[i] === b.labels[i]) s.agreed++;
      s.labelRows += rows;
    }
    if (a.scores !== null && b.scores !== null && a.scores.length === b.scores.length) {
      for (let i = 0; i < a.scores.length; i++) {
        const d = Math.abs(a.scores[i]! - b.scores[i]!);
        s.scoreAbsSum += d;
        if (d > s.scoreAbsMax) s.scoreAbsMax = d;
      }
      s.scoreCount += a.scores.length;
    }
    this.recorder?.record({ endpoint, version, protocol: 'v2', status: 200, latencyMs: shadowMs, rows, labels: b.labels, scores: b.scores, role: 'shadow' });
  }
}

/** What a mirror needs from a route: its model's outputs and a way to run it. */
export interface ShadowTarget {
  readonly model: { readonly name: string; readonly version: string; readonly outputs: readonly { readonly name: string }[] };
  run(inputs: NamedTensor[], outputs: readonly string[]): Promise<NamedTensor[]>;
}

/**
 * Runs `inputs` on the shadow once the current turn of the event loop (which
 * sends the caller's answer) is over, and records the comparison. Nothing it
 * does can reach the caller: errors are counted, never thrown.
 */
export function mirrorLater(comparisons: ShadowComparisons, shadow: ShadowTarget, inputs: NamedTensor[], primary: readonly NamedTensor[], primaryMs: number): void {
  setImmediate(() => {
    const rows = inputs[0]?.shape[0] ?? 1;
    const version = Number(shadow.model.version);
    const started = performance.now();
    shadow.run(inputs, shadow.model.outputs.map((o) => o.name)).then(
      (out) => comparisons.compare(shadow.model.name, version, primary, primaryMs, out, performance.now() - started, rows),
      () => comparisons.compare(shadow.model.name, version, primary, primaryMs, null, performance.now() - started, rows),
    );
  });
}
