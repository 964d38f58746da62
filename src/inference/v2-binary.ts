/**
 * The OIP binary tensor extension: a JSON header of
 * `Inference-Header-Content-Length` bytes, then the raw bytes of every input
 * whose parameters carry `binary_data_size`, in order. Responses put outputs
 * asked for with `binary_data` (or all, with `binary_data_output`) after the
 * JSON header the same way.
 */
import { fail } from '../lib/errors.ts';
import type { NamedTensor } from '../runtime/tensor.ts';
import { tensorToBytes } from '../runtime/tensor-bytes.ts';
import { parseJsonBody, type InputLimits, type ServedModel } from './served-model.ts';
import { decodeV2Header, encodeV2Json, encodeV2JsonText, type V2Request, type V2ResponseJson } from './v2-json.ts';

export const headerLengthName = 'inference-header-content-length';

/** Parses the header-length header; absent means the body is all JSON. */
export function parseHeaderLength(value: unknown, bodyLength: number): number | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  const n = typeof text === 'number' ? text : typeof text === 'string' && /^\d{1,15}$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) fail('MG_INFERENCE_INVALID_REQUEST', { detail: `Inference-Header-Content-Length ${JSON.stringify(text)} is not a non-negative integer` });
  if (n === 0 || n > bodyLength) {
    fail('MG_INFERENCE_INVALID_REQUEST', { detail: `Inference-Header-Content-Length is ${n} but the body has ${bodyLength} byte(s); the body is truncated` });
  }
  return n;
}

/** Decodes a request body that may use the binary extension. */
export function decodeV2Binary(body: Uint8Array, headerLength: unknown, model: ServedModel, limits: InputLimits = {}): V2Request {
  const length = parseHeaderLength(headerLength, body.byteLength);
  if (length === undefined) return decodeV2Header(parseJsonBody(body), model, limits);
  const header = parseJsonBody(body.subarray(0, length));
  return decodeV2Header(header, model, limits, body.subarray(length));
}

export type V2Response =
  | { readonly kind: 'json'; readonly body: string }
  | { readonly kind: 'binary'; readonly body: Buffer; readonly headerLength: number };

/** Encodes the response: JSON text, or header + binary outputs when any were asked for in binary. */
export function encodeV2Response(
  model: Pick<ServedModel, 'name' | 'version'>,
  request: Pick<V2Request, 'id' | 'binaryOutputs'>,
  outputs: readonly NamedTensor[],
  parameters?: Readonly<Record<string, unknown>>,
): V2Response {
  const binary = outputs.filter((t) => request.binaryOutputs.has(t.name));
  if (binary.length === 0) return { kind: 'json', body: encodeV2JsonText(model, request, outputs, parameters) };
  const chunks = binary.map((t) => tensorToBytes(t.datatype, t.data));
  const sizes = new Map(binary.map((t, i) => [t.name, chunks[i].byteLength]));
  const json = encodeV2Json(model, request, outputs, { parameters, binary: request.binaryOutputs, binarySizes: sizes });
  const header = Buffer.from(JSON.stringify(json), 'utf8');
  return { kind: 'binary', body: Buffer.concat([header, ...chunks]), headerLength: header.byteLength };
}

/** Splits a binary response (as a client would) into its JSON header and each binary output's bytes. */
export function splitV2BinaryResponse(body: Uint8Array, headerLength: number): { header: V2ResponseJson; binary: Map<string, Uint8Array> } {
  const header = JSON.parse(Buffer.from(body.subarray(0, headerLength)).toString('utf8')) as V2ResponseJson;
  const binary = new Map<string, Uint8Array>();
  let pos = headerLength;
  for (const o of header.outputs) {
    const size = o.parameters?.binary_data_size;
    if (typeof size === 'number') {
      binary.set(o.name, body.subarray(pos, pos + size));
      pos += size;
    }
  }
  return { header, binary };
}

/** Builds a binary-extension request body from named tensors (for clients, tests and benchmarks). */
export function encodeV2BinaryRequest(inputs: readonly NamedTensor[], options: { id?: string; outputs?: readonly string[]; binaryOutputs?: boolean } = {}): { body: Buffer; headerLength: number } {
  const chunks = inputs.map((t) => tensorToBytes(t.datatype, t.data));
  const header = {
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.binaryOutputs === true ? { parameters: { binary_data_output: true } } : {}),
    inputs: inputs.map((t, i) => ({ name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: chunks[i].byteLength } })),
    ...(options.outputs === undefined ? {} : { outputs: options.outputs.map((name) => ({ name, parameters: { binary_data: options.binaryOutputs === true } })) }),
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  return { body: Buffer.concat([head, ...chunks]), headerLength: head.byteLength };
}
