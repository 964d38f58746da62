/**
 * The one streaming pass of an evaluation: rows are read from the data set,
 * their features placed into batches (by the version's feature names) and
 * sent to the model while reading goes on, with at most two batches in
 * flight. Columns are kept for metrics, fairness, data-quality checks and
 * drift; the first rows' features are kept for the in-memory checks.
 */
import type { ColumnData, DatasetProgress } from '../data/dataset.ts';
import { readDataset } from '../data/dataset.ts';
import { fail } from '../lib/errors.ts';
import type { ClassLabel } from './metrics.ts';
import type { BatchPrediction, Predictor } from './predictor.ts';

export interface ScanOptions {
  readonly file: string;
  readonly label: string;
  readonly batchSize: number;
  /** Rows whose features are kept for latency, determinism and robustness. */
  readonly keepRows: number;
  readonly target: string;
  /** Builds the predictor once the columns are known. */
  readonly predictor: (columns: readonly string[]) => Predictor;
  readonly onProgress?: (progress: DatasetProgress) => void;
}

export interface ScanResult {
  readonly predictor: Predictor;
  readonly data: ColumnData;
  readonly yTrue: (number | string)[];
  readonly classes?: ClassLabel[];
  readonly probabilities?: Float32Array | Float64Array;
  readonly values?: Float64Array;
  readonly kept: Float32Array | Float64Array;
  readonly keptRows: number;
  /** Population standard deviation of each feature over all rows. */
  readonly stds: number[];
}

function grow<T extends Float32Array | Float64Array>(buf: T, need: number): T {
  if (buf.length >= need) return buf;
  const next = new (buf.constructor as new (n: number) => T)(Math.max(need, buf.length * 2));
  next.set(buf);
  return next;
}

export async function scanDataset(options: ScanOptions): Promise<ScanResult> {
  const { file, label, batchSize, target } = options;
  const mismatch = (detail: string): never => fail('MG_EVAL_DATA_MISMATCH', { file, target, detail });
  const columns: string[] = [];
  const values: Record<string, (number | string | null)[]> = {};
  let predictor: Predictor | undefined;
  let featureIndex: string[] = [];
  let width = 0;
  let batch: Float32Array | Float64Array = new Float32Array(0);
  let kept: Float32Array | Float64Array = new Float32Array(0);
  let mean: Float64Array = new Float64Array(0);
  let m2: Float64Array = new Float64Array(0);
  let inBatch = 0;
  let rows = 0;
  const yTrue: (number | string)[] = [];
  const pending: Promise<BatchPrediction>[] = [];
  const done: BatchPrediction[] = [];
  const flush = async (): Promise<void> => {
    if (inBatch === 0) return;
    pending.push(predictor!.predict(batch, inBatch));
    batch = predictor!.allocate(batchSize);
    inBatch = 0;
    if (pending.length >= 2) done.push(await pending.shift()!);
  };
  const addColumn = (name: string): void => {
    if (values[name] !== undefined) return;
    values[name] = new Array<number | string | null>(rows).fill(null);
    columns.push(name);
  };
  const start = (): void => {
    if (!columns.includes(label)) mismatch(`label column "${label}" is not among the columns ${columns.join(', ')}`);
    predictor = options.predictor(columns);
    featureIndex = [...predictor.features];
    const missing = featureIndex.filter((f) => !columns.includes(f));
    if (missing.length > 0) mismatch(`feature column(s) ${missing.join(', ')} missing`);
    width = featureIndex.length;
    batch = predictor.allocate(batchSize);
    kept = predictor.allocate(Math.min(options.keepRows, 1024));
    mean = new Float64Array(width);
    m2 = new Float64Array(width);
  };
  for await (const row of readDataset(file, { onColumns: (names) => names.forEach(addColumn), onProgress: options.onProgress })) {
    if (predictor === undefined) {
      Object.keys(row).forEach(addColumn);
      start();
    }
    for (const key in row) {
      if (values[key] === undefined) addColumn(key);
      const v = row[key]!;
      values[key]!.push(typeof v === 'boolean' ? String(v) : v);
    }
    rows++;
    for (const name of columns) if (values[name]!.length < rows) values[name]!.push(null);
    const y = row[label];
    if (y === null || y === undefined) mismatch(`row ${rows} has no value in the label column "${label}"`);
    yTrue.push(typeof y === 'boolean' ? String(y) : (y as number | string));
    const offset = inBatch * width;
    for (let j = 0; j < width; j++) {
      const v = row[featureIndex[j]!];
      let x: number;
      if (typeof v === 'number') x = v;
      else if (v === null || v === undefined) x = NaN;
      else if (typeof v === 'boolean') x = v ? 1 : 0;
      else return mismatch(`row ${rows}, feature "${featureIndex[j]}": "${v}" is not a number`);
      batch[offset + j] = x;
      if (Number.isFinite(x)) {
        const d = x - mean[j]!;
        mean[j]! += d / rows;
        m2[j]! += d * (x - mean[j]!);
      }
    }
    if (rows <= options.keepRows) {
      kept = grow(kept, rows * width);
      kept.set(batch.subarray(offset, offset + width), (rows - 1) * width);
    }
    inBatch++;
    if (inBatch === batchSize) await flush();
  }
  if (predictor === undefined) return mismatch('it has no rows');
  await flush();
  done.push(...(await Promise.all(pending)));
  const stds = Array.from(m2, (v) => Math.sqrt(v / rows));
  const data: ColumnData = { columns, rows, values };
  const keptRows = Math.min(rows, options.keepRows);
  const base = { predictor, data, yTrue, kept, keptRows, stds };
  if (predictor.task === 'regression') {
    const out = new Float64Array(rows);
    let at = 0;
    for (const b of done) {
      out.set(b.values!, at);
      at += b.rows;
    }
    return { ...base, values: out };
  }
  const classes: ClassLabel[] = [];
  for (const b of done) for (const c of b.classes!) classes.push(c);
  const withProbs = done.length > 0 && done[0]!.probabilities !== undefined;
  if (!withProbs) return { ...base, classes };
  const k = done[0]!.probabilities!.length / done[0]!.rows;
  const probabilities = new (done[0]!.probabilities!.constructor as new (n: number) => Float32Array | Float64Array)(rows * k);
  let at = 0;
  for (const b of done) {
    probabilities.set(b.probabilities!, at);
    at += b.probabilities!.length;
  }
  return { ...base, classes, probabilities };
}
