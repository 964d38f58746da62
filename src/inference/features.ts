/**
 * Rows → input tensors, for the row-oriented protocols (KServe V1, MLflow).
 * A row is an array (values in tensor order), a scalar (rank-1 inputs), or an
 * object keyed by feature name (placed into the tensor by the version's
 * feature names) or, for multi-input models, by input name. Missing or unknown
 * columns are 400s that name them.
 */
import { fail } from '../lib/errors.ts';
import type { TensorSpec } from '../store/registry-types.ts';
import { describe, flattenData, typedFromValues, type NamedTensor, type TensorDatatype } from '../runtime/tensor.ts';
import { checkInputs, isPlainObject, type InputLimits, type ServedModel } from './served-model.ts';

function invalid(detail: string): never {
  return fail('MG_INFERENCE_INVALID_REQUEST', { detail });
}

/** Number of values one row holds for `spec`, and its inner shape, inferred from the first row where dims are dynamic. */
function innerShape(spec: TensorSpec, first: unknown): number[] {
  const inner = (spec.shape ?? [null, null]).slice(1);
  let probe: unknown = first;
  return inner.map((d) => {
    const here = Array.isArray(probe) ? probe : undefined;
    probe = here?.[0];
    if (typeof d === 'number') return d;
    if (here === undefined) fail('MG_INFERENCE_INVALID_INPUT', { input: spec.name, detail: `row 0 is ${describe(first)}, expected an array` });
    return here.length;
  });
}

/** Stacks per-row values (arrays or scalars) of one input into a [rows, ...inner] tensor. */
export function stackRows(spec: TensorSpec, rows: readonly unknown[], limits: InputLimits): NamedTensor {
  if (spec.datatype === null) fail('MG_INFERENCE_INVALID_INPUT', { input: spec.name, detail: 'is not a tensor input' });
  const datatype = spec.datatype as TensorDatatype;
  if (limits.maxBatchSize !== undefined && rows.length > limits.maxBatchSize) {
    fail('MG_INFERENCE_BATCH_TOO_LARGE', { input: spec.name, size: rows.length, limit: limits.maxBatchSize });
  }
  const inner = innerShape(spec, rows[0]);
  const per = inner.reduce((a, b) => a * b, 1);
  const values: unknown[] = [];
  rows.forEach((row, r) => {
    if (inner.length === 0) {
      if (Array.isArray(row) || isPlainObject(row)) fail('MG_INFERENCE_INVALID_INPUT', { input: spec.name, detail: `row ${r} is ${describe(row)}, expected a single value` });
      values.push(row);
      return;
    }
    if (!Array.isArray(row)) fail('MG_INFERENCE_INVALID_INPUT', { input: spec.name, detail: `row ${r} is ${describe(row)}, expected an array of ${per} value(s)` });
    try {
      for (const v of flattenData(spec.name, row, inner.length, per)) values.push(v);
    } catch (err) {
      fail('MG_INFERENCE_INVALID_INPUT', { input: spec.name, detail: `row ${r}: ${(err as Error).message.replace(/^Invalid input "[^"]*": /, '')}` });
    }
  });
  return { name: spec.name, datatype, shape: [rows.length, ...inner], data: typedFromValues(spec.name, datatype, values, limits) };
}

/** Orders one object row's values by feature name, naming missing and unknown columns. */
export function rowByFeatures(row: Record<string, unknown>, features: readonly string[], index: number): unknown[] {
  const missing = features.filter((f) => !Object.hasOwn(row, f));
  const known = new Set(features);
  const unknown = Object.keys(row).filter((k) => !known.has(k));
  if (missing.length > 0 || unknown.length > 0) {
    const parts = [
      missing.length > 0 ? `missing column(s) ${missing.join(', ')}` : '',
      unknown.length > 0 ? `unknown column(s) ${unknown.join(', ')}` : '',
    ].filter((p) => p !== '');
    invalid(`row ${index} has ${parts.join(' and ')}; the model's features are ${features.join(', ')}`);
  }
  return features.map((f) => row[f]);
}

/** Turns rows into the model's input tensors, validated against its signature. */
export function rowsToInputs(rows: unknown, model: ServedModel, limits: InputLimits = {}): NamedTensor[] {
  if (!Array.isArray(rows) || rows.length === 0) invalid('the rows must be a non-empty array');
  const objects = isPlainObject(rows[0]);
  if (rows.some((r) => isPlainObject(r) !== objects)) invalid('rows mix objects and arrays; use one form');
  if (model.inputs.length === 1) {
    const spec = model.inputs[0];
    if (!objects) return checkInputs([stackRows(spec, rows, limits)], model, limits);
    if (model.features !== null && model.features.length > 0) {
      const features = model.features;
      const ordered = rows.map((r, i) => rowByFeatures(r as Record<string, unknown>, features, i));
      return checkInputs([stackRows(spec, ordered, limits)], model, limits);
    }
    const keys = Object.keys(rows[0] as object);
    if (!(keys.length === 1 && keys[0] === spec.name)) {
      invalid(`model "${model.name}" has no feature names, so rows must be arrays (or objects keyed by its input "${spec.name}")`);
    }
  }
  if (!objects) {
    invalid(`model "${model.name}" has ${model.inputs.length} inputs; send each row as an object keyed by input name (${model.inputs.map((s) => s.name).join(', ')})`);
  }
  const tensors = model.inputs.map((spec) => stackRows(spec, rows.map((r, i) => {
    const row = r as Record<string, unknown>;
    if (!Object.hasOwn(row, spec.name)) fail('MG_INFERENCE_INVALID_INPUT', { input: spec.name, detail: `is missing from row ${i}` });
    return row[spec.name];
  }), limits));
  for (const [i, r] of rows.entries()) {
    const unknown = Object.keys(r as object).filter((k) => !model.inputs.some((s) => s.name === k));
    if (unknown.length > 0) invalid(`row ${i} has unknown key(s) ${unknown.join(', ')}; the inputs are ${model.inputs.map((s) => s.name).join(', ')}`);
  }
  return checkInputs(tensors, model, limits);
}

/** A dataframe (column names and row arrays) → input tensors; columns are matched to features by name. */
export function frameToInputs(columns: readonly string[] | undefined, data: unknown, model: ServedModel, limits: InputLimits = {}): NamedTensor[] {
  if (!Array.isArray(data) || data.length === 0) invalid('"data" must be a non-empty array of rows');
  const byFeature = model.features !== null && model.features.length > 0;
  // Without feature names a single-input model can only take the columns in order.
  if (columns === undefined || (!byFeature && model.inputs.length === 1)) return rowsToInputs(data, model, limits);
  if (new Set(columns).size !== columns.length) invalid('"columns" names a column more than once');
  const objects = data.map((row, i) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      invalid(`row ${i} must be an array of ${columns.length} value(s), one per column`);
    }
    return Object.fromEntries(columns.map((c, j) => [c, row[j]]));
  });
  return rowsToInputs(objects, model, limits);
}
