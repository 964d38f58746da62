/**
 * Tensors as the data plane carries them: an Open Inference Protocol datatype,
 * a shape and a flat typed array. This module maps OIP datatypes to ONNX
 * Runtime's tensor types, builds validated typed arrays from JSON `data`
 * (flat or nested) and turns tensors back into JSON-able flat data. Every
 * problem with client data is an MG_INFERENCE_INVALID_INPUT naming the input.
 */
import type { Datatype } from '../store/registry-types.ts';
import { fail } from '../lib/errors.ts';
import { floatToHalf, halfToFloat } from './tensor-fp16.ts';

/** Datatypes ONNX Runtime accepts (BF16 is an OIP type ORT's JS API lacks). */
export type TensorDatatype = Exclude<Datatype, 'BF16'>;

export type OrtTensorType =
  | 'bool' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'int8' | 'int16' | 'int32' | 'int64'
  | 'float16' | 'float32' | 'float64' | 'string';

/**
 * Flat tensor data. BOOL is a Uint8Array of 0/1, FP16 a Uint16Array of IEEE
 * half-precision bit patterns, BYTES an array of strings.
 */
export type TensorData =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array
  | BigUint64Array | BigInt64Array | Float32Array | Float64Array | readonly string[];

export interface NamedTensor {
  readonly name: string;
  readonly datatype: TensorDatatype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export interface DataOptions {
  /** Accept NaN and ±Infinity in float inputs (default false). */
  readonly allowNonFinite?: boolean;
}

const toOrt: Readonly<Record<TensorDatatype, OrtTensorType>> = {
  BOOL: 'bool', UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64',
  INT8: 'int8', INT16: 'int16', INT32: 'int32', INT64: 'int64',
  FP16: 'float16', FP32: 'float32', FP64: 'float64', BYTES: 'string',
};
const fromOrt: Readonly<Record<string, TensorDatatype>> = Object.fromEntries(
  Object.entries(toOrt).map(([k, v]) => [v, k as TensorDatatype]),
);

/** Bytes per element in the binary tensor extension (BYTES is length-prefixed). */
export const elementSize: Readonly<Record<TensorDatatype, number>> = {
  BOOL: 1, UINT8: 1, UINT16: 2, UINT32: 4, UINT64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8,
  FP16: 2, FP32: 4, FP64: 8, BYTES: 0,
};

export const tensorDatatypes: readonly TensorDatatype[] = Object.keys(toOrt) as TensorDatatype[];

export function isTensorDatatype(value: unknown): value is TensorDatatype {
  return typeof value === 'string' && Object.hasOwn(toOrt, value);
}

export function datatypeToOrt(datatype: TensorDatatype): OrtTensorType {
  return toOrt[datatype];
}

/** The OIP datatype of an ONNX Runtime tensor type, or null when OIP has none. */
export function ortToDatatype(type: string): TensorDatatype | null {
  return fromOrt[type] ?? null;
}

const intRanges: Readonly<Record<string, readonly [number, number]>> = {
  UINT8: [0, 0xff], UINT16: [0, 0xffff], UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f], INT16: [-0x8000, 0x7fff], INT32: [-0x80000000, 0x7fffffff],
};
const bigRanges: Readonly<Record<string, readonly [bigint, bigint]>> = {
  UINT64: [0n, 0xffffffffffffffffn], INT64: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

/** Number of elements of a shape; fails unless every dimension is a non-negative integer. */
export function elementCount(input: string, shape: unknown): number {
  if (!Array.isArray(shape)) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: 'shape must be an array of non-negative integers' });
  if (shape.length > 16) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `shape has ${shape.length} dimensions; at most 16 are allowed` });
  let count = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `shape ${JSON.stringify(shape)} must hold non-negative integers` });
    }
    count *= d;
    if (!Number.isSafeInteger(count)) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `shape ${JSON.stringify(shape)} is too large` });
  }
  return count;
}

