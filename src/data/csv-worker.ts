/**
 * Worker-thread side of reading a CSV or TSV file in another thread: the
 * batches readCsvBatches gives, posted with their numeric buffers moved (not
 * copied), at most `window` batches ahead of the consumer's acknowledgements.
 * A type conflict is reported and the file read again with full-pass types,
 * as readCsvColumnsWithRetry does; errors are posted for the reading side
 * to throw again.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isModelgateError, type ErrorCode, type ErrorContext } from '../lib/errors.ts';
import { CsvTypeConflict, readCsvBatches, type CsvBatch } from './csv-batches.ts';
import { inferCsvTypes, type ColumnType } from './csv.ts';

export interface CsvWorkerData {
  readonly file: string;
  readonly delimiter: string;
  readonly batchRows?: number;
  readonly chunkBytes?: number;
  /** Batches posted ahead of acknowledgements. */
  readonly window: number;
}

export type CsvWorkerMessage =
  | { readonly kind: 'bytes'; readonly read: number; readonly total: number }
  | { readonly kind: 'header'; readonly header: readonly string[]; readonly types: readonly ColumnType[] }
  | { readonly kind: 'batch'; readonly batch: CsvBatch }
  | { readonly kind: 'conflict'; readonly column: string; readonly row: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'failed'; readonly code: ErrorCode; readonly context: ErrorContext; readonly cause?: unknown }
  | { readonly kind: 'crashed'; readonly error: unknown };

const port = parentPort!;
const { file, delimiter, batchRows, chunkBytes, window } = workerData as CsvWorkerData;
let credit = window;
let wake: (() => void) | undefined;
port.on('message', (acknowledged: number) => {
  credit += acknowledged;
  wake?.();
  wake = undefined;
});

function post(message: CsvWorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function buffers(batch: CsvBatch): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const c of batch.columns) if (c.type === 'number') out.add(c.values.buffer as ArrayBuffer);
  return [...out];
}

async function pass(types?: readonly ColumnType[]): Promise<void> {
  const batches = readCsvBatches(file, {
    delimiter, batchRows, chunkBytes, types,
    onBytes: (read, total) => post({ kind: 'bytes', read, total }),
    onHeader: (header, found) => post({ kind: 'header', header, types: found }),
  });
  for await (const batch of batches) {
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit--;
    post({ kind: 'batch', batch }, buffers(batch));
  }
}

try {
  try {
    await pass();
  } catch (err) {
    if (!(err instanceof CsvTypeConflict)) throw err;
    post({ kind: 'conflict', column: err.column, row: err.row });
    await pass((await inferCsvTypes(file, delimiter)).types);
  }
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
