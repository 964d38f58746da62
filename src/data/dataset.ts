/**
 * Data set reading: one entry point for CSV, TSV, JSON Lines and Parquet files,
 * streamed row by row with progress, plus a columnar loader for modest files
 * that statistics work on in memory.
 */
import { extname } from 'node:path';
import { fail } from '../lib/errors.ts';
import { readCsvColumnsWithRetry, type BatchColumn } from './csv-batches.ts';
import { readCsv } from './csv.ts';
import { readJsonl } from './jsonl.ts';
import { readParquet } from './parquet.ts';

export type Value = number | string | boolean | null;
export type Row = Record<string, Value>;
export type DatasetFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';

export interface DatasetProgress {
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly rows: number;
}

export interface ReadDatasetOptions {
  /** Overrides the format the file's extension implies. */
  readonly format?: DatasetFormat;
  readonly onProgress?: (progress: DatasetProgress) => void;
  /** Called once with the column names in file order, before the first row (CSV, Parquet) or at the end (JSONL). */
  readonly onColumns?: (columns: readonly string[]) => void;
}

const EXTENSIONS: Readonly<Record<string, DatasetFormat>> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

export function datasetFormat(file: string, format?: DatasetFormat): DatasetFormat {
  if (format !== undefined) return format;
  const found = EXTENSIONS[extname(file).toLowerCase()];
  if (found === undefined) {
    fail('MG_DATA_UNREADABLE', { file, detail: `unknown format "${extname(file) || '(no extension)'}"; use .csv, .tsv, .jsonl, .ndjson or .parquet` });
  }
  return found;
}

/** Streams the rows of a data set. */
export async function* readDataset(file: string, options: ReadDatasetOptions = {}): AsyncGenerator<Row> {
  const format = datasetFormat(file, options.format);
  let rows = 0;
  let bytesRead = 0;
  let totalBytes = 0;
  const onBytes = (read: number, total: number): void => {
    bytesRead = read;
    totalBytes = total;
    options.onProgress?.({ bytesRead, totalBytes, rows });
  };
  const source =
    format === 'parquet' ? readParquet(file, { onBytes, onColumns: options.onColumns })
    : format === 'jsonl' ? readJsonl(file, { onBytes })
    : readCsv(file, { onBytes, onColumns: options.onColumns, delimiter: format === 'tsv' ? '\t' : ',' });
  const jsonlColumns = format === 'jsonl' ? new Set<string>() : undefined;
  for await (const row of source) {
    rows++;
    if (jsonlColumns) for (const key in row) jsonlColumns.add(key);
    yield row;
  }
  if (jsonlColumns) options.onColumns?.([...jsonlColumns]);
  options.onProgress?.({ bytesRead: totalBytes, totalBytes, rows });
}

/** A column's values with null for missing (booleans as text). */
export type Cells = (number | string | null)[];

/** A column: numbers in a Float64Array (NaN for missing, every other value finite), or cells. */
export type Column = Float64Array | Cells;

export interface ColumnData {
  readonly columns: string[];
  readonly rows: number;
  readonly values: Record<string, Column>;
}

/** A column as cells; a numeric column is converted (NaN to null), cells are returned as they are. */
export function columnCells(column: Column): readonly (number | string | null)[] {
  if (!(column instanceof Float64Array)) return column;
  const out = new Array<number | null>(column.length);
  for (let i = 0; i < column.length; i++) {
    const v = column[i]!;
    out[i] = Number.isNaN(v) ? null : v;
  }
  return out;
}

/** Appends a batch column's first `rows` values in ColumnData's form (null for missing, booleans as text). */
export function appendColumn(target: (number | string | null)[], source: BatchColumn, rows: number): void {
  if (source.type === 'number') {
    const v = source.values;
    for (let r = 0; r < rows; r++) target.push(Number.isNaN(v[r]!) ? null : v[r]!);
  } else if (source.type === 'boolean') {
    for (let r = 0; r < rows; r++) {
      const b = source.values[r]!;
      target.push(b === null ? null : String(b));
    }
  } else for (let r = 0; r < rows; r++) target.push(source.values[r]!);
}

/** CSV and TSV straight into columns, without a row object per record. */
async function loadCsvColumns(file: string, format: 'csv' | 'tsv', options: ReadDatasetOptions): Promise<ColumnData & { readonly values: Record<string, Cells> }> {
  let columns: string[] = [];
  let values: Record<string, (number | string | null)[]> = {};
  let rows = 0;
  let totalBytes = 0;
  const onBytes = (bytesRead: number, total: number): void => {
    totalBytes = total;
    options.onProgress?.({ bytesRead, totalBytes, rows });
  };
  const onHeader = (names: readonly string[]): void => {
    columns = [...names];
    values = Object.fromEntries(names.map((n) => [n, []]));
    rows = 0;
    options.onColumns?.(names);
  };
  await readCsvColumnsWithRetry(file, { delimiter: format === 'tsv' ? '\t' : ',', onBytes, onHeader }, async (batches) => {
    for await (const batch of batches) {
      for (const [j, name] of columns.entries()) appendColumn(values[name]!, batch.columns[j]!, batch.rows);
      rows += batch.rows;
    }
  });
  options.onProgress?.({ bytesRead: totalBytes, totalBytes, rows });
  return { columns, rows, values };
}

/**
 * Loads a whole data set into columns. Booleans become the strings "true" and
 * "false" (they are categories to statistics); keys a JSONL row lacks are null.
 */
export async function loadColumns(file: string, options: ReadDatasetOptions = {}): Promise<ColumnData & { readonly values: Record<string, Cells> }> {
  const format = datasetFormat(file, options.format);
  if (format === 'csv' || format === 'tsv') return loadCsvColumns(file, format, options);
  const columns: string[] = [];
  const values: Record<string, (number | string | null)[]> = {};
  let rows = 0;
  const ensure = (name: string): (number | string | null)[] => {
    let column = values[name];
    if (column === undefined) {
      column = new Array<number | string | null>(rows).fill(null);
      values[name] = column;
      columns.push(name);
    }
    return column;
  };
  const onColumns = (names: readonly string[]): void => {
    for (const name of names) ensure(name);
    options.onColumns?.(names);
  };
  for await (const row of readDataset(file, { ...options, onColumns })) {
    for (const key in row) {
      const v = row[key]!;
      ensure(key).push(typeof v === 'boolean' ? String(v) : v);
    }
    rows++;
    for (const name of columns) {
      const column = values[name]!;
      if (column.length < rows) column.push(null);
    }
  }
  return { columns, rows, values };
}
