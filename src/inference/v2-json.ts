/**
 * Open Inference Protocol REST, JSON: request body → validated named tensors in
 * signature order plus the outputs asked for; tensors → response body. Pure
 * functions: the HTTP layer hands in the body and sends what comes back. The
 * binary tensor extension (v2-binary.ts) reuses the header decoding here.
 */
import { fail } from '../lib/errors.ts';
import { tensorFromJson, tensorJsonText, tensorToJsonData, elementCount, isTensorDatatype, tensorDatatypes, type NamedTensor } from '../runtime/tensor.ts';
import { tensorFromBytes } from '../runtime/tensor-bytes.ts';
import { checkInputs, checkOutputNames, isPlainObject, parseJsonBody, type InputLimits, type ServedModel } from './served-model.ts';

export interface V2Request {
  readonly id?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** The model's inputs, validated, in signature order. */
  readonly inputs: NamedTensor[];
  /** Names of the outputs to compute (all when the request names none). */
  readonly outputs: string[];
  /** Outputs to return in the binary part of the response. */
  readonly binaryOutputs: ReadonlySet<string>;
}

export interface V2OutputJson {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data?: readonly (number | boolean | string)[];
  readonly parameters?: Readonly<Record<string, unknown>>;
}

export interface V2ResponseJson {
  readonly model_name: string;
  readonly model_version: string;
  readonly id?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly outputs: V2OutputJson[];
}

function invalid(detail: string): never {
  return fail('MG_INFERENCE_INVALID_REQUEST', { detail });
}

function optionalParameters(where: string, v: unknown): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  if (!isPlainObject(v)) invalid(`${where} "parameters" must be an object`);
  return v;
}

/** A cursor over the binary part of a request: inputs take their bytes in order. */
interface BinaryCursor {
  readonly bytes: Uint8Array;
  pos: number;
}

function decodeInput(raw: unknown, index: number, limits: InputLimits, binary: BinaryCursor | undefined): NamedTensor {
  if (!isPlainObject(raw)) invalid(`inputs[${index}] must be an object with name, datatype, shape and data`);
  const name = raw.name;
  if (typeof name !== 'string' || name === '') invalid(`inputs[${index}] has no "name" string`);
  if (raw.datatype === undefined) fail('MG_INFERENCE_INVALID_INPUT', { input: name, detail: 'has no "datatype"' });
  if (raw.shape === undefined) fail('MG_INFERENCE_INVALID_INPUT', { input: name, detail: 'has no "shape"' });
  const params = optionalParameters(`input "${name}"`, raw.parameters);
  const size = params?.binary_data_size;
  if (size === undefined) {
    if (raw.data === undefined) fail('MG_INFERENCE_INVALID_INPUT', { input: name, detail: 'has no "data" (nor parameters.binary_data_size)' });
    return tensorFromJson(name, raw.datatype, raw.shape, raw.data, limits);
  }
  if (raw.data !== undefined) fail('MG_INFERENCE_INVALID_INPUT', { input: name, detail: 'has both "data" and parameters.binary_data_size' });
  if (binary === undefined) fail('MG_INFERENCE_INVALID_INPUT', { input: name, detail: 'sets binary_data_size but the request has no binary part (Inference-Header-Content-Length)' });
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    fail('MG_INFERENCE_INVALID_INPUT', { input: name, detail: 'binary_data_size must be a non-negative integer' });
  }
  if (!isTensorDatatype(raw.datatype)) {
    fail('MG_INFERENCE_INVALID_INPUT', { input: name, detail: `datatype ${JSON.stringify(raw.datatype)} is not one of ${tensorDatatypes.join(', ')}` });
  }
  const count = elementCount(name, raw.shape);
  if (binary.pos + size > binary.bytes.byteLength) {
    fail('MG_INFERENCE_INVALID_INPUT', { input: name, detail: `binary_data_size is ${size} but only ${binary.bytes.byteLength - binary.pos} byte(s) of binary data remain; the body is truncated` });
  }
  const bytes = binary.bytes.subarray(binary.pos, binary.pos + size);
  binary.pos += size;
  return { name, datatype: raw.datatype, shape: [...(raw.shape as number[])], data: tensorFromBytes(name, raw.datatype, count, bytes, limits) };
}

