/**
 * The one streaming pass of an evaluation: the data set is read in batches of
 * columns (CSV and TSV straight from bytes into Float64Arrays, Parquet by
 * row-group columns, JSON Lines from rows; large files in a worker thread, so
 * that parsing runs while the model does), each batch's features are placed
 * into a model input matrix (by the version's feature names) and sent to the
 * model. Columns are kept for metrics, fairness, data-quality checks and
 * drift, numeric ones as Float64Arrays; the first rows' features are kept for
 * the in-memory checks.
 */
import type { BatchColumn } from '../data/csv-batches.ts';
import { readCsvColumnsWithRetry } from '../data/csv-batches.ts';
import { readCsvColumnsInThread, readParquetColumnsInThread } from '../data/read-in-thread.ts';
import { joinColumns, readParquetColumns, type ParquetColumn } from '../data/parquet.ts';
import { fileSize } from '../data/read-chunks.ts';
import type { Cells, Column, ColumnData, DatasetProgress, Value } from '../data/dataset.ts';
import { appendColumn, datasetFormat, readDataset } from '../data/dataset.ts';
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
  /** Read CSV, TSV or Parquet in a worker thread while the model runs here (default: for files of 32 MiB or more). */
  readonly readInThread?: boolean;
}

const THREAD_FROM_BYTES = 32 << 20;

/**
 * Whether a scan reads `file` in a worker thread: CSV, TSV and Parquet, when
 * asked, else from 32 MiB. False for a file that cannot be read: the scan reports that.
 */
export async function readsInThread(file: string, requested?: boolean): Promise<boolean> {
  try {
    if (datasetFormat(file) === 'jsonl') return false;
    return requested ?? (await fileSize(file)) >= THREAD_FROM_BYTES;
  } catch {
    return false;
  }
}

export interface ScanResult {
  readonly predictor: Predictor;
  readonly data: ColumnData;
  /** The label column (no value missing). */
  readonly yTrue: ArrayLike<number | string>;
  readonly classes?: ClassLabel[];
  readonly probabilities?: Float32Array | Float64Array;
  readonly values?: Float64Array;
  readonly kept: Float32Array | Float64Array;
  readonly keptRows: number;
  /** Population standard deviation of each feature over all rows. */
  readonly stds: number[];
}

/** A batch column: typed from the CSV reader, or plain values from rows. */
type ScanColumn = BatchColumn | { readonly type: 'values'; readonly values: readonly (Value | undefined)[] };

function grow<T extends Float32Array | Float64Array>(buf: T, need: number): T {
  if (buf.length >= need) return buf;
  const next = new (buf.constructor as new (n: number) => T)(Math.max(need, buf.length * 2));
  next.set(buf);
  return next;
}

/** Feature value as the model sees it; undefined for text. */
function featureNumber(column: ScanColumn, r: number): number | undefined {
  if (column.type === 'number') return column.values[r]!;
  const v = column.values[r];
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return NaN;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

function labelValue(column: ScanColumn, r: number): number | string | null {
  const v = column.values[r];
  if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v) && column.type === 'number')) return null;
  return typeof v === 'boolean' ? String(v) : v;
}

const NO_VALUES: ScanColumn = { type: 'values', values: [] };

/** A numeric column kept whole: the batches' arrays held as they come, joined once at the end. */
class NumberColumn {
  readonly #parts: Float64Array[] = [];
  length = 0;

  append(source: Float64Array, n: number): void {
    this.#parts.push(n === source.length ? source : source.subarray(0, n));
    this.length += n;
  }

  /** In shared memory when joined, so that a worker thread (drift) can read it without a copy. */
  get values(): Float64Array {
    if (this.#parts.length !== 1) {
      const out = new Float64Array(new SharedArrayBuffer(8 * this.length));
      let at = 0;
      for (const part of this.#parts) {
        out.set(part, at);
        at += part.length;
      }
      this.#parts.splice(0, this.#parts.length, out);
    }
    return this.#parts[0] ?? new Float64Array(0);
  }
}

