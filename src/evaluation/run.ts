/**
 * Evaluation of one version over a labelled data set: task metrics, latency,
 * determinism, output sanity, robustness to noise, fairness by group columns
 * and drift against the version's stored training reference. The model runs
 * through the same ModelSession serving uses, loaded from the version's
 * serving artifact.
 */
import { performance } from 'node:perf_hooks';
import type { ColumnData, DatasetProgress } from '../data/dataset.ts';
import { seededRng } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import { ModelSession } from '../runtime/session.ts';
import type { VersionRecord } from '../store/registry-types.ts';
import { latencyAndDeterminism, outputSanity, robustness } from './checks.ts';
import { fairness } from './fairness.ts';
import { classificationMetrics, regressionMetrics, type ClassLabel } from './metrics.ts';
import type { ModelSource } from './model-source.ts';
import { createPredictor } from './predictor.ts';
import { readsInThread, scanDataset, type ScanResult } from './scan.ts';
import { driftColumns, driftOutcome, driftOutcomeInThreads, sharesColumns } from './drift-outcome.ts';
import type { EvaluationResult } from './types.ts';

const DRIFT_THREAD_FROM_ROWS = 200_000;

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
  /** Read a CSV, TSV or Parquet file in a worker thread beside inference (default: files of 32 MiB or more). */
  readonly readInThread?: boolean;
  /** A high-resolution timer in milliseconds (default performance.now). */
  readonly now?: () => number;
  readonly onProgress?: (progress: DatasetProgress) => void;
  /** Receives the data set's columns once read (for data-quality suites), so the file is read once. */
  readonly onData?: (data: ColumnData) => void;
}

/** Labels when the model names none: every true and predicted label, sorted as text; numbers where the data has them as numbers. */
function observedLabels(yTrue: ArrayLike<number | string>, classes: readonly ClassLabel[]): ClassLabel[] {
  const seen = new Set<number | string>(Array.from(yTrue));
  return [...new Set([...seen, ...classes].map(String))].sort().map((s) => (seen.has(Number(s)) ? Number(s) : s));
}

function taskMetrics(scan: ScanResult): Pick<EvaluationResult, 'metrics' | 'labels' | 'confusionMatrix' | 'roc'> {
  if (scan.predictor.task === 'regression') {
    const m = regressionMetrics(scan.yTrue instanceof Float64Array ? scan.yTrue : Float64Array.from(scan.yTrue, Number), scan.values!);
    return { metrics: { ...m } };
  }
  const probs = scan.probabilities;
  const labels: ClassLabel[] = scan.predictor.classLabels !== undefined && probs !== undefined
    ? [...scan.predictor.classLabels]
    : observedLabels(scan.yTrue, scan.classes!);
  const m = classificationMetrics({ yTrue: scan.yTrue, yPred: scan.classes!, labels, ...(probs ? { probabilities: probs } : {}) });
  const metrics: Record<string, number> = {};
  for (const [key, value] of Object.entries(m)) if (typeof value === 'number') metrics[key] = value;
  for (const c of m.perClass) {
    metrics[`precision_class_${c.label}`] = c.precision;
    metrics[`recall_class_${c.label}`] = c.recall;
    metrics[`f1_class_${c.label}`] = c.f1;
  }
  return { metrics, labels, confusionMatrix: m.confusionMatrix, ...(m.roc ? { roc: m.roc } : {}) };
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
  const readInThread = await readsInThread(options.file, options.readInThread);
  // While a worker thread reads, the runtime's idle threads do not spin between runs: they would take the core the
  // reader needs. Its thread count stays the default: with one thread a tree ensemble sums in another order, and
  // its outputs (and metrics) change.
  const session = await ModelSession.load(file.path, { label: target, ...(readInThread ? { allowSpinning: false } : {}) });
  let checkSession: ModelSession | undefined;
  let driftThread: ReturnType<typeof driftOutcomeInThreads> | undefined;
  try {
    const scan = await scanDataset({
      file: options.file, label, batchSize, keepRows: checkRows, target, onProgress: options.onProgress, readInThread,
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
    const driftInput = { profile: version.referenceProfile, version: version.version, columns: scan.data.columns, values: scan.data.values, label };
    // Large numeric data: drift runs in two worker threads (half the columns each) on the columns' shared memory while the checks below run here.
    const compared = driftColumns(driftInput);
    if (scan.data.rows >= DRIFT_THREAD_FROM_ROWS && compared !== undefined && sharesColumns(compared)) driftThread = driftOutcomeInThreads({ ...driftInput, values: compared }, 2);
    const seed = options.seed ?? 42;
    let predictor = scan.predictor;
    if (readInThread) {
      // Latency and throughput are measured as serving runs the model: with the runtime's defaults.
      await session.release();
      checkSession = await ModelSession.load(file.path, { label: target });
      predictor = createPredictor(checkSession, version, scan.data.columns, [label, ...groupBy]);
    }
    const { latency, determinism } = await latencyAndDeterminism(predictor, scan.kept, scan.keptRows, { singleRows: options.latencyRows ?? 200, batchSize, now });
    const robust = await robustness(predictor, scan.kept, scan.keptRows, { stds: scan.stds, noiseScale: options.noiseScale ?? 0.05, rng: seededRng(seed), seed, batchSize });
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
      drift: driftThread === undefined ? driftOutcome(driftInput) : await driftThread.outcome, durationMs: now() - started,
    };
  } finally {
    await driftThread?.cancel();
    await checkSession?.release();
    await session.release();
    await file.release();
  }
}
