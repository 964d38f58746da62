/**
 * Parquet reading through hyparquet, one row group at a time so that a large
 * file is never held whole. INT64 values become numbers, dates ISO strings,
 * byte arrays UTF-8 strings; nested columns are refused.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { fail } from '../lib/errors.ts';
import type { Row, Value } from './dataset.ts';
import { fileSize } from './read-chunks.ts';

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

export async function* readParquet(file: string, options: ParquetReadOptions = {}): AsyncGenerator<Row> {
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
  const rowCount = Number(metadata.num_rows);
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    let objects: Record<string, unknown>[];
    try {
      objects = await parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: end });
    } catch (err) {
      fail('MG_DATA_UNREADABLE', { file, detail: `row group at row ${start + 1}: ${(err as Error).message}` }, { cause: err });
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