/** The state of one pass; a pass that must start again (a CSV type conflict) is dropped for a fresh one. */
class Scan {
  readonly #options: ScanOptions;
  readonly columns: string[] = [];
  /** Each column either numbers (from typed batch columns) or cells. */
  readonly #cells: Record<string, Cells> = {};
  readonly #numbers: Record<string, NumberColumn> = {};
  predictor: Predictor | undefined;
  #features: string[] = [];
  #width = 0;
  kept: Float32Array | Float64Array = new Float32Array(0);
  #mean = new Float64Array(0);
  #m2 = new Float64Array(0);
  rows = 0;
  readonly #pending: Promise<BatchPrediction>[] = [];
  readonly done: BatchPrediction[] = [];

  constructor(options: ScanOptions) {
    this.#options = options;
  }

  mismatch(detail: string): never {
    return fail('MG_EVAL_DATA_MISMATCH', { file: this.#options.file, target: this.#options.target, detail });
  }

  addColumn(name: string): void {
    if (this.columns.includes(name)) return;
    this.columns.push(name);
  }

  /** Where a batch column's values go: numbers stay typed in a column that has only had numbers. */
  #target(name: string, column: ScanColumn): NumberColumn | Cells {
    const cells = this.#cells[name];
    if (cells !== undefined) return cells;
    const numbers = this.#numbers[name];
    if (numbers !== undefined && column.type === 'number') return numbers;
    if (numbers === undefined && column.type === 'number' && this.rows === 0) return (this.#numbers[name] = new NumberColumn());
    // A literal empty array starts with packed elements, so numbers pushed later stay unboxed.
    const out: Cells = this.rows === 0 ? [] : numbers === undefined ? new Array<number | string | null>(this.rows).fill(null) : Array.from(numbers.values, (v) => (Number.isNaN(v) ? null : v));
    delete this.#numbers[name];
    return (this.#cells[name] = out);
  }

  get values(): Record<string, Column> {
    const out: Record<string, Column> = {};
    for (const name of this.columns) out[name] = this.#numbers[name]?.values ?? this.#cells[name] ?? new Array<null>(this.rows).fill(null);
    return out;
  }

  #start(): Predictor {
    const { label } = this.#options;
    if (!this.columns.includes(label)) this.mismatch(`label column "${label}" is not among the columns ${this.columns.join(', ')}`);
    const predictor = this.#options.predictor(this.columns);
    this.#features = [...predictor.features];
    const missing = this.#features.filter((f) => !this.columns.includes(f));
    if (missing.length > 0) this.mismatch(`feature column(s) ${missing.join(', ')} missing`);
    this.#width = this.#features.length;
    this.kept = predictor.allocate(Math.min(this.#options.keepRows, 1024));
    this.#mean = new Float64Array(this.#width);
    this.#m2 = new Float64Array(this.#width);
    this.predictor = predictor;
    return predictor;
  }

  /** Reports the first bad row in row order: a missing label before a text feature of the same row. */
  #check(names: readonly string[], columns: readonly ScanColumn[], n: number): void {
    const label = columns[names.indexOf(this.#options.label)]!;
    let bad = n;
    for (let r = 0; r < n; r++) if (labelValue(label, r) === null) { bad = r; break; }
    let feature = -1;
    for (const [j, f] of this.#features.entries()) {
      const column = columns[names.indexOf(f)]!;
      if (column.type === 'number') continue;
      for (let r = 0; r < bad; r++) {
        if (featureNumber(column, r) === undefined) {
          bad = r;
          feature = j;
          break;
        }
      }
    }
    if (bad === n) return;
    const row = this.rows + bad + 1;
    if (feature < 0) this.mismatch(`row ${row} has no value in the label column "${this.#options.label}"`);
    const f = this.#features[feature]!;
    this.mismatch(`row ${row}, feature "${f}": "${String(columns[names.indexOf(f)]!.values[bad])}" is not a number`);
  }

  /** Takes `n` rows of columns named `names`: keeps them, checks them and sends their features to the model. */
  async add(names: readonly string[], columns: readonly ScanColumn[], n: number): Promise<void> {
    names.forEach((name) => this.addColumn(name));
    const predictor = this.predictor ?? this.#start();
    this.#check(names, columns, n);
    const before = this.rows;
    for (const [j, name] of names.entries()) {
      const column = columns[j]!;
      const target = this.#target(name, column);
      if (target instanceof NumberColumn) target.append(column.values as Float64Array, n);
      else if (column.type !== 'values') appendColumn(target, column, n);
      else {
        for (let r = 0; r < n; r++) {
          const v = column.values[r] ?? null;
          target.push(typeof v === 'boolean' ? String(v) : v);
        }
      }
    }
    this.rows += n;
    // A column this batch lacks is missing in its rows.
    for (const name of this.columns) {
      if (this.#numbers[name]?.length === this.rows) continue;
      const cells = this.#target(name, NO_VALUES) as Cells;
      while (cells.length < this.rows) cells.push(null);
    }
    const width = this.#width;
    const matrix = predictor.allocate(n);
    const sources = this.#features.map((f) => columns[names.indexOf(f)]!);
    if (sources.every((c) => c.type === 'number')) this.#placeNumbers(sources.map((c) => c.values as Float64Array), matrix, n, before);
    else for (let j = 0; j < width; j++) {
      const column = sources[j]!;
      const numbers = column.type === 'number' ? column.values : undefined;
      let mean = this.#mean[j]!;
      let m2 = this.#m2[j]!;
      for (let r = 0; r < n; r++) {
        const x = numbers !== undefined ? numbers[r]! : featureNumber(column, r)!;
        matrix[r * width + j] = x;
        if (Number.isFinite(x)) {
          // Divided by the row count (not the feature's count of values), as the per-row pass did.
          const d = x - mean;
          mean += d / (before + r + 1);
          m2 += d * (x - mean);
        }
      }
      this.#mean[j] = mean;
      this.#m2[j] = m2;
    }
    const keep = Math.min(n, Math.max(0, this.#options.keepRows - before));
    if (keep > 0) {
      this.kept = grow(this.kept, (before + keep) * width);
      this.kept.set(matrix.subarray(0, keep * width), before * width);
    }
    this.#pending.push(predictor.predict(matrix, n));
    if (this.#pending.length >= 2) this.done.push(await this.#pending.shift()!);
  }

  /**
   * Numeric features into the model matrix row by row, so that the features'
   * running means (each a chain of divisions) advance side by side; the
   * arithmetic of each feature is that of the column-by-column loop.
   */
  #placeNumbers(sources: readonly Float64Array[], matrix: Float32Array | Float64Array, n: number, before: number): void {
    const width = this.#width;
    const mean = this.#mean;
    const m2 = this.#m2;
    for (let r = 0; r < n; r++) {
      const count = before + r + 1;
      const row = r * width;
      for (let j = 0; j < width; j++) {
        const x = sources[j]![r]!;
        matrix[row + j] = x;
        if (Number.isFinite(x)) {
          const d = x - mean[j]!;
          const m = mean[j]! + d / count;
          mean[j] = m;
          m2[j]! += d * (x - m);
        }
      }
    }
  }

  async finish(): Promise<void> {
    this.done.push(...(await Promise.all(this.#pending.splice(0))));
  }

  /** After a failure: waits for predictions still in flight, so none rejects unobserved (after finish, there are none). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#pending.splice(0));
  }

  get stds(): number[] {
    return Array.from(this.#m2, (v) => Math.sqrt(v / this.rows));
  }
}

async function scanCsv(options: ScanOptions, delimiter: string): Promise<Scan> {
  let scan = new Scan(options);
  let names: readonly string[] = [];
  let totalBytes = 0;
  const onBytes = (bytesRead: number, total: number): void => {
    totalBytes = total;
    options.onProgress?.({ bytesRead, totalBytes, rows: scan.rows });
  };
  const onHeader = (header: readonly string[]): void => {
    names = header;
    header.forEach((name) => scan.addColumn(name));
  };
  const inThread = await readsInThread(options.file, options.readInThread);
  await (inThread ? readCsvColumnsInThread : readCsvColumnsWithRetry)(options.file, { delimiter, batchRows: options.batchSize, onBytes, onHeader }, async (batches) => {
    try {
      for await (const batch of batches) await scan.add(names, batch.columns, batch.rows);
      await scan.finish();
    } finally {
      await scan.settle();
    }
  }, () => (scan = new Scan(options)));
  options.onProgress?.({ bytesRead: totalBytes, totalBytes, rows: scan.rows });
  return scan;
}

function sliceColumn(column: ParquetColumn, from: number, to: number): ParquetColumn {
  return column instanceof Float64Array ? column.subarray(from, to) : column.slice(from, to);
}

/** Rows [from, to) of a column as a batch column. */
function rowsOf(column: ParquetColumn, from: number, to: number): ScanColumn {
  return column instanceof Float64Array ? { type: 'number', values: column.subarray(from, to) } : { type: 'values', values: column.slice(from, to) };
}

/** Parquet by columns, one row group at a time, sent to the model in batches of batchSize whatever the groups' sizes. */
async function scanParquet(options: ScanOptions): Promise<Scan> {
  const scan = new Scan(options);
  const size = options.batchSize;
  let names: readonly string[] = [];
  // Rows of earlier groups that did not fill a batch.
  let rest: ParquetColumn[] = [];
  let restRows = 0;
  let rows = 0;
  let totalBytes = 0;
  try {
    const onColumns = (found: readonly string[]): void => found.forEach((name) => scan.addColumn(name));
    const onBytes = (bytesRead: number, total: number): void => {
      totalBytes = total;
      options.onProgress?.({ bytesRead, totalBytes, rows });
    };
    const inThread = await readsInThread(options.file, options.readInThread);
    for await (const group of (inThread ? readParquetColumnsInThread : readParquetColumns)(options.file, { onColumns, onBytes })) {
      rows += group.rows;
      // Columns first found in a later group are missing in the rows before it.
      const extra = group.names.filter((name) => !names.includes(name));
      if (extra.length > 0 && restRows > 0) rest = [...rest, ...extra.map(() => new Array<null>(restRows).fill(null))];
      names = [...names, ...extra];
      const columns = names.map((name) => {
        const at = group.names.indexOf(name);
        return at >= 0 ? group.columns[at]! : new Array<null>(group.rows).fill(null);
      });
      let at = 0;
      if (restRows > 0) {
        at = Math.min(size - restRows, group.rows);
        rest = columns.map((c, j) => joinColumns([rest[j]!, sliceColumn(c, 0, at)]));
        restRows += at;
        if (restRows < size) continue;
        await scan.add(names, rest.map((c) => rowsOf(c, 0, size)), size);
        restRows = 0;
      }
      for (; at + size <= group.rows; at += size) await scan.add(names, columns.map((c) => rowsOf(c, at, at + size)), size);
      rest = columns.map((c) => sliceColumn(c, at, group.rows));
      restRows = group.rows - at;
    }
    if (restRows > 0) await scan.add(names, rest.map((c) => rowsOf(c, 0, restRows)), restRows);
    await scan.finish();
  } finally {
    await scan.settle();
  }
  options.onProgress?.({ bytesRead: totalBytes, totalBytes, rows });
  return scan;
}

async function scanRows(options: ScanOptions): Promise<Scan> {
  const scan = new Scan(options);
  const names: string[] = [];
  let batch: Record<string, Value | undefined>[] = [];
  const send = async (): Promise<void> => {
    const columns = names.map((name): ScanColumn => ({ type: 'values', values: batch.map((row) => row[name]) }));
    await scan.add(names, columns, batch.length);
    batch = [];
  };
  try {
    const onColumns = (found: readonly string[]): void => found.forEach((name) => names.includes(name) || names.push(name));
    for await (const row of readDataset(options.file, { onColumns, onProgress: options.onProgress })) {
      for (const key in row) if (!names.includes(key)) names.push(key);
      batch.push(row);
      if (batch.length === options.batchSize) await send();
    }
    if (batch.length > 0) await send();
    await scan.finish();
  } finally {
    await scan.settle();
  }
  return scan;
}

export async function scanDataset(options: ScanOptions): Promise<ScanResult> {
  const format = datasetFormat(options.file);
  const scan = format === 'csv' || format === 'tsv' ? await scanCsv(options, format === 'tsv' ? '\t' : ',')
    : format === 'parquet' ? await scanParquet(options)
    : await scanRows(options);
  const predictor = scan.predictor;
  if (predictor === undefined) return scan.mismatch('it has no rows');
  const { rows, done } = scan;
  const data: ColumnData = { columns: scan.columns, rows, values: scan.values };
  const keptRows = Math.min(rows, options.keepRows);
  const yTrue = data.values[options.label] as ArrayLike<number | string>;
  const base = { predictor, data, yTrue, kept: scan.kept, keptRows, stds: scan.stds };
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
