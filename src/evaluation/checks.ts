/**
 * Behaviour checks that need the model again on rows held in memory:
 * single-row latency percentiles, batch throughput, determinism (two runs of
 * the same rows give bit-identical outputs), output sanity (probabilities in
 * [0, 1] that sum to 1 within 1e-4) and robustness (Gaussian noise scaled to
 * each feature's standard deviation, from a seeded Rng, and the share of
 * predictions that stay the same).
 */
import type { Rng } from '../lib/clock.ts';
import type { NamedTensor } from '../runtime/tensor.ts';
import type { BatchPrediction, Predictor } from './predictor.ts';
import type { DeterminismResult, LatencyStats, RobustnessResult, SanityResult } from './types.ts';

/** Linear-interpolation percentile (numpy's default) of unsorted values. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

async function runBatches(predictor: Predictor, matrix: Float32Array | Float64Array, rows: number, batchSize: number): Promise<BatchPrediction[]> {
  const width = predictor.features.length;
  const out: BatchPrediction[] = [];
  for (let start = 0; start < rows; start += batchSize) {
    const n = Math.min(batchSize, rows - start);
    out.push(await predictor.predict(matrix.subarray(start * width, (start + n) * width), n));
  }
  return out;
}

function sameTensor(a: NamedTensor, b: NamedTensor): number {
  if (a.data.length !== b.data.length) return Math.max(a.data.length, b.data.length);
  let diff = 0;
  const x = a.data as ArrayLike<unknown>;
  const y = b.data as ArrayLike<unknown>;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) diff++;
  return diff;
}

/** Times single rows, then runs the rows twice in batches: latency, throughput and determinism from one pass. */
export async function latencyAndDeterminism(
  predictor: Predictor, matrix: Float32Array | Float64Array, rows: number,
  options: { singleRows: number; batchSize: number; now: () => number },
): Promise<{ latency: LatencyStats; determinism: DeterminismResult }> {
  const width = predictor.features.length;
  const single = Math.min(rows, options.singleRows);
  const times: number[] = [];
  for (let r = 0; r < single; r++) {
    const t0 = options.now();
    await predictor.predict(matrix.subarray(r * width, (r + 1) * width), 1);
    times.push(options.now() - t0);
  }
  const t0 = options.now();
  const first = await runBatches(predictor, matrix, rows, options.batchSize);
  const second = await runBatches(predictor, matrix, rows, options.batchSize);
  const seconds = Math.max((options.now() - t0) / 1000, 1e-9);
  let mismatches = 0;
  first.forEach((batch, b) => batch.raw.forEach((t, i) => (mismatches += sameTensor(t, second[b]!.raw[i]!))));
  return {
    latency: {
      singleRows: single, batchSize: options.batchSize,
      p50_ms: percentile(times, 50), p95_ms: percentile(times, 95), p99_ms: percentile(times, 99),
      throughput_rps: (2 * rows) / seconds,
    },
    determinism: { rows, identical: mismatches === 0, mismatches },
  };
}

/** Probability rows checked for range, finiteness and sum. */
export function outputSanity(probabilities: ArrayLike<number> | undefined, rows: number): SanityResult {
  if (probabilities === undefined || rows === 0) return { checked: false, rows: 0, outOfRange: 0, badSums: 0, nonFinite: 0, ok: true };
  const k = probabilities.length / rows;
  let outOfRange = 0;
  let badSums = 0;
  let nonFinite = 0;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    let range = false;
    let finite = true;
    for (let c = 0; c < k; c++) {
      const p = probabilities[r * k + c]!;
      if (!Number.isFinite(p)) finite = false;
      else if (p < 0 || p > 1) range = true;
      sum += p;
    }
    if (!finite) nonFinite++;
    if (range) outOfRange++;
    if (finite && Math.abs(sum - 1) > 1e-4) badSums++;
  }
  return { checked: true, rows, outOfRange, badSums, nonFinite, ok: outOfRange + badSums + nonFinite === 0 };
}

/** A standard normal draw (Box–Muller). */
export function gaussian(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

export async function robustness(
  predictor: Predictor, matrix: Float32Array | Float64Array, rows: number,
  options: { stds: readonly number[]; noiseScale: number; rng: Rng; seed: number; batchSize: number },
): Promise<RobustnessResult> {
  const width = predictor.features.length;
  const noisy = predictor.allocate(rows);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      const v = matrix[r * width + j]!;
      noisy[r * width + j] = v + gaussian(options.rng) * options.noiseScale * (options.stds[j] ?? 0);
    }
  }
  const clean = await runBatches(predictor, matrix, rows, options.batchSize);
  const perturbed = await runBatches(predictor, noisy, rows, options.batchSize);
  let agree = 0;
  if (predictor.task === 'classification') {
    clean.forEach((b, i) => b.classes!.forEach((c, r) => {
      if (String(c) === String(perturbed[i]!.classes![r])) agree++;
    }));
  } else {
    const a = clean.flatMap((b) => Array.from(b.values!));
    const z = perturbed.flatMap((b) => Array.from(b.values!));
    const mean = a.reduce((s, v) => s + v, 0) / Math.max(a.length, 1);
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(a.length, 1));
    a.forEach((v, i) => {
      if (Math.abs(v - z[i]!) <= 0.1 * sd) agree++;
    });
  }
  return { rows, noiseScale: options.noiseScale, seed: options.seed, agreement: rows === 0 ? 1 : agree / rows };
}
