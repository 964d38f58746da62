/**
 * MLflow scoring protocol (`POST /endpoints/{name}/invocations`): JSON with
 * exactly one of `dataframe_split`, `dataframe_records`, `instances` or
 * `inputs` (plus optional `params`), or `text/csv` with a header row; the
 * answer is `{"predictions": [...]}`, one entry per row.
 */
import { fail } from '../lib/errors.ts';
import type { NamedTensor } from '../runtime/tensor.ts';
import { parseCsvFrame } from './csv.ts';
import { frameToInputs, rowsToInputs, stackRows } from './features.ts';
import { toPredictions } from './predictions.ts';
import { checkInputs, isPlainObject, parseJsonBody, type InputLimits, type ServedModel } from './served-model.ts';
import type { RowRequest } from './v1.ts';

const formats = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

function invalid(detail: string): never {
  return fail('MG_INFERENCE_INVALID_REQUEST', { detail });
}

function done(inputs: NamedTensor[]): RowRequest {
  return { inputs, rows: inputs[0].shape[0] };
}

function decodeSplit(split: unknown, model: ServedModel, limits: InputLimits): NamedTensor[] {
  if (!isPlainObject(split)) invalid('"dataframe_split" must be an object with "columns" and "data"');
  const columns = split.columns;
  if (columns !== undefined && (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string'))) {
    invalid('"dataframe_split.columns" must be an array of strings');
  }
  return frameToInputs(columns as string[] | undefined, split.data, model, limits);
}

/** `inputs` as an object of named tensors: each value an array whose first dimension is the batch. */
function decodeNamedTensors(inputs: Record<string, unknown>, model: ServedModel, limits: InputLimits): NamedTensor[] {
  const tensors = Object.entries(inputs).map(([name, value]) => {
    const spec = model.inputs.find((s) => s.name === name);
    if (spec === undefined) {
      fail('MG_INFERENCE_INVALID_INPUT', { input: name, detail: `is not an input of "${model.name}"; its inputs are ${model.inputs.map((s) => s.name).join(', ')}` });
    }
    if (!Array.isArray(value) || value.length === 0) fail('MG_INFERENCE_INVALID_INPUT', { input: name, detail: 'must be a non-empty array of rows' });
    return stackRows(spec, value, limits);
  });
  return checkInputs(tensors, model, limits);
}

/** Decodes an invocation body given its content type (JSON when absent). */
export function decodeMlflow(body: unknown, contentType: string | undefined, model: ServedModel, limits: InputLimits = {}): RowRequest {
  const type = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
  if (type === 'text/csv') {
    const text = typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : invalid('the CSV body must be text');
    const frame = parseCsvFrame(text);
    return done(frameToInputs(frame.columns, frame.data, model, limits));
  }
  if (type !== 'application/json') {
    fail('MG_UNSUPPORTED_MEDIA_TYPE', { contentType: type, detail: 'invocations take application/json or text/csv' });
  }
  const parsed = parseJsonBody(body);
  if (!isPlainObject(parsed)) invalid(`the body must be a JSON object with one of ${formats.join(', ')}`);
  const given = formats.filter((f) => parsed[f] !== undefined);
  const unknown = Object.keys(parsed).filter((k) => !(formats as readonly string[]).includes(k) && k !== 'params');
  if (unknown.length > 0) invalid(`unknown field(s) ${unknown.join(', ')}; expected one of ${formats.join(', ')} and optional params`);
  if (given.length !== 1) invalid(`the body must have exactly one of ${formats.join(', ')}; it has ${given.length === 0 ? 'none' : given.join(', ')}`);
  if (parsed.params !== undefined && !isPlainObject(parsed.params)) invalid('"params" must be an object');
  switch (given[0]) {
    case 'dataframe_split': return done(decodeSplit(parsed.dataframe_split, model, limits));
    case 'dataframe_records': {
      const records = parsed.dataframe_records;
      if (!Array.isArray(records) || records.length === 0 || !records.every(isPlainObject)) {
        invalid('"dataframe_records" must be a non-empty array of objects');
      }
      return done(rowsToInputs(records, model, limits));
    }
    case 'instances': return done(rowsToInputs(parsed.instances, model, limits));
    default: {
      const inputs = parsed.inputs;
      return done(isPlainObject(inputs) ? decodeNamedTensors(inputs, model, limits) : rowsToInputs(inputs, model, limits));
    }
  }
}

export function encodeMlflow(outputs: readonly NamedTensor[], rows: number): { predictions: unknown[] } {
  return { predictions: toPredictions(outputs, rows) };
}
