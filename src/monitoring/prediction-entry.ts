/**
 * Turns one captured request into the prediction-log row the store writes.
 * The log keeps only references to the request's already-decoded tensors
 * (fresh per request, never a reused buffer) until its flush, so this runs
 * off the response path, once per logged entry. The common case (numeric
 * feature rows, nothing sensitive) writes the inputs' JSON text straight
 * from the tensor, skipping a 30-key object per row and a walk over it.
 */
import { outputRows } from '../inference/predictions.ts';
import type { FieldCrypto } from '../security/field-crypto.ts';
import type { NamedTensor } from '../runtime/tensor.ts';
import { JsonText, type PredictionWrite } from '../store/prediction-store.ts';
import { inputRows, summariseOutputs, type OutputSummary } from './outputs.ts';
import type { RowSource } from './feature-sample.ts';
import type { AnsweredRequest } from './request-monitor.ts';

export interface EntryPolicy {
  readonly sensitive: ReadonlySet<string>;
  readonly mode: 'encrypt' | 'drop';
  readonly crypto?: FieldCrypto;
  readonly iso: (ms: number) => string;
}

/** The seal context of one field: a sealed value cannot be moved to another record or field. */
export const fieldContext = (requestId: string): string => `prediction/${requestId}`;

function tensorJson(t: NamedTensor, rows: number): unknown {
  const r = outputRows(t, rows);
  return rows === 1 ? r[0] : r;
}

// JSON.stringify writes a finite number exactly as String does, and anything else as null.
const num = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/**
 * Each feature's `"name":` as JSON.stringify writes the key, or null where it
 * would not keep the order (integer-like names go first) or the names repeat.
 * Worked out once per feature list (a served version's, long-lived).
 */
const keyPrefixes = new WeakMap<readonly string[], readonly string[] | null>();
function keysOf(features: readonly string[]): readonly string[] | null {
  let keys = keyPrefixes.get(features);
  if (keys === undefined) {
    const plain = new Set(features).size === features.length && !features.some((f) => /^(0|[1-9]\d*)$/.test(f));
    keys = plain ? features.map((f) => `${JSON.stringify(f)}:`) : null;
    keyPrefixes.set(features, keys);
  }
  return keys;
}

/** `{"feature": value, …}` (one row) or `{"feature": [values…], …}`, as JSON.stringify would write the same object. */
function featureJson(features: readonly string[], matrix: RowSource): string | null {
  const keys = keysOf(features);
  if (keys === null) return null;
  const rows = matrix.rows;
  let s = '{';
  for (let c = 0; c < matrix.columns; c++) {
    if (c > 0) s += ',';
    s += keys[c];
    if (rows === 1) s += num(matrix.get(0, c));
    else {
      s += '[';
      for (let i = 0; i < rows; i++) s += i === 0 ? num(matrix.get(i, c)) : `,${num(matrix.get(i, c))}`;
      s += ']';
    }
  }
  return `${s}}`;
}

function inputsOf(r: AnsweredRequest, rows: number, p: EntryPolicy): Record<string, unknown> | JsonText {
  const inputs = r.inputs ?? [];
  const features = r.features ?? null;
  const matrix = inputRows(inputs, features);
  const record: Record<string, unknown> = {};
  if (matrix !== null && features !== null) {
    if (p.sensitive.size === 0) {
      const text = featureJson(features, matrix);
      if (text !== null) return new JsonText(text);
    }
    for (let c = 0; c < matrix.columns; c++) {
      const name = features[c];
      if (p.sensitive.has(name) && p.mode === 'drop') continue;
      if (rows === 1) record[name] = matrix.get(0, c);
      else record[name] = Array.from({ length: rows }, (_, i) => matrix.get(i, c));
    }
  } else {
    for (const t of inputs) if (!(p.sensitive.has(t.name) && p.mode === 'drop')) record[t.name] = tensorJson(t, rows);
  }
  return p.crypto !== undefined && p.mode === 'encrypt' && p.sensitive.size > 0
    ? p.crypto.sealFields(record, [...p.sensitive], fieldContext(r.requestId))
    : record;
}

/** The stored row of one captured request answered at `at` (epoch ms). */
export function predictionEntry(r: AnsweredRequest, at: number, p: EntryPolicy): PredictionWrite {
  const outputs = r.outputs ?? [];
  const rows = r.inputs?.[0]?.shape[0] ?? 0;
  const out: Record<string, unknown> = {};
  for (const t of outputs) out[t.name] = tensorJson(t, rows);
  const summary: OutputSummary | null = rows === 1 ? summariseOutputs(outputs, 1) : null;
  const predicted = summary?.labels ?? summary?.values ?? null;
  return {
    requestId: r.requestId, endpoint: r.endpoint, version: r.version, at: p.iso(at), latencyMs: r.latencyMs,
    inputs: inputsOf(r, rows, p), outputs: out, prediction: predicted === null ? null : predicted[0],
  };
}
