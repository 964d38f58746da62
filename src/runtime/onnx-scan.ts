/**
 * Walks an ONNX ModelProto and its GraphProto, keeping the structure
 * (names, node wiring, opsets) and the byte ranges of every field, while
 * skipping tensor payloads. Both signature reading and the ZipMap rewrite
 * start from this scan. Field numbers follow onnx/onnx.proto.
 */
import { open } from 'node:fs/promises';
import { ModelgateError } from '../lib/errors.ts';
import {
  ProtobufError, expectWire, fields, fileSource, int64Of, readString, submessage,
} from './onnx-protobuf.ts';
import type { ByteSource, Field } from './onnx-protobuf.ts';

export const ML_DOMAIN = 'ai.onnx.ml';

const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12, sparseInitializer: 15 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const TENSOR_NAME = 8;
const SPARSE_VALUES = 1;
const VALUE_INFO = { name: 1, type: 2 } as const;

export interface NodeScan {
  readonly field: Field;
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly Field[];
}

export interface ValueInfoScan {
  readonly field: Field;
  readonly name: string;
  /** The TypeProto field, absent when the value has no declared type. */
  readonly type: Field | null;
}

export interface GraphScan {
  readonly field: Field;
  /** Every field of the graph message, in file order. */
  readonly fields: readonly Field[];
  readonly nodes: readonly NodeScan[];
  readonly inputs: readonly ValueInfoScan[];
  readonly outputs: readonly ValueInfoScan[];
  readonly initializerNames: ReadonlySet<string>;
}

export interface ModelScan {
  readonly src: ByteSource;
  readonly irVersion: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producer: { readonly name: string; readonly version: string };
  readonly graph: GraphScan;
}

async function scanNode(src: ByteSource, field: Field): Promise<NodeScan> {
  let name = '';
  let opType = '';
  let domain = '';
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes: Field[] = [];
  for await (const f of submessage(src, field)) {
    if (f.number === NODE.input) inputs.push(await readString(src, f));
    else if (f.number === NODE.output) outputs.push(await readString(src, f));
    else if (f.number === NODE.name) name = await readString(src, f);
    else if (f.number === NODE.opType) opType = await readString(src, f);
    else if (f.number === NODE.domain) domain = await readString(src, f);
    else if (f.number === NODE.attribute) {
      expectWire(f, 2);
      attributes.push(f);
    }
  }
  if (opType === '') throw new ProtobufError(`node at byte ${field.start} has no op_type`);
  return { field, name, opType, domain, inputs, outputs, attributes };
}

async function scanValueInfo(src: ByteSource, field: Field): Promise<ValueInfoScan> {
  let name = '';
  let type: Field | null = null;
  for await (const f of submessage(src, field)) {
    if (f.number === VALUE_INFO.name) name = await readString(src, f);
    else if (f.number === VALUE_INFO.type) {
      expectWire(f, 2);
      type = f;
    }
  }
  if (name === '') throw new ProtobufError(`graph input or output at byte ${field.start} has no name`);
  return { field, name, type };
}

/** The name of a TensorProto, read without touching its data fields. */
async function tensorName(src: ByteSource, field: Field): Promise<string> {
  let name = '';
  for await (const f of submessage(src, field)) {
    if (f.number === TENSOR_NAME) name = await readString(src, f);
  }
  return name;
}

async function scanGraph(src: ByteSource, field: Field): Promise<GraphScan> {
  const all: Field[] = [];
  const nodes: NodeScan[] = [];
  const inputs: ValueInfoScan[] = [];
  const outputs: ValueInfoScan[] = [];
  const initializerNames = new Set<string>();
  for await (const f of submessage(src, field)) {
    all.push(f);
    if (f.number === GRAPH.node) nodes.push(await scanNode(src, f));
    else if (f.number === GRAPH.input) inputs.push(await scanValueInfo(src, f));
    else if (f.number === GRAPH.output) outputs.push(await scanValueInfo(src, f));
    else if (f.number === GRAPH.initializer) initializerNames.add(await tensorName(src, f));
    else if (f.number === GRAPH.sparseInitializer) {
      for await (const s of submessage(src, f)) {
        if (s.number === SPARSE_VALUES) initializerNames.add(await tensorName(src, s));
      }
    }
  }
  if (outputs.length === 0) throw new ProtobufError('graph has no outputs');
  return { field, fields: all, nodes, inputs, outputs, initializerNames };
}

async function scanOpset(src: ByteSource, field: Field) {
  let domain = '';
  let version = 0;
  for await (const f of submessage(src, field)) {
    if (f.number === OPSET.domain) domain = await readString(src, f);
    else if (f.number === OPSET.version) version = int64Of(f);
  }
  return { domain: domain === '' ? 'ai.onnx' : domain, version };
}

/** Scans a model held in `src`; throws ProtobufError when the bytes are not a well-formed ONNX model. */
export async function scanModel(src: ByteSource): Promise<ModelScan> {
  if (src.size === 0) throw new ProtobufError('empty file');
  let irVersion = 0;
  let producerName = '';
  let producerVersion = '';
  const opsets: { domain: string; version: number }[] = [];
  let graphField: Field | null = null;
  for await (const f of fields(src, 0, src.size)) {
    if (f.number === MODEL.irVersion) irVersion = int64Of(f);
    else if (f.number === MODEL.producerName) producerName = await readString(src, f);
    else if (f.number === MODEL.producerVersion) producerVersion = await readString(src, f);
    else if (f.number === MODEL.opsetImport) opsets.push(await scanOpset(src, f));
    else if (f.number === MODEL.graph) {
      if (graphField) throw new ProtobufError(`a second graph at byte ${f.start}`);
      expectWire(f, 2);
      graphField = f;
    }
  }
  if (!graphField) throw new ProtobufError('no graph in model');
  if (irVersion <= 0) throw new ProtobufError('no ir_version in model');
  const graph = await scanGraph(src, graphField);
  return { src, irVersion, opsets, producer: { name: producerName, version: producerVersion }, graph };
}

/** Runs `body` on the file's bytes, turning parse failures into MG_REGISTRY_INVALID_ARTIFACT. */
export async function withOnnxFile<T>(path: string, body: (src: ByteSource) => Promise<T>): Promise<T> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelgateError('MG_FILE_NOT_FOUND', { file: path });
    throw err;
  }
  try {
    const { size } = await fh.stat();
    return await body(fileSource(fh, size));
  } catch (err) {
    if (err instanceof ProtobufError) {
      throw new ModelgateError('MG_REGISTRY_INVALID_ARTIFACT', { detail: err.message }, { cause: err });
    }
    throw err;
  } finally {
    await fh.close();
  }
}
