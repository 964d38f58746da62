/**
 * Joining requests along the batch dimension and handing each caller its own
 * rows back: the tensor arithmetic under the dynamic batcher.
 */
import { fail } from '../lib/errors.ts';
import type { NamedTensor, TensorData } from '../runtime/tensor.ts';

type Typed = Exclude<TensorData, readonly string[]>;

/** Concatenates same-named tensors along dimension 0; their other dimensions must agree. */
export function concatRows(parts: readonly NamedTensor[]): NamedTensor {
  const [first] = parts;
  if (parts.length === 1) return first;
  const rows = parts.reduce((n, t) => n + t.shape[0], 0);
  const shape = [rows, ...first.shape.slice(1)];
  if (first.datatype === 'BYTES') {
    return { ...first, shape, data: parts.flatMap((t) => t.data as readonly string[]) };
  }
  const total = parts.reduce((n, t) => n + t.data.length, 0);
  const ctor = (first.data as Typed).constructor as new (n: number) => Typed;
  const out = new ctor(total);
  let pos = 0;
  for (const t of parts) {
    (out as Float32Array).set(t.data as Float32Array, pos);
    pos += t.data.length;
  }
  return { ...first, shape, data: out };
}

/** Rows [start, start + count) of a tensor whose first dimension is the batch. */
export function sliceRows(t: NamedTensor, start: number, count: number, totalRows: number): NamedTensor {
  if (t.shape.length === 0 || t.shape[0] !== totalRows) {
    fail('MG_INFERENCE_FAILED', { detail: `output "${t.name}" has shape [${t.shape.join(', ')}] and cannot be split back into the ${totalRows} batched row(s)` });
  }
  if (start === 0 && count === totalRows) return t;
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = t.datatype === 'BYTES'
    ? (t.data as readonly string[]).slice(start * per, (start + count) * per)
    : (t.data as Typed).slice(start * per, (start + count) * per);
  return { ...t, shape: [count, ...t.shape.slice(1)], data };
}
