/**
 * Raw tensor bytes as the binary tensor extension lays them out: elements in
 * row-major order, little-endian; BOOL one byte each; BYTES each element a
 * 4-byte little-endian length followed by its bytes.
 */
import { fail } from '../lib/errors.ts';
import { elementSize, type DataOptions, type TensorData, type TensorDatatype } from './tensor.ts';
import { halfToFloat } from './tensor-fp16.ts';

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The bytes as a buffer and offset a typed array of `size`-byte elements can
 * view: the request body itself when the offset is aligned (zero-copy; the
 * body is not reused, so the view stays valid), else one aligned copy.
 */
function aligned(bytes: Uint8Array, size: number): { buffer: ArrayBufferLike; offset: number } {
  if (bytes.byteOffset % size === 0) return { buffer: bytes.buffer, offset: bytes.byteOffset };
  // Buffer.from copies into memory it does not zero first; its offsets are 8-byte aligned.
  const copy = Buffer.from(bytes);
  return { buffer: copy.buffer, offset: copy.byteOffset };
}

/** Decodes `bytes` into `count` elements of `datatype`; fails naming the input on any mismatch. */
export function tensorFromBytes(
  input: string, datatype: TensorDatatype, count: number, bytes: Uint8Array, options: DataOptions = {},
): TensorData {
  if (!littleEndian) throw new Error('modelgate needs a little-endian host');
  if (datatype === 'BYTES') return stringsFromBytes(input, count, bytes);
  const size = elementSize[datatype];
  if (bytes.byteLength !== count * size) {
    fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `binary data has ${bytes.byteLength} bytes; ${count} ${datatype} element(s) need ${count * size}` });
  }
  const { buffer: buf, offset: at } = aligned(bytes, size);
  let data: TensorData;
  switch (datatype) {
    case 'BOOL': {
      const b = new Uint8Array(buf, at, count);
      const bad = b.findIndex((x) => x > 1);
      if (bad >= 0) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `element ${bad} is byte ${b[bad]}, expected 0 or 1 for BOOL` });
      return b;
    }
    case 'UINT8': return new Uint8Array(buf, at, count);
    case 'INT8': return new Int8Array(buf, at, count);
    case 'UINT16': return new Uint16Array(buf, at, count);
    case 'INT16': return new Int16Array(buf, at, count);
    case 'UINT32': return new Uint32Array(buf, at, count);
    case 'INT32': return new Int32Array(buf, at, count);
    case 'UINT64': return new BigUint64Array(buf, at, count);
    case 'INT64': return new BigInt64Array(buf, at, count);
    case 'FP16': data = new Uint16Array(buf, at, count); break;
    case 'FP32': data = new Float32Array(buf, at, count); break;
    default: data = new Float64Array(buf, at, count); break;
  }
  if (options.allowNonFinite !== true) {
    const bad = datatype === 'FP16' ? firstNonFiniteHalf(data as Uint16Array) : datatype === 'FP32' ? firstNonFinite32(data as Float32Array) : firstNonFinite64(data as Float64Array);
    if (bad >= 0) {
      const x = datatype === 'FP16' ? halfToFloat((data as Uint16Array)[bad]) : (data as Float32Array)[bad];
      fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `element ${bad} is ${x}; NaN and infinity are not accepted` });
    }
  }
  return data;
}

/**
 * Index of the first NaN or infinity, or -1, read from the bit pattern: the
 * exponent bits all ones. The loop bound is read once: TurboFan re-reads a
 * typed array's length each iteration otherwise, several times slower.
 */
function firstNonFinite32(values: Float32Array): number {
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length);
  const n = bits.length;
  for (let i = 0; i < n; i++) if ((bits[i] & 0x7f800000) === 0x7f800000) return i;
  return -1;
}

function firstNonFinite64(values: Float64Array): number {
  // Little-endian: the high word (sign, exponent, top of the mantissa) is the second of each pair.
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  const n = words.length;
  for (let i = 1; i < n; i += 2) if ((words[i] & 0x7ff00000) === 0x7ff00000) return (i - 1) / 2;
  return -1;
}

function firstNonFiniteHalf(bits: Uint16Array): number {
  // Exponent all ones: infinity or NaN.
  for (let i = 0; i < bits.length; i++) if ((bits[i] & 0x7c00) === 0x7c00) return i;
  return -1;
}

function stringsFromBytes(input: string, count: number, bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const out: string[] = [];
  let pos = 0;
  while (pos < bytes.byteLength) {
    if (pos + 4 > bytes.byteLength) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `BYTES element ${out.length} has a truncated length prefix` });
    const len = view.getUint32(pos, true);
    pos += 4;
    if (pos + len > bytes.byteLength) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `BYTES element ${out.length} claims ${len} bytes but only ${bytes.byteLength - pos} remain` });
    if (out.length >= count) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `binary data holds more than the ${count} BYTES element(s) the shape needs` });
    try {
      out.push(decoder.decode(bytes.subarray(pos, pos + len)));
    } catch {
      fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `BYTES element ${out.length} is not valid UTF-8` });
    }
    pos += len;
  }
  if (out.length !== count) fail('MG_INFERENCE_INVALID_INPUT', { input, detail: `binary data holds ${out.length} BYTES element(s); the shape needs ${count}` });
  return out;
}

/** The extension's byte layout of a tensor's data. */
export function tensorToBytes(datatype: TensorDatatype, data: TensorData): Uint8Array {
  if (datatype === 'BYTES') {
    const encoded = (data as readonly string[]).map((s) => Buffer.from(s, 'utf8'));
    const out = Buffer.allocUnsafe(encoded.reduce((n, b) => n + 4 + b.byteLength, 0));
    let pos = 0;
    for (const b of encoded) {
      out.writeUInt32LE(b.byteLength, pos);
      b.copy(out, pos + 4);
      pos += 4 + b.byteLength;
    }
    return out;
  }
  const typed = data as Exclude<TensorData, readonly string[]>;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}