/**
 * Flattens JSON `data` (flat, or nested no deeper than the tensor's rank) into
 * one array. Iterative on purpose: hostile nesting must not exhaust the stack.
 */
export function flattenData(input: string, data: unknown, rank: number, expected: number): unknown[] {
  if (!Array.isArray(data)) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: '"data" must be an array' });
  const out: unknown[] = [];
  let seen = 0;
  const maxDepth = Math.max(rank, 1);
  const stack: { arr: readonly unknown[]; i: number }[] = [{ arr: data, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i >= top.arr.length) {
      stack.pop();
      continue;
    }
    const v = top.arr[top.i++];
    if (Array.isArray(v)) {
      if (stack.length >= maxDepth) {
        fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `"data" is nested deeper than the shape's ${rank} dimension(s)` });
      }
      stack.push({ arr: v, i: 0 });
    } else {
      seen++;
      if (seen <= expected) out.push(v);
    }
  }
  if (seen !== expected) {
    fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `"data" holds ${seen} element(s) but the shape needs ${expected}` });
  }
  return out;
}

function parseFloatValue(input: string, v: unknown, index: number, allowNonFinite: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && allowNonFinite) {
    const s = v.trim().toLowerCase();
    if (s === 'nan') return NaN;
    if (s === 'inf' || s === 'infinity' || s === '+inf' || s === '+infinity') return Infinity;
    if (s === '-inf' || s === '-infinity') return -Infinity;
  }
  return fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `element ${index} is ${describe(v)}, expected a number` });
}

function checkFinite(input: string, x: number, index: number, datatype: string, allowNonFinite: boolean): void {
  if (!allowNonFinite && !Number.isFinite(x)) {
    fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `element ${index} is ${x} after conversion to ${datatype}; NaN and infinity are not accepted` });
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** Builds typed data of `datatype` from flat JSON values, validating each element. */
export function typedFromValues(input: string, datatype: TensorDatatype, values: readonly unknown[], options: DataOptions = {}): TensorData {
  const n = values.length;
  const allow = options.allowNonFinite === true;
  switch (datatype) {
    case 'BOOL': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v !== 'boolean') fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `element ${i} is ${describe(v)}, expected true or false` });
        out[i] = v ? 1 : 0;
      }
      return out;
    }
    case 'FP32': case 'FP64': {
      const out = datatype === 'FP32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = parseFloatValue(input, values[i], i, allow);
        checkFinite(input, out[i], i, datatype, allow);
      }
      return out;
    }
    case 'FP16': {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = floatToHalf(parseFloatValue(input, values[i], i, allow));
        checkFinite(input, halfToFloat(out[i]), i, datatype, allow);
      }
      return out;
    }
    case 'INT64': case 'UINT64': {
      const out = datatype === 'INT64' ? new BigInt64Array(n) : new BigUint64Array(n);
      const [lo, hi] = bigRanges[datatype];
      for (let i = 0; i < n; i++) {
        const v = values[i];
        let b: bigint | null = null;
        if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
        else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) b = BigInt(v);
        if (b === null) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `element ${i} is ${describe(v)}, expected an integer (a string of digits for values beyond 2^53)` });
        if (b < lo || b > hi) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `element ${i} (${b}) is out of range for ${datatype}` });
        out[i] = b;
      }
      return out;
    }
    case 'BYTES': {
      const out: string[] = new Array<string>(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v !== 'string') fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `element ${i} is ${describe(v)}, expected a string` });
        out[i] = v;
      }
      return out;
    }
    default: {
      const [lo, hi] = intRanges[datatype];
      const out = newIntArray(datatype, n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v !== 'number' || !Number.isInteger(v)) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `element ${i} is ${describe(v)}, expected an integer` });
        if (v < lo || v > hi) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `element ${i} (${v}) is out of range for ${datatype}` });
        out[i] = v;
      }
      return out;
    }
  }
}

