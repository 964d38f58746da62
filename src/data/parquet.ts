/**
 * Parquet reading through hyparquet, one row group at a time so that a large
 * file is never held whole, as rows or as columns (numbers straight into
 * Float64Arrays, no object per row). INT64 values become numbers, dates ISO
 * strings, byte arrays UTF-8 strings, non-finite numbers missing; nested
 * columns are refused. ZSTD, GZIP and Brotli pages are decompressed by
 * node:zlib, Snappy by hyparquet.
 */
import { brotliDecompressSync, gunzipSync, zstdDecompressSync } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetReadObjects, type AsyncBuffer, type Compressors, type DecodedArray, type FileMetaData } from 'hyparquet';
import { fail } from '../lib/errors.ts';
import type { Cells, Row, Value } from './dataset.ts';
import { fileSize } from './read-chunks.ts';

const compressors: Compressors = {
  ZSTD: (input) => zstdDecompressSync(input),
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
};

export interface ParquetReadOptions {
  readonly onBytes?: (bytesRead: number, totalBytes: number) => void;
  readonly onColumns?: (columns: readonly string[]) => void;
}

function toValue(file: string, row: number, key: string, value: unknown): Value {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return Number(value);
    case 'string':
    case 'boolean':
      return value;
    default:
      if (value instanceof Date) return value.toISOString();
      if (value instanceof Uint8Array) return new TextDecoder().decode(value);
      return fail('MG_DATA_INVALID', { file, detail: `row ${row + 1}: column "${key}" holds a nested value; only scalar columns are supported` });
  }
}

async function open(file: string, options: ParquetReadOptions): Promise<{ buffer: AsyncBuffer; metadata: FileMetaData; total: number; columns: string[] }> {
  const total = await fileSize(file);
  let buffer;
  let metadata;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    fail('MG_DATA_UNREADABLE', { file, detail: `not a Parquet file: ${(err as Error).message}` }, { cause: err });
  }
  const columns = metadata.schema.slice(1).filter((el) => el.num_children === undefined || el.num_children === 0).map((el) => el.name);
  options.onColumns?.(columns);
  return { buffer, metadata, total, columns };
}

function groupFailed(file: string, start: number, err: unknown): never {
  return fail('MG_DATA_UNREADABLE', { file, detail: `row group at row ${start + 1}: ${(err as Error).message}` }, { cause: err });
}

export async function* readParquet(file: string, options: ParquetReadOptions = {}): AsyncGenerator<Row> {
  const { buffer, metadata, total } = await open(file, options);
  const rowCount = Number(metadata.num_rows);
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    let objects: Record<string, unknown>[];
    try {
      objects = await parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: end, compressors });
    } catch (err) {
      groupFailed(file, start, err);
    }
    for (const [i, obj] of objects.entries()) {
      const row: Row = {};
      for (const [key, value] of Object.entries(obj)) row[key] = toValue(file, start + i, key, value);
      yield row;
    }
    start = end;
    options.onBytes?.(rowCount === 0 ? total : Math.round((total * start) / rowCount), total);
  }
}

/** A row group's column: numbers (NaN for missing) or cells. */
export type ParquetColumn = Float64Array | Cells;

export interface ParquetColumns {
  readonly rows: number;
  /** In the order of the names given to onColumns, then any column found only in the data. */
  readonly names: readonly string[];
  readonly columns: readonly ParquetColumn[];
}

/** A column chunk's values for rows [from, from + n): a Float64Array when they are all numbers or missing. */
function toColumn(file: string, name: string, data: DecodedArray, offset: number, n: number, firstRow: number): ParquetColumn {
  if (data instanceof Float64Array) {
    const out = data.slice(offset, offset + n);
    for (let i = 0; i < n; i++) if (!Number.isFinite(out[i]!)) out[i] = NaN;
    return out;
  }
  if (ArrayBuffer.isView(data) && !(data instanceof BigInt64Array || data instanceof BigUint64Array)) {
    return Float64Array.from((data as Float32Array).subarray(offset, offset + n), (v) => (Number.isFinite(v) ? v : NaN));
  }
  const values = data as ArrayLike<unknown>;
  let numeric = true;
  for (let i = 0; i < n && numeric; i++) {
    const v = values[offset + i];
    numeric = v === null || v === undefined || typeof v === 'number' || typeof v === 'bigint';
  }
  if (numeric) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[offset + i];
      out[i] = v === null || v === undefined ? NaN : Number.isFinite(Number(v)) ? Number(v) : NaN;
    }
    return out;
  }
  const out: Cells = new Array<number | string | null>(n);
  for (let i = 0; i < n; i++) {
    const v = toValue(file, firstRow + i, name, values[offset + i]);
    out[i] = typeof v === 'boolean' ? String(v) : v;
  }
  return out;
}

/** Reads a Parquet file one row group at a time as columns. */
export async function* readParquetColumns(file: string, options: ParquetReadOptions = {}): AsyncGenerator<ParquetColumns> {
  const { buffer, metadata, total, columns } = await open(file, options);
  const rowCount = Number(metadata.num_rows);
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    const n = end - start;
    const chunks = new Map<string, { data: DecodedArray; rowStart: number }[]>();
    try {
      await parquetRead({
        file: buffer, metadata, rowStart: start, rowEnd: end, compressors,
        onChunk: (c) => {
          let list = chunks.get(c.columnName);
          if (list === undefined) chunks.set(c.columnName, (list = []));
          list.push({ data: c.columnData, rowStart: c.rowStart });
        },
      });
    } catch (err) {
      groupFailed(file, start, err);
    }
    const names = [...columns.filter((c) => chunks.has(c)), ...[...chunks.keys()].filter((c) => !columns.includes(c))];
    const out = names.map((name) => {
      const parts = chunks.get(name)!.map((c) => ({ ...c, rowEnd: c.rowStart + c.data.length })).filter((c) => c.rowEnd > start && c.rowStart < end).sort((a, b) => a.rowStart - b.rowStart);
      if (parts.length === 1 && parts[0]!.rowStart <= start && parts[0]!.rowEnd >= end) return toColumn(file, name, parts[0]!.data, start - parts[0]!.rowStart, n, start);
      const pieces = parts.map((c) => {
        const from = Math.max(start, c.rowStart);
        return toColumn(file, name, c.data, from - c.rowStart, Math.min(end, c.rowEnd) - from, from);
      });
      const column = joinColumns(pieces);
      if (column.length !== n) fail('MG_DATA_UNREADABLE', { file, detail: `row group at row ${start + 1}: column "${name}" has ${column.length} values for ${n} rows` });
      return column;
    });
    yield { rows: n, names, columns: out };
    start = end;
    options.onBytes?.(rowCount === 0 ? total : Math.round((total * start) / rowCount), total);
  }
}

/** Columns one after the other: numbers stay numbers when every piece is numeric. */
export function joinColumns(pieces: readonly ParquetColumn[]): ParquetColumn {
  if (pieces.length === 1) return pieces[0]!;
  if (pieces.every((p) => p instanceof Float64Array)) {
    const out = new Float64Array(pieces.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of pieces) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  const out: Cells = [];
  for (const p of pieces) for (let i = 0; i < p.length; i++) out.push(p instanceof Float64Array ? (Number.isNaN(p[i]!) ? null : p[i]!) : p[i]!);
  return out;
}
