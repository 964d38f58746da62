/**
 * The shapes an evaluation produces: what one run of a version over a
 * labelled data set measured, the verdict of each gate, and the report that
 * is rendered (JSON, Markdown, HTML, JUnit) and stored on the version as
 * evidence. Plain data only, so a report survives JSON round trips.
 */
import type { DatasetDrift } from '../drift/dataset-drift.ts';
import type { SuiteResult } from '../data/suite.ts';
import type { ClassLabel } from './metrics.ts';

export type Task = 'classification' | 'regression';

export interface LatencyStats {
  /** Rows timed one at a time. */
  readonly singleRows: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly p99_ms: number;
  /** Rows per second of batched inference on rows already in memory. */
  readonly throughput_rps: number;
  readonly batchSize: number;
}

export interface DeterminismResult {
  readonly rows: number;
  readonly identical: boolean;
  /** Output values that differed between the two runs. */
  readonly mismatches: number;
}

export interface SanityResult {
  /** Classification only: rows whose probabilities leave [0, 1] or do not sum to 1 within 1e-4. */
  readonly checked: boolean;
  readonly rows: number;
  readonly outOfRange: number;
  readonly badSums: number;
  readonly nonFinite: number;
  readonly ok: boolean;
}

export interface RobustnessResult {
  readonly rows: number;
  /** Noise standard deviation as a share of each feature's standard deviation. */
  readonly noiseScale: number;
  readonly seed: number;
  /** Share of rows whose prediction did not change (regression: changed by at most 10% of the predictions' spread). */
  readonly agreement: number;
}

export interface GroupMetrics {
  readonly group: string;
  readonly size: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface FairnessResult {
  readonly column: string;
  readonly groups: readonly GroupMetrics[];
  readonly minGroupSize: number;
  /** Binary classification only: positive class whose selection rates are compared. */
  readonly positiveLabel?: ClassLabel;
  readonly demographic_parity_difference?: number;
  readonly demographic_parity_ratio?: number;
  readonly equalized_odds_difference?: number;
  /** demographic_parity_ratio ≥ 0.8. */
  readonly fourFifths?: boolean;
  /** Why parity metrics are absent, when they are. */
  readonly note?: string;
}

export interface RocCurve {
  /** Up to a few hundred points, false-positive rate ascending. */
  readonly fpr: readonly number[];
  readonly tpr: readonly number[];
}

export interface DriftHistogram {
  readonly column: string;
  readonly edges: readonly number[];
  readonly reference: readonly number[];
  readonly current: readonly number[];
}

export type DriftOutcome =
  | { readonly kind: 'computed'; readonly result: DatasetDrift; readonly histograms: readonly DriftHistogram[] }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Everything measured about one version on one data set. */
export interface EvaluationResult {
  readonly model: string;
  readonly version: number;
  readonly dataset: { readonly file: string; readonly rows: number; readonly label: string };
  readonly task: Task;
  /** Flat metric name → value: the names gates refer to. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly labels?: readonly ClassLabel[];
  readonly confusionMatrix?: readonly (readonly number[])[];
  readonly roc?: RocCurve;
  readonly latency?: LatencyStats;
  readonly determinism?: DeterminismResult;
  readonly sanity?: SanityResult;
  readonly robustness?: RobustnessResult;
  readonly fairness: readonly FairnessResult[];
  readonly drift: DriftOutcome;
  readonly durationMs: number;
}

export type GateOutcome = 'passed' | 'failed' | 'inconclusive';

export interface GateResult {
  readonly kind: GateOutcome;
  /** A short name, e.g. "metric accuracy" or "latency p99_ms". */
  readonly gate: string;
  /** Words and numbers: what was compared with what. */
  readonly reason: string;
}

/** `no-gates` is deliberately not `passed`: an evaluation nobody asked to judge proves nothing. */
export type Verdict = 'passed' | 'failed' | 'inconclusive' | 'no-gates';

export interface BaselineInfo {
  readonly version: number;
  readonly ref: string;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface EvaluationReport {
  readonly kind: 'modelgate.evaluation';
  readonly createdAt: string;
  readonly verdict: Verdict;
  readonly summary: string;
  readonly candidate: EvaluationResult;
  readonly baseline: BaselineInfo | null;
  readonly gates: readonly GateResult[];
  readonly dataQuality?: SuiteResult;
}
