/**
 * Fixed-edge histograms shared by live windows and the workers that feed them.
 * Edges never depend on the data, so two histograms from two workers add up
 * bin by bin and the merged quantiles are exactly those of the whole stream.
 */

/** Latency edges in ms: 0.05 ms × 2^(i/8), 8 bins per doubling up to ~105 s (quantile error under 5 %). */
export const LATENCY_BINS = 8 * 21;
const LATENCY_BASE_MS = 0.05;
const PER_DOUBLING = 8;

/** Upper edge (ms) of latency bin i; the last bin is open-ended. */
export function latencyUpperMs(i: number): number {
  return LATENCY_BASE_MS * 2 ** ((i + 1) / PER_DOUBLING);
}

/** The bin a latency falls in. */
export function latencyBin(ms: number): number {
  if (!(ms > LATENCY_BASE_MS)) return 0;
  const i = Math.ceil(Math.log2(ms / LATENCY_BASE_MS) * PER_DOUBLING) - 1;
  return i < 0 ? 0 : i >= LATENCY_BINS ? LATENCY_BINS - 1 : i;
}

/**
 * The q-quantile of a latency histogram: linear interpolation inside the bin
 * that holds the rank, between its lower and upper edges.
 */
export function latencyQuantile(counts: ArrayLike<number>, total: number, q: number): number {
  if (total <= 0) return 0;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c === 0) continue;
    if (seen + c >= rank) {
      const lower = i === 0 ? 0 : latencyUpperMs(i - 1);
      const upper = latencyUpperMs(i);
      return lower + ((rank - seen) / c) * (upper - lower);
    }
    seen += c;
  }
  return latencyUpperMs(counts.length - 1);
}

/** Score histogram: 20 equal bins on [0, 1]; values outside are clamped into the end bins. */
export const SCORE_BINS = 20;
export const SCORE_EDGES: readonly number[] = Object.freeze(Array.from({ length: SCORE_BINS + 1 }, (_, i) => i / SCORE_BINS));

export function scoreBin(x: number): number {
  if (!(x > 0)) return 0;
  const i = Math.floor(x * SCORE_BINS);
  return i >= SCORE_BINS ? SCORE_BINS - 1 : i;
}