function newIntArray(datatype: TensorDatatype, n: number): Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array {
  switch (datatype) {
    case 'UINT8': return new Uint8Array(n);
    case 'UINT16': return new Uint16Array(n);
    case 'UINT32': return new Uint32Array(n);
    case 'INT8': return new Int8Array(n);
    case 'INT16': return new Int16Array(n);
    default: return new Int32Array(n);
  }
}

/** Builds a validated tensor from an OIP JSON input's datatype, shape and data. */
export function tensorFromJson(
  name: string, datatype: unknown, shape: unknown, data: unknown, options: DataOptions = {},
): NamedTensor {
  if (!isTensorDatatype(datatype)) {
    fail('MG_INFERENCE_INVALID_INPUT', { input: name, detail: `datatype ${JSON.stringify(datatype) ?? 'undefined'} is not one of ${tensorDatatypes.join(', ')}` });
  }
  const count = elementCount(name, shape);
  const dims = shape as number[];
  const fast = datatype === 'FP32' || datatype === 'FP64' ? flatFloats(datatype, data, count, options.allowNonFinite === true) : null;
  if (fast !== null) return { name, datatype, shape: [...dims], data: fast };
  const values = flattenData(name, data, dims.length, count);
  return { name, datatype, shape: [...dims], data: typedFromValues(name, datatype, values, options) };
}

/**
 * The common case of large float inputs, flat data of plain numbers, in one
 * pass with no intermediate array. Null sends anything else (nesting, other
 * types, a wrong count, non-finite values) through the general path, which
 * also words the errors.
 */
function flatFloats(datatype: 'FP32' | 'FP64', data: unknown, count: number, allowNonFinite: boolean): Float32Array | Float64Array | null {
  if (!Array.isArray(data) || data.length !== count) return null;
  const out = datatype === 'FP32' ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const v: unknown = data[i];
    if (typeof v !== 'number') return null;
    out[i] = v;
    if (!allowNonFinite && !Number.isFinite(out[i])) return null;
  }
  return out;
}

/**
 * JSON.stringify(tensorToJsonData(tensor)) without the intermediate array:
 * typed arrays of finite numbers (and 64-bit integers within 2^53) are
 * joined as they are, since a typed array's join writes each element as
 * JSON does; anything else takes the general route.
 */
export function tensorJsonText(tensor: Pick<NamedTensor, 'datatype' | 'data'>): string {
  const { datatype, data } = tensor;
  if (datatype === 'INT64' || datatype === 'UINT64') {
    const d = data as BigInt64Array | BigUint64Array;
    for (let i = 0; i < d.length; i++) if (d[i]! > MAX_SAFE || d[i]! < -MAX_SAFE) return JSON.stringify(tensorToJsonData(tensor));
    return `[${d.join(',')}]`;
  }
  if (datatype === 'BYTES' || datatype === 'BOOL' || datatype === 'FP16') return JSON.stringify(tensorToJsonData(tensor));
  const d = data as Float32Array | Float64Array | Int32Array;
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return JSON.stringify(tensorToJsonData(tensor));
  return `[${d.join(',')}]`;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Flat JSON-able values of a tensor: numbers, booleans or strings; 64-bit integers beyond 2^53 as strings. */
export function tensorToJsonData(tensor: Pick<NamedTensor, 'datatype' | 'data'>): (number | boolean | string)[] {
  const { datatype, data } = tensor;
  if (datatype === 'BYTES') return [...(data as readonly string[])];
  if (datatype === 'BOOL') return Array.from(data as Uint8Array, (x) => x !== 0);
  if (datatype === 'FP16') return Array.from(data as Uint16Array, halfToFloat);
  if (datatype === 'INT64' || datatype === 'UINT64') {
    return Array.from(data as BigInt64Array, (b: bigint) => {
      const x = Number(b);
      return Number.isSafeInteger(x) ? x : b.toString();
    });
  }
  return Array.from(data as Float32Array);
}
