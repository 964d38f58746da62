/**
 * Output tensors → row-oriented predictions (KServe V1, MLflow): one entry per
 * input row. A model with one output gives that output's row (a scalar for
 * rank-1 outputs, nested arrays otherwise); several outputs give one object
 * per row keyed by output name.
 */
import { fail } from '../lib/errors.ts';
import { tensorToJsonData, type NamedTensor } from '../runtime/tensor.ts';

type Json = number | boolean | string | Json[];

function nest(flat: readonly Json[], shape: readonly number[], offset: number): Json {
  if (shape.length === 0) return flat[offset];
  const [head, ...rest] = shape;
  const step = rest.reduce((a, b) => a * b, 1);
  const out: Json[] = new Array<Json>(head);
  for (let i = 0; i < head; i++) out[i] = nest(flat, rest, offset + i * step);
  return out;
}

/** The rows of one output: element i is row i. */
export function outputRows(t: NamedTensor, rows: number): Json[] {
  if (t.shape.length === 0 || t.shape[0] !== rows) {
    fail('MG_INFERENCE_FAILED', { detail: `output "${t.name}" has shape [${t.shape.join(', ')}], which does not split into ${rows} row(s)` });
  }
  return nest(tensorToJsonData(t), t.shape, 0) as Json[];
}

/** Predictions for `rows` input rows. */
export function toPredictions(outputs: readonly NamedTensor[], rows: number): unknown[] {
  if (outputs.length === 1) return outputRows(outputs[0], rows);
  const perOutput = outputs.map((t) => outputRows(t, rows));
  return Array.from({ length: rows }, (_, r) => Object.fromEntries(outputs.map((t, k) => [t.name, perOutput[k][r]])));
}
