/**
 * The gates file (`modelgate evaluate --gates gates.yaml`), parsed strictly:
 * every gate has exactly one kind key, and an unknown key is an error that
 * names the key, the gate and the file. Paths inside (a data-quality suite)
 * are relative to the gates file.
 *
 *   first_version: pass          # no baseline: baseline comparisons pass | fail
 *   gates:
 *     - { metric: accuracy, threshold: 0.9, min_absolute_change: -0.01 }
 *     - { latency: p99_ms, max: 20 }
 *     - { fairness: demographic_parity_ratio, group_by: sex, min: 0.8 }
 *     - { drift: share_of_drifted_columns, max: 0.5 }
 *     - { data_quality: suite.yaml }
 *     - { signature: compatible }
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { fail } from '../lib/errors.ts';

export const LATENCY_STATS = ['p50_ms', 'p95_ms', 'p99_ms', 'throughput_rps'] as const;
export const FAIRNESS_MEASURES = ['demographic_parity_difference', 'demographic_parity_ratio', 'equalized_odds_difference', 'min_group_size', 'four_fifths'] as const;
export const DRIFT_MEASURES = ['share_of_drifted_columns', 'drifted_columns', 'dataset_drift'] as const;

/** Metrics where smaller is better unless the gate says otherwise. */
const LOWER_IS_BETTER = /^(log_loss|mae|rmse|mape|latency_.*)$/;

export type Gate =
  | { readonly kind: 'metric'; readonly metric: string; readonly threshold?: number; readonly minAbsoluteChange?: number; readonly minRelativeChange?: number; readonly greaterIsBetter: boolean }
  | { readonly kind: 'latency'; readonly stat: (typeof LATENCY_STATS)[number]; readonly min?: number; readonly max?: number }
  | { readonly kind: 'fairness'; readonly measure: (typeof FAIRNESS_MEASURES)[number]; readonly groupBy: string; readonly min?: number; readonly max?: number; readonly minGroupSize: number }
  | { readonly kind: 'drift'; readonly measure: (typeof DRIFT_MEASURES)[number]; readonly max?: number }
  | { readonly kind: 'data_quality'; readonly suite: string; readonly path: string }
  | { readonly kind: 'signature' }
  | { readonly kind: 'robustness'; readonly min: number }
  | { readonly kind: 'determinism' }
  | { readonly kind: 'sanity' };

export interface GatesFile {
  readonly file: string;
  readonly firstVersion: 'pass' | 'fail';
  readonly gates: readonly Gate[];
}

