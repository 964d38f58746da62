/**
 * Turns one captured request into the prediction-log row the store writes,
 * once per logged entry, after the response is sent. The common case
 * (numeric feature rows, nothing sensitive) writes the input values' JSON
 * text straight from the tensor, with the version's list of feature names
 * beside it (stored once per list, see sql-prediction-store.ts), skipping an
 * object per row, a walk over it and the names in every row.
 */
import { outputRows } from '../inference/predictions.ts';
import type { FieldCrypto } from '../security/field-crypto.ts';
import { tensorJsonText, type NamedTensor } from '../runtime/tensor.ts';
import { JsonText, packFloats, type PredictionWrite } from '../store/prediction-store.ts';
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

const INTEGER_LIKE = /^(0|[1-9]\d*)$/;

/**
 * The outputs by name, `{"name": row, …}` for one row or `{"name": [rows…], …}`,
 * as JSON.stringify would write them: a rank-1 output, or the one row of a
 * rank-2 output, from the tensor's own JSON text.
 */
function outputsJson(outputs: readonly NamedTensor[], rows: number): string {
  // An integer-like name would come first in an object: written by JSON.stringify itself.
  if (outputs.some((t) => INTEGER_LIKE.test(t.name))) return JSON.stringify(Object.fromEntries(outputs.map((t) => [t.name, tensorJson(t, rows)])));
  let s = '{';
  for (const t of outputs) {
    if (s.length > 1) s += ',';
    s += `${JSON.stringify(t.name)}:`;
    const rank = t.shape.length;
    if (t.shape[0] !== rows || rank > 2 || (rank === 2 && rows !== 1)) s += JSON.stringify(tensorJson(t, rows));
    else if (rank === 1 && rows === 1) s += tensorJsonText(t).slice(1, -1);
    else s += tensorJsonText(t);
  }
  return `${s}}`;
}

// JSON.stringify writes a finite number exactly as String does, and anything else as null.
const num = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/** Each feature's value, or for several rows its column of values, as a JSON array in feature order. */
function featureValuesJson(matrix: RowSource): string {
  const rows = matrix.rows;
  let s = '[';
  for (let c = 0; c < matrix.columns; c++) {
    if (c > 0) s += ',';
    if (rows === 1) s += num(matrix.get(0, c));
    else {
      s += '[';
      for (let i = 0; i < rows; i++) s += i === 0 ? num(matrix.get(i, c)) : `,${num(matrix.get(i, c))}`;
      s += ']';
    }
  }
  return `${s}]`;
}

/** The stored inputs: by feature name (the values alone, with the names, where nothing is sensitive), else by input name. */
function inputsOf(r: AnsweredRequest, rows: number, p: EntryPolicy): Pick<PredictionWrite, 'inputs' | 'features'> {
  const inputs = r.inputs ?? [];
  const features = r.features ?? null;
  const matrix = inputRows(inputs, features);
  if (matrix !== null && features !== null && p.sensitive.size === 0) {
    const d = inputs.length === 1 ? inputs[0].data : null;
    const packed = d instanceof Float32Array || d instanceof Float64Array ? packFloats(d) : null;
    return { inputs: new JsonText(packed ?? featureValuesJson(matrix)), features };
  }
  const record: Record<string, unknown> = {};
  if (matrix !== null && features !== null) {
    for (let c = 0; c < matrix.columns; c++) {
      const name = features[c];
      if (p.sensitive.has(name) && p.mode === 'drop') continue;
      if (rows === 1) record[name] = matrix.get(0, c);
      else record[name] = Array.from({ length: rows }, (_, i) => matrix.get(i, c));
    }
  } else {
    for (const t of inputs) if (!(p.sensitive.has(t.name) && p.mode === 'drop')) record[t.name] = tensorJson(t, rows);
  }
  return {
    inputs: p.crypto !== undefined && p.mode === 'encrypt' && p.sensitive.size > 0
      ? p.crypto.sealFields(record, [...p.sensitive], fieldContext(r.requestId))
      : record,
  };
}

/** The stored row of one captured request answered at `at` (epoch ms). */
export function predictionEntry(r: AnsweredRequest, at: number, p: EntryPolicy): PredictionWrite {
  const outputs = r.outputs ?? [];
  const rows = r.inputs?.[0]?.shape[0] ?? 0;
  const summary: OutputSummary | null = rows === 1 ? summariseOutputs(outputs, 1) : null;
  const predicted = summary?.labels ?? summary?.values ?? null;
  return {
    requestId: r.requestId, endpoint: r.endpoint, version: r.version, at: p.iso(at), latencyMs: r.latencyMs,
    ...inputsOf(r, rows, p), outputs: new JsonText(outputsJson(outputs, rows)), prediction: predicted === null ? null : predicted[0],
  };
}
