/**
 * ONNX TypeProto → the registry's TensorSpec: element types become Open
 * Inference Protocol datatypes, shapes keep symbolic dimension names, and
 * values that are not tensors (sequences, maps, optionals, sparse tensors)
 * are described by a kind string such as "seq(map(int64,tensor(float)))".
 */
import type { Datatype, TensorSpec } from '../store/registry-types.ts';
import { ProtobufError, int64Of, readString, submessage } from './onnx-protobuf.ts';
import type { ByteSource, Field } from './onnx-protobuf.ts';

/** TensorProto.DataType codes, with ONNX's type names and the OIP datatype where one exists. */
const ELEMENT_TYPES: Readonly<Record<number, { readonly onnx: string; readonly oip: Datatype | null }>> = {
  1: { onnx: 'float', oip: 'FP32' },
  2: { onnx: 'uint8', oip: 'UINT8' },
  3: { onnx: 'int8', oip: 'INT8' },
  4: { onnx: 'uint16', oip: 'UINT16' },
  5: { onnx: 'int16', oip: 'INT16' },
  6: { onnx: 'int32', oip: 'INT32' },
  7: { onnx: 'int64', oip: 'INT64' },
  8: { onnx: 'string', oip: 'BYTES' },
  9: { onnx: 'bool', oip: 'BOOL' },
  10: { onnx: 'float16', oip: 'FP16' },
  11: { onnx: 'double', oip: 'FP64' },
  12: { onnx: 'uint32', oip: 'UINT32' },
  13: { onnx: 'uint64', oip: 'UINT64' },
  14: { onnx: 'complex64', oip: null },
  15: { onnx: 'complex128', oip: null },
  16: { onnx: 'bfloat16', oip: 'BF16' },
  17: { onnx: 'float8e4m3fn', oip: null },
  18: { onnx: 'float8e4m3fnuz', oip: null },
  19: { onnx: 'float8e5m2', oip: null },
  20: { onnx: 'float8e5m2fnuz', oip: null },
  21: { onnx: 'uint4', oip: null },
  22: { onnx: 'int4', oip: null },
  23: { onnx: 'float4e2m1', oip: null },
};

export const FLOAT_ELEMENT_TYPE = 1;

const TYPE = { tensor: 1, sequence: 4, map: 5, sparseTensor: 8, optional: 9 } as const;
const TENSOR_TYPE = { elemType: 1, shape: 2 } as const;
const MAP_TYPE = { keyType: 1, valueType: 2 } as const;
const SHAPE_DIM = 1;
const DIM = { value: 1, param: 2 } as const;

type Dim = number | string | null;

export interface ValueType {
  /** OIP datatype for a tensor of a representable element type; null otherwise. */
  readonly datatype: Datatype | null;
  readonly shape: readonly Dim[] | null;
  /** ONNX's description of the type, e.g. "tensor(float)" or "seq(map(int64,tensor(float)))". */
  readonly kind: string;
  readonly isTensor: boolean;
}

function elementName(code: number, at: number): string {
  const known = ELEMENT_TYPES[code];
  if (!known) throw new ProtobufError(`unknown element type ${code} at byte ${at}`);
  return known.onnx;
}

async function readShape(src: ByteSource, field: Field): Promise<Dim[]> {
  const dims: Dim[] = [];
  for await (const f of submessage(src, field)) {
    if (f.number !== SHAPE_DIM) continue;
    let dim: Dim = null;
    for await (const d of submessage(src, f)) {
      if (d.number === DIM.value) dim = int64Of(d);
      else if (d.number === DIM.param) dim = (await readString(src, d)) || null;
    }
    dims.push(dim);
  }
  return dims;
}

async function readTensorType(src: ByteSource, field: Field) {
  let elem = 0;
  let shape: Dim[] | null = null;
  for await (const f of submessage(src, field)) {
    if (f.number === TENSOR_TYPE.elemType) elem = int64Of(f);
    else if (f.number === TENSOR_TYPE.shape) shape = await readShape(src, f);
  }
  return { elem, shape };
}

async function innerType(src: ByteSource, field: Field, number: number): Promise<ValueType> {
  for await (const f of submessage(src, field)) {
    if (f.number === number) return readValueType(src, f);
  }
  return unknownType;
}

const unknownType: ValueType = { datatype: null, shape: null, kind: 'unknown', isTensor: false };

/** Describes the TypeProto held in `field`. */
export async function readValueType(src: ByteSource, field: Field | null): Promise<ValueType> {
  if (!field) return unknownType;
  for await (const f of submessage(src, field)) {
    switch (f.number) {
      case TYPE.tensor: {
        const { elem, shape } = await readTensorType(src, f);
        return { datatype: ELEMENT_TYPES[elem]?.oip ?? null, shape, kind: `tensor(${elementName(elem, f.start)})`, isTensor: true };
      }
      case TYPE.sparseTensor: {
        const { elem, shape } = await readTensorType(src, f);
        return { datatype: null, shape, kind: `sparse_tensor(${elementName(elem, f.start)})`, isTensor: false };
      }
      case TYPE.sequence:
        return { ...unknownType, kind: `seq(${(await innerType(src, f, 1)).kind})` };
      case TYPE.optional:
        return { ...unknownType, kind: `optional(${(await innerType(src, f, 1)).kind})` };
      case TYPE.map: {
        let key = 'unknown';
        for await (const m of submessage(src, f)) {
          if (m.number === MAP_TYPE.keyType) key = elementName(int64Of(m), m.start);
        }
        return { ...unknownType, kind: `map(${key},${(await innerType(src, f, MAP_TYPE.valueType)).kind})` };
      }
    }
  }
  return unknownType;
}

/** The registry's description of a graph input or output. */
export function toTensorSpec(name: string, type: ValueType): TensorSpec {
  if (type.isTensor && type.datatype !== null) return { name, datatype: type.datatype, shape: type.shape };
  return { name, datatype: null, shape: type.shape, kind: type.kind };
}
