/**
 * Pre-promotion smoke requests for a blue-green preview: inputs built from
 * the version's signature (seeded random values, one row each) run on the
 * pinned preview; every one must succeed within the latency limit.
 */
import type { Rng } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import type { NamedTensor, TensorDatatype } from '../runtime/tensor.ts';
import type { TensorSpec } from '../store/registry-types.ts';

export interface SmokeTarget {
  readonly model: { readonly inputs: readonly TensorSpec[] };
  run(inputs: NamedTensor[], outputs: readonly string[]): Promise<NamedTensor[]>;
}

function values(datatype: TensorDatatype, n: number, rng: Rng): NamedTensor['data'] {
  switch (datatype) {
    case 'FP32': return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
    case 'FP64': return Float64Array.from({ length: n }, () => rng.next() * 2 - 1);
    case 'INT64': return BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rng.next() * 10)));
    case 'INT32': return Int32Array.from({ length: n }, () => Math.floor(rng.next() * 10));
    case 'BOOL': return Uint8Array.from({ length: n }, () => (rng.next() < 0.5 ? 0 : 1));
    case 'BYTES': return Array.from({ length: n }, () => 'a');
    default: return Float32Array.from({ length: n }, () => 0);
  }
}

/** One request's inputs from the signature: dynamic dimensions become 1. */
export function smokeInputs(inputs: readonly TensorSpec[], rng: Rng): NamedTensor[] {
  return inputs.map((spec) => {
    const datatype = (spec.datatype ?? 'FP32') as TensorDatatype;
    const shape = (spec.shape ?? [1]).map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    return { name: spec.name, datatype, shape, data: values(datatype, shape.reduce((a, b) => a * b, 1), rng) };
  });
}

/** Runs `requests` smoke requests; null when all passed, else why the first failed. */
export async function runSmoke(target: SmokeTarget, requests: number, latencyLimitMs: number, rng: Rng, now: () => number): Promise<string | null> {
  for (let i = 0; i < requests; i++) {
    const started = now();
    try {
      await target.run(smokeInputs(target.model.inputs, rng), []);
    } catch (err) {
      return `request ${i + 1} of ${requests} failed: ${isModelgateError(err) ? err.message : (err as Error).message}`;
    }
    const took = now() - started;
    if (took > latencyLimitMs) return `request ${i + 1} of ${requests} took ${Math.round(took)} ms, over the limit of ${latencyLimitMs} ms`;
  }
  return null;
}
