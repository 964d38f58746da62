/**
 * One analysis measurement: the candidate's and the stable's live windows
 * (request rate, error rate, latency, prediction distributions), shadow
 * comparisons and external providers, each check judged against an absolute
 * bound or one relative to the stable. Too few samples is inconclusive, never
 * failed (flagger#883). The verdict carries every number it was made from.
 */
import { jensenShannon } from '../drift/jensen-shannon.ts';
import { psi } from '../drift/psi.ts';
import type { ShadowStats } from '../inference/shadow.ts';
import type { AnalysisSpec, Bound, Check, MetricName } from './plan-types.ts';
import { checkProvider } from './analysis-providers.ts';
import type { Fetch } from './webhooks.ts';

/** The part of a monitoring window snapshot analysis reads. */
export interface WindowView {
  readonly requests: number;
  readonly errorRate: number;
  readonly rps: number;
  readonly latency: { readonly p50: number; readonly p95: number; readonly p99: number; readonly mean: number };
  readonly labelCounts: Readonly<Record<string, number>>;
  readonly scoreHistogram: { readonly edges: readonly number[]; readonly counts: readonly number[] };
}

export interface WindowSource {
  snapshot(endpoint: string, version: number, windowMs: number): WindowView;
}

export type CheckResult =
  | { readonly kind: 'passed'; readonly check: string; readonly value: number | string | boolean | null; readonly limit: string }
  | { readonly kind: 'failed'; readonly check: string; readonly value: number | string | boolean | null; readonly limit: string }
  | { readonly kind: 'inconclusive'; readonly check: string; readonly reason: string };

export interface Samples {
  readonly candidate: number;
  readonly stable: number;
  readonly shadowCompared: number;
}

export type Verdict =
  | { readonly kind: 'passed'; readonly at: string; readonly samples: Samples; readonly results: readonly CheckResult[] }
  | { readonly kind: 'failed'; readonly at: string; readonly samples: Samples; readonly results: readonly CheckResult[]; readonly reason: string }
  | { readonly kind: 'inconclusive'; readonly at: string; readonly samples: Samples; readonly results: readonly CheckResult[]; readonly reason: string };

export interface MeasureInput {
  readonly endpoint: string;
  readonly stableVersion: number;
  readonly candidateVersion: number;
  readonly spec: AnalysisSpec;
  readonly windows: WindowSource;
  /** Shadow comparisons summed over every serving process (null: no shadow on this endpoint). */
  readonly shadow: ShadowStats | null;
  readonly at: string;
  readonly fetch?: Fetch;
  readonly secret: string | null;
  readonly now: () => number;
}

/** Shares of label counts (or score histogram bins when there are no labels) over the union of categories. */
function distributions(a: WindowView, b: WindowView): [number[], number[]] | null {
  const keys = [...new Set([...Object.keys(a.labelCounts), ...Object.keys(b.labelCounts)])];
  if (keys.length > 0) return [keys.map((k) => a.labelCounts[k] ?? 0), keys.map((k) => b.labelCounts[k] ?? 0)];
  const sa = a.scoreHistogram.counts.reduce((s, v) => s + v, 0);
  const sb = b.scoreHistogram.counts.reduce((s, v) => s + v, 0);
  if (sa === 0 || sb === 0) return null;
  return [[...a.scoreHistogram.counts], [...b.scoreHistogram.counts]];
}

function smoothedShares(counts: readonly number[]): number[] {
  const total = counts.reduce((s, v) => s + v, 0) + counts.length * 0.5;
  return counts.map((c) => (c + 0.5) / total);
}

const WINDOW_METRICS: Partial<Record<MetricName, (w: WindowView) => number>> = {
  request_rate: (w) => w.rps,
  error_rate: (w) => w.errorRate,
  latency_p50_ms: (w) => w.latency.p50,
  latency_p95_ms: (w) => w.latency.p95,
  latency_p99_ms: (w) => w.latency.p99,
  latency_mean_ms: (w) => w.latency.mean,
};

function shadowMetric(metric: MetricName, s: ShadowStats): number | null {
  switch (metric) {
    case 'shadow_agreement': return s.labelAgreement;
    case 'shadow_score_diff_mean': return s.meanAbsScoreDiff;
    case 'shadow_score_diff_max': return s.maxAbsScoreDiff;
    case 'shadow_latency_ratio': return s.latencyRatio;
    case 'shadow_error_rate': return s.errorRate;
    default: return null;
  }
}

