/**
 * The decoding cost alone, in this process: a request body as the server
 * receives it, through the same codec functions the V2 route calls (JSON:
 * JSON.parse then decodeV2Header; binary: decodeV2Binary). Separates the
 * codec from HTTP and from the load generator sharing the machine.
 */
import type { NamedTensor } from '../../src/runtime/tensor.ts';
import type { ServedModel } from '../../src/inference/served-model.ts';
import { decodeV2Binary } from '../../src/inference/v2-binary.ts';
import { decodeV2Header } from '../../src/inference/v2-json.ts';

export interface CodecTiming {
  readonly jsonMs: number;
  readonly binaryMs: number;
  readonly ratio: number;
}

/** CPU milliseconds per call (this thread's user + system time, so other load on the machine does not count). */
function perCall(fn: () => void, minMs = 300): number {
  fn();
  let n = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < minMs * 1000) {
    fn();
    n++;
    const d = process.cpuUsage(start);
    used = d.user + d.system;
  }
  return used / 1000 / n;
}

/** Milliseconds per decode of the same tensor sent as JSON text and as the binary extension. */
export function timeCodecs(input: NamedTensor, jsonBody: string, binary: { body: Buffer; headerLength: number }): CodecTiming {
  const model: ServedModel = {
    name: 'codec', version: '1', features: null,
    inputs: [{ name: input.name, datatype: input.datatype, shape: ['batch', ...input.shape.slice(1)] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: ['batch', 1] }],
  };
  const jsonBytes = Buffer.from(jsonBody, 'utf8');
  const jsonMs = perCall(() => decodeV2Header(JSON.parse(jsonBytes.toString('utf8')), model));
  const binaryMs = perCall(() => decodeV2Binary(binary.body, String(binary.headerLength), model));
  return { jsonMs: Math.round(jsonMs * 1000) / 1000, binaryMs: Math.round(binaryMs * 1000) / 1000, ratio: Math.round((jsonMs / binaryMs) * 10) / 10 };
}