function decodeOutputs(raw: unknown, allBinary: boolean): { names: string[] | undefined; binary: Set<string> } {
  const binary = new Set<string>();
  if (raw === undefined) return { names: undefined, binary };
  if (!Array.isArray(raw)) invalid('"outputs" must be an array of {name, parameters}');
  const names = raw.map((o, i) => {
    if (!isPlainObject(o) || typeof o.name !== 'string') invalid(`outputs[${i}] must be an object with a "name" string`);
    const p = optionalParameters(`output "${o.name}"`, o.parameters);
    const flag = p?.binary_data;
    if (flag !== undefined && typeof flag !== 'boolean') invalid(`output "${o.name}" parameters.binary_data must be true or false`);
    if (flag ?? allBinary) binary.add(o.name);
    return o.name;
  });
  return { names, binary };
}

/**
 * Decodes an OIP request header (the whole body for JSON requests). `binary`
 * is the bytes after the header when the binary extension is used.
 */
export function decodeV2Header(header: unknown, model: ServedModel, limits: InputLimits = {}, binary?: Uint8Array): V2Request {
  if (!isPlainObject(header)) invalid('the body must be a JSON object with "inputs"');
  const id = header.id;
  if (id !== undefined && typeof id !== 'string') invalid('"id" must be a string');
  const parameters = optionalParameters('request', header.parameters);
  const allBinary = parameters?.binary_data_output;
  if (allBinary !== undefined && typeof allBinary !== 'boolean') invalid('parameters.binary_data_output must be true or false');
  if (!Array.isArray(header.inputs) || header.inputs.length === 0) invalid('"inputs" must be a non-empty array');
  const cursor = binary === undefined ? undefined : { bytes: binary, pos: 0 };
  const decoded = header.inputs.map((raw, i) => decodeInput(raw, i, limits, cursor));
  if (cursor !== undefined && cursor.pos !== cursor.bytes.byteLength) {
    invalid(`the binary part has ${cursor.bytes.byteLength - cursor.pos} byte(s) beyond what the inputs' binary_data_size values account for`);
  }
  const inputs = checkInputs(decoded, model, limits);
  const requested = decodeOutputs(header.outputs, allBinary === true);
  const outputs = checkOutputNames(requested.names, model);
  if (requested.names === undefined && allBinary === true) for (const n of outputs) requested.binary.add(n);
  return {
    ...(id === undefined ? {} : { id }),
    ...(parameters === undefined ? {} : { parameters }),
    inputs, outputs, binaryOutputs: requested.binary,
  };
}

/** Decodes a JSON request body (text, bytes, or already parsed). */
export function decodeV2Json(body: unknown, model: ServedModel, limits: InputLimits = {}): V2Request {
  return decodeV2Header(parseJsonBody(body), model, limits);
}

/** The JSON response for `outputs`; outputs named in `binary` get no `data` (v2-binary adds them). */
export function encodeV2Json(
  model: Pick<ServedModel, 'name' | 'version'>,
  request: Pick<V2Request, 'id'>,
  outputs: readonly NamedTensor[],
  options: { parameters?: Readonly<Record<string, unknown>>; binary?: ReadonlySet<string>; binarySizes?: ReadonlyMap<string, number> } = {},
): V2ResponseJson {
  return {
    model_name: model.name,
    model_version: model.version,
    ...(request.id === undefined ? {} : { id: request.id }),
    ...(options.parameters === undefined ? {} : { parameters: options.parameters }),
    outputs: outputs.map((t) => options.binary?.has(t.name) === true
      ? { name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: options.binarySizes?.get(t.name) ?? 0 } }
      : { name: t.name, datatype: t.datatype, shape: t.shape, data: tensorToJsonData(t) }),
  };
}

/**
 * The text of encodeV2Json's answer when no output is binary, written
 * directly (the same bytes JSON.stringify gives): the response path of every
 * JSON inference request.
 */
export function encodeV2JsonText(
  model: Pick<ServedModel, 'name' | 'version'>,
  request: Pick<V2Request, 'id'>,
  outputs: readonly NamedTensor[],
  parameters?: Readonly<Record<string, unknown>>,
): string {
  let text = `{"model_name":${JSON.stringify(model.name)},"model_version":${JSON.stringify(model.version)}`;
  if (request.id !== undefined) text += `,"id":${JSON.stringify(request.id)}`;
  if (parameters !== undefined) text += `,"parameters":${JSON.stringify(parameters)}`;
  text += ',"outputs":[';
  for (let i = 0; i < outputs.length; i++) {
    const t = outputs[i]!;
    text += `${i === 0 ? '' : ','}{"name":${JSON.stringify(t.name)},"datatype":"${t.datatype}","shape":[${t.shape.join(',')}],"data":${tensorJsonText(t)}}`;
  }
  return `${text}]}`;
}
