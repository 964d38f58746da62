/**
 * Writes valid ONNX models of a chosen size for upload benchmarks and crash
 * tests (500 MB, 1 GiB) without holding them in memory: the protobuf framing
 * is computed up front and the large initializer is streamed in blocks.
 *
 * The graph is y = x + padding[0:4] with x FP32 [batch, 4], so the large
 * initializer is used (ONNX Runtime neither drops it nor warns) and a loaded
 * model gives a result a test can check.
 */
import { open } from 'node:fs/promises';
import { seededRng } from '../../src/lib/clock.ts';
import {
  bytesField, concatBytes, lengthHeader, messageField, stringField, varintField,
} from '../../src/runtime/onnx-protobuf-write.ts';

const FLOAT = 1;
const INT64 = 7;
const BLOCK_FLOATS = 256 * 1024;

export interface BigOnnxOptions {
  /** Seeds the initializer values, so models of one size can differ (content-addressed stores dedupe). */
  readonly seed?: number;
}

export interface BigOnnx {
  readonly size: number;
  /** The first four values of the padding initializer: y = x + these. */
  readonly bias: readonly number[];
}

function int64Tensor(name: string, value: number): Uint8Array {
  const raw = Buffer.alloc(8);
  raw.writeBigInt64LE(BigInt(value));
  return concatBytes([varintField(1, 1), varintField(2, INT64), stringField(8, name), bytesField(9, raw)]);
}

function node(op: string, inputs: readonly string[], output: string): Uint8Array {
  return messageField(1, [...inputs.map((i) => stringField(1, i)), stringField(2, output), stringField(3, op.toLowerCase()), stringField(4, op)]);
}

function floatValueInfo(field: number, name: string): Uint8Array {
  const shape = messageField(2, [messageField(1, [stringField(2, 'batch')]), messageField(1, [varintField(1, 4)])]);
  return messageField(field, [stringField(1, name), messageField(2, [messageField(1, [varintField(1, FLOAT), shape])])]);
}

/** Writes an ONNX model of about `bytes` bytes (never less than a few hundred) to `path`. */
export async function writeBigOnnx(path: string, bytes: number, options: BigOnnxOptions = {}): Promise<BigOnnx> {
  const graphHead = concatBytes([
    node('Slice', ['padding', 'starts', 'ends'], 'bias'),
    node('Add', ['x', 'bias'], 'y'),
    stringField(2, 'big'),
    messageField(5, [int64Tensor('starts', 0)]),
    messageField(5, [int64Tensor('ends', 4)]),
    floatValueInfo(11, 'x'),
    floatValueInfo(12, 'y'),
  ]);
  const modelHead = concatBytes([
    varintField(1, 8),
    stringField(2, 'modelgate-bench'),
    stringField(3, '1'),
    messageField(8, [varintField(2, 17)]),
  ]);
  // Framing is a few hundred bytes; estimate it with a generous count, then fill the rest.
  const framing = modelHead.length + graphHead.length + 64;
  const count = Math.max(4, Math.floor((bytes - framing) / 4));
  const payload = count * 4;
  const tensorHead = concatBytes([varintField(1, count), varintField(2, FLOAT), stringField(8, 'padding'), lengthHeader(9, payload)]);
  const tensorLength = tensorHead.length + payload;
  const initializerHeader = lengthHeader(5, tensorLength);
  const graphLength = graphHead.length + initializerHeader.length + tensorLength;

  const rng = seededRng(options.seed ?? 1);
  const block = new Float32Array(BLOCK_FLOATS);
  for (let i = 0; i < block.length; i++) block[i] = Math.fround(rng.next());
  const blockBytes = Buffer.from(block.buffer);

  const out = await open(path, 'w');
  try {
    await out.write(concatBytes([modelHead, lengthHeader(7, graphLength), graphHead, initializerHeader, tensorHead]));
    for (let written = 0; written < payload; ) {
      const { bytesWritten } = await out.write(blockBytes, 0, Math.min(blockBytes.length, payload - written));
      written += bytesWritten;
    }
    const { size } = await out.stat();
    return { size, bias: Array.from(block.subarray(0, 4)) };
  } finally {
    await out.close();
  }
}
