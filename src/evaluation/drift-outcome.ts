/**
 * Drift of an evaluation's data against the version's stored training
 * reference: the drift test of each shared feature and the current data's
 * counts in the training histogram's bins. For large data it runs in worker
 * threads, each over part of the columns, on the columns' shared memory,
 * beside the evaluation's other checks.
 */
import { Worker } from 'node:worker_threads';
import type { Column } from '../data/dataset.ts';
import { histogramCounts } from '../drift/binning.ts';
import { detectDrift, summariseDrift } from '../drift/dataset-drift.ts';
import { ModelgateError, type ErrorCode, type ErrorContext } from '../lib/errors.ts';
import type { ReferenceProfile } from '../store/registry-types.ts';
import type { DriftHistogram, DriftOutcome } from './types.ts';

export interface DriftInput {
  readonly profile: ReferenceProfile | null;
  readonly version: number;
  readonly columns: readonly string[];
  readonly values: Readonly<Record<string, Column>>;
  readonly label: string;
}

export type DriftWorkerReply =
  | { readonly kind: 'done'; readonly outcome: DriftOutcome }
  | { readonly kind: 'failed'; readonly code: ErrorCode; readonly context: ErrorContext }
  | { readonly kind: 'crashed'; readonly error: unknown };

export function driftOutcome(input: DriftInput): DriftOutcome {
  const { profile, values } = input;
  if (profile === null) return { kind: 'unavailable', reason: `version ${input.version} has no training reference profile (register it with --train-data)` };
  const present = Object.keys(driftColumns(input)!);
  if (present.length === 0) return { kind: 'unavailable', reason: 'the data set shares no column with the training reference' };
  const result = detectDrift(profile, { columns: input.columns, values }, { columns: present });
  const histograms: DriftHistogram[] = [];
  for (const column of present) {
    const f = profile.features[column]!;
    if (f.kind !== 'numeric' || f.histogram.edges.length < 2) continue;
    // Text, missing and non-finite values fall outside every bin.
    histograms.push({ column, edges: f.histogram.edges, reference: f.histogram.counts, current: histogramCounts(values[column]!, f.histogram.edges) });
  }
  return { kind: 'computed', result, histograms };
}

/** The columns drift compares (the reference's features, the label left out); undefined without a reference. */
export function driftColumns(input: DriftInput): Record<string, Column> | undefined {
  if (input.profile === null) return undefined;
  const out: Record<string, Column> = {};
  for (const c of Object.keys(input.profile.features)) if (c !== input.label && input.values[c] !== undefined) out[c] = input.values[c];
  return out;
}

/** Whether every column is numbers in shared memory, so that a worker reads them without a copy. */
export function sharesColumns(values: Readonly<Record<string, Column>>): boolean {
  const columns = Object.values(values);
  return columns.length > 0 && columns.every((c) => c instanceof Float64Array && c.buffer instanceof SharedArrayBuffer);
}

function inThread(input: DriftInput): Promise<DriftOutcome> & { worker: Worker } {
  const worker = new Worker(new URL('./drift-worker.ts', import.meta.url), { workerData: input });
  const outcome = new Promise<DriftOutcome>((resolve, reject) => {
    worker.once('message', (reply: DriftWorkerReply) => {
      if (reply.kind === 'done') resolve(reply.outcome);
      else reject(reply.kind === 'failed' ? new ModelgateError(reply.code, reply.context) : reply.error);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the drift thread stopped (exit code ${code})`)));
  });
  return Object.assign(outcome, { worker });
}

/** Outcomes over consecutive parts of the columns as the one outcome over all of them. */
function merge(parts: readonly DriftOutcome[]): DriftOutcome {
  const computed = parts.filter((p) => p.kind === 'computed');
  if (computed.length === 0) return parts[0]!;
  return {
    kind: 'computed',
    result: summariseDrift(computed.flatMap((p) => p.result.columns), computed.flatMap((p) => p.result.skipped), computed[0]!.result.driftShare),
    histograms: computed.flatMap((p) => p.histograms),
  };
}

/**
 * driftOutcome in worker threads, each over a consecutive part of the
 * columns (`values` holds only the columns compared): started now, awaited
 * when the outcome is wanted; `cancel` stops them.
 */
export function driftOutcomeInThreads(input: DriftInput, threads: number): { readonly outcome: Promise<DriftOutcome>; cancel(): Promise<void> } {
  const names = Object.keys(input.values);
  const size = Math.ceil(names.length / threads);
  const parts: (Promise<DriftOutcome> & { worker: Worker })[] = [];
  for (let at = 0; at < names.length; at += size) {
    parts.push(inThread({ ...input, values: Object.fromEntries(names.slice(at, at + size).map((n) => [n, input.values[n]!])) }));
  }
  const stop = async (): Promise<void> => {
    await Promise.all(parts.map((p) => p.worker.terminate()));
  };
  const outcome = Promise.all(parts).then(merge).finally(stop);
  // Settled here too, so that an outcome never awaited (a check failed first) is no unhandled rejection.
  outcome.catch(() => {});
  return { outcome, cancel: stop };
}
