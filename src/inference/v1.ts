/**
 * KServe V1: `POST /v1/models/{name}:predict` with `{"instances": [...]}`
 * (rows as arrays, or objects keyed by feature name) or `{"inputs": [...]}`,
 * answered with `{"predictions": [...]}`, one entry per row.
 */
import { fail } from '../lib/errors.ts';
import type { NamedTensor } from '../runtime/tensor.ts';
import { rowsToInputs } from './features.ts';
import { toPredictions } from './predictions.ts';
import { isPlainObject, parseJsonBody, type InputLimits, type ServedModel } from './served-model.ts';

export interface RowRequest {
  readonly inputs: NamedTensor[];
  readonly rows: number;
}

export function decodeV1(body: unknown, model: ServedModel, limits: InputLimits = {}): RowRequest {
  const parsed = parseJsonBody(body);
  if (!isPlainObject(parsed)) fail('MG_INFERENCE_INVALID_REQUEST', { detail: 'the body must be a JSON object with "instances"' });
  const rows = parsed.instances ?? parsed.inputs;
  if (parsed.instances !== undefined && parsed.inputs !== undefined) {
    fail('MG_INFERENCE_INVALID_REQUEST', { detail: 'give "instances" or "inputs", not both' });
  }
  if (rows === undefined) fail('MG_INFERENCE_INVALID_REQUEST', { detail: 'the body has no "instances"' });
  const inputs = rowsToInputs(rows, model, limits);
  return { inputs, rows: inputs[0].shape[0] };
}

export function encodeV1(outputs: readonly NamedTensor[], rows: number): { predictions: unknown[] } {
  return { predictions: toPredictions(outputs, rows) };
}
