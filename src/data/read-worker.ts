/**
 * Worker-thread side of reading a data set in another thread: the batches
 * readCsvBatches gives (CSV, TSV) or the row groups readParquetColumns gives,
 * posted with their numeric buffers moved (not copied), at most `window`
 * ahead of the consumer's acknowledgements. A CSV type conflict is reported
 * and the file read again with full-pass types, as readCsvColumnsWithRetry
 * does; errors are posted for the reading side to throw again.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isModelgateError, type ErrorCode, type ErrorContext } from '../lib/errors.ts';
import { CsvTypeConflict, readCsvBatches, type CsvBatch } from './csv-batches.ts';
import { inferCsvTypes, type ColumnType } from './csv.ts';
import { readParquetColumns, type ParquetColumns } from './parquet.ts';

export type ReadWorkerData =
  | { readonly format: 'csv'; readonly file: string; readonly delimiter: string; readonly batchRows?: number; readonly chunkBytes?: number; readonly window: number }
  | { readonly format: 'parquet'; readonly file: string; readonly window: number };

export type ReadWorkerMessage =
  | { readonly kind: 'bytes'; readonly read: number; readonly total: number }
  | { readonly kind: 'header'; readonly header: readonly string[]; readonly types: readonly ColumnType[] }
  | { readonly kind: 'columns'; readonly names: readonly string[] }
  | { readonly kind: 'batch'; readonly batch: CsvBatch }
  | { readonly kind: 'group'; readonly group: ParquetColumns }
  | { readonly kind: 'conflict'; readonly column: string; readonly row: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'failed'; readonly code: ErrorCode; readonly context: ErrorContext; readonly cause?: unknown }
  | { readonly kind: 'crashed'; readonly error: unknown };

const port = parentPort!;
const data = workerData as ReadWorkerData;
let credit = data.window;
let wake: (() => void) | undefined;
port.on('message', (acknowledged: number) => {
  credit += acknowledged;
  wake?.();
  wake = undefined;
});

function post(message: ReadWorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

async function send(message: ReadWorkerMessage, arrays: readonly (ArrayBufferView | unknown)[]): Promise<void> {
  while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
  credit--;
  const buffers = new Set<ArrayBuffer>();
  for (const a of arrays) if (a instanceof Float64Array) buffers.add(a.buffer as ArrayBuffer);
  post(message, [...buffers]);
}

const onBytes = (read: number, total: number): void => post({ kind: 'bytes', read, total });

async function csvPass(file: string, delimiter: string, batchRows: number | undefined, chunkBytes: number | undefined, types?: readonly ColumnType[]): Promise<void> {
  const batches = readCsvBatches(file, { delimiter, batchRows, chunkBytes, types, onBytes, onHeader: (header, found) => post({ kind: 'header', header, types: found }) });
  for await (const batch of batches) await send({ kind: 'batch', batch }, batch.columns.map((c) => c.values));
}

async function read(): Promise<void> {
  if (data.format === 'parquet') {
    for await (const group of readParquetColumns(data.file, { onBytes, onColumns: (names) => post({ kind: 'columns', names }) })) {
      await send({ kind: 'group', group }, group.columns);
    }
    return;
  }
  const { file, delimiter, batchRows, chunkBytes } = data;
  try {
    await csvPass(file, delimiter, batchRows, chunkBytes);
  } catch (err) {
    if (!(err instanceof CsvTypeConflict)) throw err;
    post({ kind: 'conflict', column: err.column, row: err.row });
    await csvPass(file, delimiter, batchRows, chunkBytes, (await inferCsvTypes(file, delimiter)).types);
  }
}

try {
  await read();
  post({ kind: 'end' });
} catch (err) {
  if (!isModelgateError(err)) post({ kind: 'crashed', error: err });
  else {
    try {
      post({ kind: 'failed', code: err.code, context: err.context, cause: err.cause });
    } catch {
      // A cause that cannot be copied between threads is left behind; the code and context make the message.
      post({ kind: 'failed', code: err.code, context: err.context });
    }
  }
}
