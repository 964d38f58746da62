/**
 * A version's model seen from evaluation: one 2-D numeric input (batch ×
 * features, placed by the version's feature names) and the outputs that say
 * what the task is. A probabilities output (the registry's probabilityOutput,
 * an output named like "prob…", or any float [batch, k>1] output) makes it a
 * classifier; a single float value per row makes it a regressor. Predicted
 * classes come from an integer or text label output when there is one, else
 * from the arg-max of the probabilities.
 */
import { fail } from '../lib/errors.ts';
import type { ModelSession } from '../runtime/session.ts';
import type { NamedTensor, TensorData } from '../runtime/tensor.ts';
import type { TensorSpec, VersionRecord } from '../store/registry-types.ts';
import type { ClassLabel } from './metrics.ts';
import type { Task } from './types.ts';

export interface BatchPrediction {
  readonly rows: number;
  /** Classification: predicted class per row. */
  readonly classes?: readonly ClassLabel[];
  /** Classification: rows × classes, row-major. */
  readonly probabilities?: Float32Array | Float64Array;
  /** Regression: one value per row. */
  readonly values?: Float64Array;
  /** Every output as the runtime returned it, for determinism checks. */
  readonly raw: readonly NamedTensor[];
}

export interface Predictor {
  readonly task: Task;
  readonly features: readonly string[];
  /** Classification: labels in the order of the probability columns. */
  readonly classLabels?: readonly ClassLabel[];
  predict(matrix: Float32Array | Float64Array, rows: number): Promise<BatchPrediction>;
  /** A feature matrix of the input's element type. */
  allocate(rows: number): Float32Array | Float64Array;
}

const isFloat = (s: TensorSpec): boolean => s.datatype === 'FP32' || s.datatype === 'FP64' || s.datatype === 'FP16';
const lastDim = (s: TensorSpec): number | string | null | undefined => (s.shape === null ? undefined : s.shape.at(-1));

/** Plain numbers from a numeric tensor, converted in one pass (labels come as INT64 from most exporters). */
function toNumbers(data: TensorData): number[] {
  const out = new Array<number>(data.length);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!);
  else {
    const numbers = data as ArrayLike<number>;
    for (let i = 0; i < numbers.length; i++) out[i] = numbers[i]!;
  }
  return out;
}

/** Chooses the input, task and outputs for a loaded session; MG_EVAL_UNSUPPORTED_MODEL when they do not fit. */
export function createPredictor(session: ModelSession, version: VersionRecord, datasetColumns: readonly string[], exclude: readonly string[]): Predictor {
  const target = `${version.model} v${version.version}`;
  const unsupported = (detail: string): never => fail('MG_EVAL_UNSUPPORTED_MODEL', { target, detail });
  if (session.inputs.length !== 1) unsupported(`it has ${session.inputs.length} inputs; evaluation feeds one [batch, features] tensor`);
  const input = session.inputs[0]!;
  if (input.datatype !== 'FP32' && input.datatype !== 'FP64') unsupported(`input "${input.name}" is ${input.datatype}; evaluation feeds FP32 or FP64`);
  if (input.shape !== null && input.shape.length !== 2) unsupported(`input "${input.name}" has rank ${input.shape.length}; evaluation feeds [batch, features]`);
  const width = input.shape?.[1];
  const features = version.features ?? datasetColumns.filter((c) => !exclude.includes(c));
  if (typeof width === 'number' && features.length !== width) {
    unsupported(version.features === null
      ? `the version records no feature names and the data set has ${features.length} feature columns for an input of width ${width}; register with --features`
      : `the version names ${features.length} features for an input of width ${width}`);
  }
  const extra = version.extra as { probabilityOutput?: unknown; classLabels?: unknown };
  const byName = (name: unknown): TensorSpec | undefined => session.outputs.find((o) => o.name === name);
  const probs = byName(extra.probabilityOutput)
    ?? session.outputs.find((o) => isFloat(o) && /prob/i.test(o.name))
    ?? session.outputs.find((o) => isFloat(o) && o.shape?.length === 2 && typeof lastDim(o) === 'number' && (lastDim(o) as number) > 1);
  const labelOut = session.outputs.find((o) => o !== probs && o.shape?.length === 1 && (o.datatype === 'INT64' || o.datatype === 'INT32' || o.datatype === 'BYTES'));
  const regression = probs === undefined && labelOut === undefined
    ? session.outputs.find((o) => isFloat(o) && (o.shape?.length === 1 || (o.shape?.length === 2 && (lastDim(o) === 1 || lastDim(o) === null))))
    : undefined;
  if (probs === undefined && labelOut === undefined && regression === undefined) {
    unsupported(`no probabilities, label or single-value output among ${session.outputs.map((o) => `${o.name} ${o.datatype}`).join(', ')}`);
  }
  const task: Task = regression !== undefined ? 'regression' : 'classification';
  const k = probs !== undefined && typeof lastDim(probs) === 'number' ? (lastDim(probs) as number) : undefined;
  const classLabels: ClassLabel[] | undefined = Array.isArray(extra.classLabels)
    ? (extra.classLabels as ClassLabel[])
    : k !== undefined ? Array.from({ length: k }, (_, i) => i) : undefined;
  const fetch = [probs, labelOut, regression].filter((o): o is TensorSpec => o !== undefined).map((o) => o.name);
  const Ctor = input.datatype === 'FP64' ? Float64Array : Float32Array;

  return {
    task,
    features,
    ...(classLabels !== undefined ? { classLabels } : {}),
    allocate: (rows) => new Ctor(rows * features.length),
    async predict(matrix, rows) {
      const feed: NamedTensor = { name: input.name, datatype: input.datatype as 'FP32' | 'FP64', shape: [rows, features.length], data: matrix.length === rows * features.length ? matrix : matrix.subarray(0, rows * features.length) };
      const raw = await session.run([feed], fetch);
      const get = (spec: TensorSpec | undefined): NamedTensor | undefined => (spec === undefined ? undefined : raw.find((t) => t.name === spec.name));
      if (task === 'regression') {
        const out = get(regression)!;
        if (out.data.length !== rows) fail('MG_EVAL_UNSUPPORTED_MODEL', { target, detail: `output "${out.name}" gave ${out.data.length} values for ${rows} rows` });
        return { rows, values: Float64Array.from(toNumbers(out.data)), raw };
      }
      const p = get(probs);
      let probabilities: Float32Array | Float64Array | undefined;
      if (p !== undefined) {
        probabilities = p.data instanceof Float64Array || p.data instanceof Float32Array ? p.data : Float32Array.from(p.data as ArrayLike<number>);
        if (probabilities.length % rows !== 0) fail('MG_EVAL_UNSUPPORTED_MODEL', { target, detail: `output "${p.name}" has ${probabilities.length} values for ${rows} rows` });
      }
      const cols = probabilities === undefined ? 0 : probabilities.length / rows;
      const l = get(labelOut);
      let classes: ClassLabel[];
      if (l !== undefined) {
        classes = l.datatype === 'BYTES' ? [...(l.data as readonly string[])] : toNumbers(l.data);
      } else {
        classes = new Array<ClassLabel>(rows);
        for (let r = 0; r < rows; r++) {
          let best = 0;
          for (let c = 1; c < cols; c++) if (probabilities![r * cols + c]! > probabilities![r * cols + best]!) best = c;
          classes[r] = classLabels?.[best] ?? best;
        }
      }
      return { rows, classes, ...(probabilities !== undefined ? { probabilities } : {}), raw };
    },
  };
}
