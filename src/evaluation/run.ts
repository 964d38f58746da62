/**
 * Evaluation of one version over a labelled data set: task metrics, latency,
 * determinism, output sanity, robustness to noise, fairness by group columns
 * and drift against the version's stored training reference. The model runs
 * through the same ModelSession serving uses, loaded from the version's
 * serving artifact.
 */
import { performance } from 'node:perf_hooks';
import type { ColumnData, DatasetProgress } from '../data/dataset.ts';
import { detectDrift } from '../drift/dataset-drift.ts';
import { histogramCounts } from '../drift/binning.ts';
import { seededRng } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import { ModelSession } from '../runtime/session.ts';
import type { VersionRecord } from '../store/registry-types.ts';
import { latencyAndDeterminism, outputSanity, robustness } from './checks.ts';
import { fairness } from './fairness.ts';
import { classificationMetrics, regressionMetrics, type ClassLabel } from './metrics.ts';
import type { ModelSource } from './model-source.ts';
import { createPredictor } from './predictor.ts';
import { scanDataset, type ScanResult } from './scan.ts';
import type { DriftHistogram, DriftOutcome, EvaluationResult, RocCurve } from './types.ts';

export interface EvaluateOptions {
  readonly version: VersionRecord;
  readonly source: ModelSource;
  readonly file: string;
  readonly label: string;
  /** Group columns for fairness (the CLI's --group-by and any fairness gate's group_by). */
  readonly groupBy?: readonly string[];
  /** Rows per inference batch (default 1024). */
  readonly batchSize?: number;
  /** Rows timed one at a time (default 200). */
  readonly latencyRows?: number;
  /** Rows used for throughput, determinism and robustness (default 10,000). */
  readonly checkRows?: number;
  /** Noise standard deviation as a share of each feature's (default 0.05). */
  readonly noiseScale?: number;
  readonly seed?: number;
  /** Only task metrics: what a baseline comparison needs. */
  readonly metricsOnly?: boolean;
  /** A high-resolution timer in milliseconds (default performance.now). */
  readonly now?: () => number;
  readonly onProgress?: (progress: DatasetProgress) => void;
  /** Receives the data set's columns once read (for data-quality suites), so the file is read once. */
  readonly onData?: (data: ColumnData) => void;
}

function rocCurve(positive: readonly boolean[], scores: ArrayLike<number>, maxPoints = 200): RocCurve {
  const order = Array.from(scores, (s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
  const P = positive.filter(Boolean).length;
  const N = positive.length - P;
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    if (positive[order[i]![1]]) tp++;
    else fp++;
    if (i + 1 < order.length && order[i + 1]![0] === order[i]![0]) continue;
    fpr.push(N === 0 ? 0 : fp / N);
    tpr.push(P === 0 ? 0 : tp / P);
  }
  if (fpr.length <= maxPoints) return { fpr, tpr };
  const step = (fpr.length - 1) / (maxPoints - 1);
  const idx = Array.from({ length: maxPoints }, (_, i) => Math.round(i * step));
  return { fpr: idx.map((i) => fpr[i]!), tpr: idx.map((i) => tpr[i]!) };
}

function taskMetrics(scan: ScanResult): Pick<EvaluationResult, 'metrics' | 'labels' | 'confusionMatrix' | 'roc'> {
  const n = scan.data.rows;
  if (scan.predictor.task === 'regression') {
    const m = regressionMetrics(scan.yTrue.map(Number), Array.from(scan.values!));
    return { metrics: { ...m } };
  }
  const probs = scan.probabilities;
  const k = probs === undefined ? 0 : probs.length / n;
  const labels: ClassLabel[] = scan.predictor.classLabels !== undefined && probs !== undefined
    ? [...scan.predictor.classLabels]
    : [...new Set([...scan.yTrue, ...scan.classes!].map(String))].sort().map((s) => (scan.yTrue.some((y) => y === Number(s)) ? Number(s) : s));
  const rows = probs === undefined ? undefined : Array.from({ length: n }, (_, r) => Array.from(probs.subarray(r * k, (r + 1) * k)));
  const m = classificationMetrics({ yTrue: scan.yTrue, yPred: scan.classes!, labels, ...(rows ? { probabilities: rows } : {}) });
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(m)) if (typeof value === 'number') metrics[key] = value;
  for (const c of m.perClass) {
    metrics[`precision_class_${c.label}`] = c.precision;
    metrics[`recall_class_${c.label}`] = c.recall;
    metrics[`f1_class_${c.label}`] = c.f1;
  }
  const roc = probs !== undefined && k === 2 ? rocCurve(scan.yTrue.map((y) => String(y) === String(labels[1])), Array.from({ length: n }, (_, r) => probs[r * 2 + 1]!)) : undefined;
  return { metrics, labels, confusionMatrix: m.confusionMatrix, ...(roc ? { roc } : {}) };
}

