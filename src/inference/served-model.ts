/**
 * What the protocol codecs know about the model they decode for: its name and
 * version, tensor signature and feature names, and the limits applied before
 * inference. Also the checks every protocol shares: decoded tensors against
 * the signature, and requested outputs against the model's outputs.
 */
import { fail } from '../lib/errors.ts';
import type { TensorSpec } from '../store/registry-types.ts';
import type { NamedTensor } from '../runtime/tensor.ts';

export interface ServedModel {
  /** The name clients call (endpoint or model name). */
  readonly name: string;
  /** The version answering, as OIP's `model_version` string. */
  readonly version: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Input feature names in tensor column order, when known. */
  readonly features: readonly string[] | null;
}

export interface InputLimits {
  /** Largest first dimension accepted for inputs whose first dimension is dynamic. */
  readonly maxBatchSize?: number;
  /** Accept NaN and ±Infinity in float inputs (default false). */
  readonly allowNonFinite?: boolean;
}

export function shapeText(shape: TensorSpec['shape']): string {
  return shape === null ? 'any shape' : `[${shape.map((d) => (typeof d === 'number' ? d : -1)).join(', ')}]`;
}

/** True when the spec's first dimension is dynamic, i.e. the model takes a batch. */
export function hasDynamicBatch(spec: TensorSpec): boolean {
  return spec.shape !== null && spec.shape.length > 0 && typeof spec.shape[0] !== 'number';
}

/** Checks one decoded tensor against its spec: datatype, rank, fixed dimensions, batch limit. */
export function checkTensor(t: NamedTensor, spec: TensorSpec, limits: InputLimits = {}): void {
  if (spec.datatype !== null && t.datatype !== spec.datatype) {
    fail('MG_INFERENCE_INVALID_INPUT', { input: t.name, detail: `datatype is ${t.datatype}, expected ${spec.datatype}` });
  }
  if (spec.shape === null) return;
  if (t.shape.length !== spec.shape.length) {
    fail('MG_INFERENCE_INVALID_INPUT', { input: t.name, detail: `shape [${t.shape.join(', ')}] has rank ${t.shape.length}, expected rank ${spec.shape.length} ${shapeText(spec.shape)}` });
  }
  spec.shape.forEach((d, i) => {
    if (typeof d === 'number' && t.shape[i] !== d) {
      fail('MG_INFERENCE_INVALID_INPUT', { input: t.name, detail: `dimension ${i} is ${t.shape[i]}, expected ${d} (shape ${shapeText(spec.shape)})` });
    }
  });
  if (limits.maxBatchSize !== undefined && hasDynamicBatch(spec) && t.shape[0] > limits.maxBatchSize) {
    fail('MG_INFERENCE_BATCH_TOO_LARGE', { input: t.name, size: t.shape[0], limit: limits.maxBatchSize });
  }
}

/** Checks that the tensors are exactly the model's inputs, each valid, and returns them in signature order. */
export function checkInputs(tensors: readonly NamedTensor[], model: ServedModel, limits: InputLimits = {}): NamedTensor[] {
  const byName = new Map<string, NamedTensor>();
  for (const t of tensors) {
    if (byName.has(t.name)) fail('MG_INFERENCE_INVALID_INPUT', { input: t.name, detail: 'is given more than once' });
    if (!model.inputs.some((s) => s.name === t.name)) {
      fail('MG_INFERENCE_INVALID_INPUT', { input: t.name, detail: `is not an input of "${model.name}"; its inputs are ${model.inputs.map((s) => s.name).join(', ')}` });
    }
    byName.set(t.name, t);
  }
  return model.inputs.map((spec) => {
    const t = byName.get(spec.name);
    if (t === undefined) fail('MG_INFERENCE_INVALID_INPUT', { input: spec.name, detail: `is missing; expected ${spec.datatype ?? 'a tensor'} ${shapeText(spec.shape)}` });
    checkTensor(t, spec, limits);
    return t;
  });
}

/** Validates requested output names; undefined or empty means all outputs. */
export function checkOutputNames(requested: readonly string[] | undefined, model: ServedModel): string[] {
  if (requested === undefined || requested.length === 0) return model.outputs.map((o) => o.name);
  const seen = new Set<string>();
  for (const name of requested) {
    if (!model.outputs.some((o) => o.name === name)) {
      fail('MG_INFERENCE_UNKNOWN_OUTPUT', { output: name, available: model.outputs.map((o) => o.name).join(', ') });
    }
    if (seen.has(name)) fail('MG_INFERENCE_INVALID_REQUEST', { detail: `output "${name}" is requested more than once` });
    seen.add(name);
  }
  return [...requested];
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a JSON body that may still be text or bytes; syntax errors are 400s. */
export function parseJsonBody(body: unknown): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return fail('MG_INFERENCE_INVALID_REQUEST', { detail: `the body is not valid JSON (${(err as Error).message})` });
  }
}