const KIND_KEYS = ['metric', 'latency', 'fairness', 'drift', 'data_quality', 'signature', 'robustness', 'determinism', 'sanity'] as const;
const OPTIONS: Readonly<Record<(typeof KIND_KEYS)[number], readonly string[]>> = {
  metric: ['threshold', 'min_absolute_change', 'min_relative_change', 'greater_is_better'],
  latency: ['min', 'max'],
  fairness: ['group_by', 'min', 'max', 'min_group_size'],
  drift: ['max'],
  data_quality: [],
  signature: [],
  robustness: ['min'],
  determinism: [],
  sanity: [],
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseGate(file: string, raw: unknown, i: number): Gate {
  const bad = (detail: string): never => fail('MG_EVAL_GATES_INVALID', { file, detail: `gates[${i}]: ${detail}` });
  if (!isRecord(raw)) return bad('must be a mapping such as {metric: accuracy, threshold: 0.9}');
  const kinds = KIND_KEYS.filter((k) => k in raw);
  if (kinds.length !== 1) return bad(kinds.length === 0 ? `needs one of ${KIND_KEYS.join(', ')}; got keys ${Object.keys(raw).join(', ') || '(none)'}` : `has several kinds (${kinds.join(', ')}); write one gate per list item`);
  const kind = kinds[0]!;
  for (const key of Object.keys(raw)) if (key !== kind && !OPTIONS[kind].includes(key)) bad(`unknown key "${key}" for a ${kind} gate; allowed: ${OPTIONS[kind].join(', ') || '(none)'}`);
  const num = (key: string): number | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : bad(`"${key}" must be a number`);
  };
  const oneOf = <T extends string>(allowed: readonly T[]): T => {
    const v = raw[kind];
    return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : bad(`${kind} must be one of ${allowed.join(', ')}; got "${String(v)}"`);
  };
  const bounds = (): { min?: number; max?: number } => {
    const min = num('min');
    const max = num('max');
    if (min === undefined && max === undefined) bad(`a ${kind} gate needs "min" or "max"`);
    return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  };
  switch (kind) {
    case 'metric': {
      const metric = raw.metric;
      if (typeof metric !== 'string' || metric === '') return bad('"metric" must be a metric name such as accuracy');
      const threshold = num('threshold');
      const minAbsoluteChange = num('min_absolute_change');
      const minRelativeChange = num('min_relative_change');
      if (threshold === undefined && minAbsoluteChange === undefined && minRelativeChange === undefined) {
        bad(`metric gate "${metric}" needs threshold, min_absolute_change or min_relative_change`);
      }
      const gib = raw.greater_is_better;
      if (gib !== undefined && typeof gib !== 'boolean') bad('"greater_is_better" must be true or false');
      return {
        kind: 'metric', metric, greaterIsBetter: (gib as boolean | undefined) ?? !LOWER_IS_BETTER.test(metric),
        ...(threshold !== undefined ? { threshold } : {}),
        ...(minAbsoluteChange !== undefined ? { minAbsoluteChange } : {}),
        ...(minRelativeChange !== undefined ? { minRelativeChange } : {}),
      };
    }
    case 'latency':
      return { kind: 'latency', stat: oneOf(LATENCY_STATS), ...bounds() };
    case 'fairness': {
      const measure = oneOf(FAIRNESS_MEASURES);
      if (typeof raw.group_by !== 'string' || raw.group_by === '') bad('a fairness gate needs "group_by", the group column');
      const minGroupSize = num('min_group_size') ?? 30;
      return { kind: 'fairness', measure, groupBy: raw.group_by as string, minGroupSize, ...(measure === 'four_fifths' ? {} : bounds()) };
    }
    case 'drift': {
      const measure = oneOf(DRIFT_MEASURES);
      const max = num('max');
      if (max === undefined && measure !== 'dataset_drift') bad(`a ${measure} drift gate needs "max"`);
      return { kind: 'drift', measure, ...(max !== undefined ? { max } : {}) };
    }
    case 'data_quality':
      if (typeof raw.data_quality !== 'string' || raw.data_quality === '') bad('"data_quality" must be the path of a suite file');
      return { kind: 'data_quality', suite: raw.data_quality as string, path: resolve(dirname(file), raw.data_quality as string) };
    case 'signature':
      if (raw.signature !== 'compatible') bad(`signature must be "compatible"; got "${String(raw.signature)}"`);
      return { kind: 'signature' };
    case 'robustness': {
      if (raw.robustness !== 'agreement') bad(`robustness must be "agreement"; got "${String(raw.robustness)}"`);
      const min = num('min') ?? bad('a robustness gate needs "min", the lowest acceptable agreement rate');
      return { kind: 'robustness', min };
    }
    case 'determinism':
    case 'sanity':
      if (raw[kind] !== true) bad(`${kind} takes true`);
      return { kind };
  }
}

/** Validates a parsed gates document. */
export function parseGates(file: string, doc: unknown): GatesFile {
  if (doc === null || doc === undefined) return { file, firstVersion: 'fail', gates: [] };
  if (!isRecord(doc)) fail('MG_EVAL_GATES_INVALID', { file, detail: 'the top level must be a mapping with "gates"' });
  for (const key of Object.keys(doc)) if (key !== 'gates' && key !== 'first_version') fail('MG_EVAL_GATES_INVALID', { file, detail: `unknown key "${key}"; allowed: first_version, gates` });
  const first = doc.first_version ?? 'fail';
  if (first !== 'pass' && first !== 'fail') fail('MG_EVAL_GATES_INVALID', { file, detail: `first_version must be pass or fail; got "${String(first)}"` });
  const gates = doc.gates ?? [];
  if (!Array.isArray(gates)) fail('MG_EVAL_GATES_INVALID', { file, detail: '"gates" must be a list' });
  return { file, firstVersion: first, gates: gates.map((g, i) => parseGate(file, g, i)) };
}

export async function loadGates(file: string): Promise<GatesFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return fail('MG_EVAL_GATES_INVALID', { file, detail: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((err as Error).message) }, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return fail('MG_EVAL_GATES_INVALID', { file, detail: `not valid YAML: ${(err as Error).message}` }, { cause: err });
  }
  return parseGates(file, doc);
}