function drift(version: VersionRecord, scan: ScanResult, label: string): DriftOutcome {
  const profile = version.referenceProfile;
  if (profile === null) return { kind: 'unavailable', reason: `version ${version.version} has no training reference profile (register it with --train-data)` };
  const present = Object.keys(profile.features).filter((c) => c !== label && scan.data.values[c] !== undefined);
  if (present.length === 0) return { kind: 'unavailable', reason: 'the data set shares no column with the training reference' };
  const result = detectDrift(profile, { columns: scan.data.columns, values: scan.data.values }, { columns: present });
  const histograms: DriftHistogram[] = [];
  for (const column of present) {
    const f = profile.features[column]!;
    if (f.kind !== 'numeric' || f.histogram.edges.length < 2) continue;
    // Text, missing and non-finite values fall outside every bin.
    histograms.push({ column, edges: f.histogram.edges, reference: f.histogram.counts, current: histogramCounts(scan.data.values[column]!, f.histogram.edges) });
  }
  return { kind: 'computed', result, histograms };
}

/** Runs the version over the data set and measures everything gates can judge. */
export async function evaluateVersion(options: EvaluateOptions): Promise<EvaluationResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const { version, label } = options;
  const target = `${version.model} v${version.version}`;
  const groupBy = [...new Set(options.groupBy ?? [])];
  const batchSize = options.batchSize ?? 1024;
  const checkRows = options.metricsOnly ? 0 : options.checkRows ?? 10_000;
  const file = await options.source.open(version);
  const session = await ModelSession.load(file.path, { label: target });
  try {
    const scan = await scanDataset({
      file: options.file, label, batchSize, keepRows: checkRows, target, onProgress: options.onProgress,
      predictor: (columns) => {
        for (const g of groupBy) {
          if (!columns.includes(g)) fail('MG_EVAL_DATA_MISMATCH', { file: options.file, target, detail: `group column "${g}" is not among the columns ${columns.join(', ')}` });
        }
        return createPredictor(session, version, columns, [label, ...groupBy]);
      },
    });
    options.onData?.(scan.data);
    const task = taskMetrics(scan);
    const base = {
      model: version.model, version: version.version,
      dataset: { file: options.file, rows: scan.data.rows, label },
      task: scan.predictor.task, ...task,
    };
    if (options.metricsOnly) return { ...base, fairness: [], drift: { kind: 'unavailable', reason: 'not computed for a baseline' }, durationMs: now() - started };
    const seed = options.seed ?? 42;
    const { latency, determinism } = await latencyAndDeterminism(scan.predictor, scan.kept, scan.keptRows, { singleRows: options.latencyRows ?? 200, batchSize, now });
    const robust = await robustness(scan.predictor, scan.kept, scan.keptRows, { stds: scan.stds, noiseScale: options.noiseScale ?? 0.05, rng: seededRng(seed), seed, batchSize });
    const sanity = outputSanity(scan.probabilities, scan.data.rows);
    const groups = groupBy.map((column) => fairness({
      column, groups: scan.data.values[column]!, task: scan.predictor.task, yTrue: scan.yTrue,
      yPred: scan.predictor.task === 'regression' ? scan.values! : scan.classes!,
      ...(task.labels ? { labels: task.labels } : {}),
    }));
    const metrics: Record<string, number> = {
      ...task.metrics,
      latency_p50_ms: latency.p50_ms, latency_p95_ms: latency.p95_ms, latency_p99_ms: latency.p99_ms,
      throughput_rps: latency.throughput_rps,
      robustness_agreement: robust.agreement,
    };
    return {
      ...base, metrics, latency, determinism, sanity, robustness: robust, fairness: groups,
      drift: drift(version, scan, label), durationMs: now() - started,
    };
  } finally {
    await session.release();
    await file.release();
  }
}
