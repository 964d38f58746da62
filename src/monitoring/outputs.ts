/**
 * What the windows keep of a model's answer, read off the output tensors
 * without decoding them to JSON: predicted labels (an integer or string
 * tensor with one value per row), a score per row (a probability matrix: the
 * positive class for two classes, the chosen class otherwise) and, for
 * regressors, the predicted values (a float tensor with one value per row).
 */
import type { NamedTensor } from '../runtime/tensor.ts';
import type { RowSource } from './feature-sample.ts';

export interface OutputSummary {
  labels: ArrayLike<number | string> | null;
  scores: ArrayLike<number> | null;
  values: ArrayLike<number> | null;
}

const isFloat = (t: NamedTensor): boolean => t.datatype === 'FP32' || t.datatype === 'FP64';
const perRow = (t: NamedTensor, rows: number): boolean => t.shape[0] === rows && (t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1));

function labelValues(t: NamedTensor): ArrayLike<number | string> {
  const d = t.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    // A loop into a plain array: cheaper than Array.from with a mapper for the one or few rows of a request.
    const out = new Array<number>(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
    return out;
  }
  return d as ArrayLike<number | string>;
}

export function summariseOutputs(outputs: readonly NamedTensor[], rows: number): OutputSummary {
  let labels: OutputSummary['labels'] = null;
  let scores: OutputSummary['scores'] = null;
  let floatPerRow: NamedTensor | undefined;
  for (const t of outputs) {
    if (t.shape[0] !== rows) continue;
    if (labels === null && !isFloat(t) && perRow(t, rows)) labels = labelValues(t);
    else if (scores === null && isFloat(t) && t.shape.length === 2 && t.shape[1] >= 2) {
      const k = t.shape[1];
      const d = t.data as Float32Array | Float64Array;
      // A plain array: a typed array costs more to allocate than a request's few scores are worth.
      const s = new Array<number>(rows);
      for (let r = 0; r < rows; r++) {
        if (k === 2) s[r] = d[r * 2 + 1];
        else {
          let m = d[r * k];
          for (let j = 1; j < k; j++) if (d[r * k + j] > m) m = d[r * k + j];
          s[r] = m;
        }
      }
      scores = s;
    } else if (floatPerRow === undefined && isFloat(t) && perRow(t, rows)) floatPerRow = t;
  }
  const values = labels === null && scores === null && floatPerRow !== undefined ? (floatPerRow.data as Float32Array | Float64Array) : null;
  return { labels, scores, values };
}

/** Values per row that inputRows would give (0 when it would give none): cheap, read off the shapes. */
export function inputColumns(inputs: readonly NamedTensor[]): number {
  return inputs.length === 1 ? (inputs[0].shape.length === 2 ? inputs[0].shape[1] : 0) : inputs.length;
}

/** Input rows as feature vectors, for one 2-D numeric input or one column-per-feature inputs; null otherwise. */
export function inputRows(inputs: readonly NamedTensor[], features: readonly string[] | null): RowSource | null {
  if (inputs.length === 1) {
    const t = inputs[0];
    if (t.shape.length !== 2 || typeof t.data[0] === 'string' || typeof t.data[0] === 'bigint') return null;
    const [rows, columns] = t.shape;
    if (features !== null && features.length !== columns) return null;
    const d = t.data as Float32Array | Float64Array | number[];
    return { rows, columns, get: (r, c) => d[r * columns + c] };
  }
  if (features === null || inputs.length !== features.length) return null;
  const rows = inputs[0].shape[0];
  const cols: ArrayLike<number>[] = [];
  for (const name of features) {
    const t = inputs.find((i) => i.name === name);
    if (t === undefined || t.shape[0] !== rows || typeof t.data[0] === 'string' || typeof t.data[0] === 'bigint') return null;
    cols.push(t.data as ArrayLike<number>);
  }
  return { rows, columns: cols.length, get: (r, c) => cols[c][r] };
}