function describeBound(b: Bound, stable: number | null): string {
  if (typeof b === 'number') return String(b);
  const base = stable === null ? 'stable' : String(round(stable));
  return `${b.times !== 1 ? `${b.times} × ` : ''}${base}${b.plus !== 0 ? ` + ${b.plus}` : ''}`;
}

function resolve(b: Bound, stable: number | null): number | null {
  if (typeof b === 'number') return b;
  return stable === null ? null : stable * b.times + b.plus;
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

function judge(check: string, value: number, stable: number | null, max: Bound | null, min: Bound | null): CheckResult {
  const hi = max === null ? null : resolve(max, stable);
  const lo = min === null ? null : resolve(min, stable);
  const limit = [max === null ? '' : `≤ ${describeBound(max, stable)}`, min === null ? '' : `≥ ${describeBound(min, stable)}`].filter(Boolean).join(', ');
  // Float noise on equal distributions (relative bounds with times 1) must not fail a check.
  const ok = (hi === null || value <= hi + 1e-9) && (lo === null || value >= lo - 1e-9);
  return { kind: ok ? 'passed' : 'failed', check, value: round(value), limit };
}

function metricCheck(c: Extract<Check, { kind: 'metric' }>, input: MeasureInput, cand: WindowView, stable: WindowView): CheckResult {
  const { metric } = c;
  const min = input.spec.minSamples;
  const relative = (c.max !== null && typeof c.max !== 'number') || (c.min !== null && typeof c.min !== 'number');
  if (metric.startsWith('shadow_')) {
    if (input.shadow === null) return { kind: 'inconclusive', check: metric, reason: 'no shadow on this endpoint' };
    if (input.shadow.mirrored < min) return { kind: 'inconclusive', check: metric, reason: `${input.shadow.mirrored} shadow comparisons, fewer than ${min}` };
    const v = shadowMetric(metric, input.shadow);
    if (v === null) return { kind: 'inconclusive', check: metric, reason: 'the models give no comparable output' };
    return judge(metric, v, null, c.max, c.min);
  }
  if (cand.requests < min) return { kind: 'inconclusive', check: metric, reason: `${cand.requests} candidate requests, fewer than ${min}` };
  if (metric === 'prediction_divergence' || metric === 'prediction_psi') {
    if (stable.requests < min) return { kind: 'inconclusive', check: metric, reason: `${stable.requests} stable requests, fewer than ${min}` };
    const d = distributions(cand, stable);
    if (d === null) return { kind: 'inconclusive', check: metric, reason: 'no predictions recorded to compare' };
    const v = metric === 'prediction_divergence' ? jensenShannon(d[0], d[1]) : psi(smoothedShares(d[1]), smoothedShares(d[0]));
    return judge(metric, v, null, c.max, c.min);
  }
  const read = WINDOW_METRICS[metric]!;
  if (relative && stable.requests < min) return { kind: 'inconclusive', check: metric, reason: `${stable.requests} stable requests, fewer than ${min}` };
  return judge(metric, read(cand), relative ? read(stable) : null, c.max, c.min);
}

/** Takes one measurement and judges it. */
export async function measure(input: MeasureInput): Promise<Verdict> {
  const cand = input.windows.snapshot(input.endpoint, input.candidateVersion, input.spec.windowMs);
  const stable = input.windows.snapshot(input.endpoint, input.stableVersion, input.spec.windowMs);
  const results: CheckResult[] = [];
  for (const c of input.spec.checks) {
    if (c.kind === 'metric') results.push(metricCheck(c, input, cand, stable));
    else results.push(await checkProvider(c, input));
  }
  const samples: Samples = { candidate: cand.requests, stable: stable.requests, shadowCompared: input.shadow?.mirrored ?? 0 };
  const failed = results.filter((r) => r.kind === 'failed');
  if (failed.length > 0) {
    const reason = failed.map((r) => `${r.check} = ${r.value} (limit ${r.limit})`).join('; ');
    return { kind: 'failed', at: input.at, samples, results, reason };
  }
  const unsure = results.filter((r) => r.kind === 'inconclusive');
  if (unsure.length > 0) return { kind: 'inconclusive', at: input.at, samples, results, reason: unsure.map((r) => `${r.check}: ${r.reason}`).join('; ') };
  return { kind: 'passed', at: input.at, samples, results };
}
