/**
 * Reading a data set in a worker thread, so that parsing runs beside the
 * caller's work on what is read (an evaluation's inference): CSV and TSV with
 * the batches, callbacks, retry on a type conflict and errors of
 * readCsvColumnsWithRetry; Parquet with the row groups of readParquetColumns.
 * The worker keeps a bounded number of batches or groups ahead.
 */
import { Worker } from 'node:worker_threads';
import { ModelgateError } from '../lib/errors.ts';
import { CsvTypeConflict, type CsvBatch, type CsvBatchOptions } from './csv-batches.ts';
import type { ParquetColumns, ParquetReadOptions } from './parquet.ts';
import type { ReadWorkerData, ReadWorkerMessage } from './read-worker.ts';

/** The worker and its messages, taken in order; each batch or group taken is acknowledged, a quarter of the window at a time. */
class Reader {
  readonly #worker: Worker;
  readonly #messages: ReadWorkerMessage[] = [];
  readonly #ackEvery: number;
  #taken = 0;
  #wake: (() => void) | undefined;

  constructor(data: ReadWorkerData) {
    this.#worker = new Worker(new URL('./read-worker.ts', import.meta.url), { workerData: data });
    // A message costs more than a batch takes to read: acknowledgements go in groups.
    this.#ackEvery = Math.max(1, data.window >> 2);
    this.#worker.on('message', (m: ReadWorkerMessage) => this.#push(m));
    this.#worker.on('error', (error) => this.#push({ kind: 'crashed', error }));
    this.#worker.on('exit', (code) => this.#push({ kind: 'crashed', error: new Error(`the reading thread stopped (exit code ${code})`) }));
  }

  #push(message: ReadWorkerMessage): void {
    this.#messages.push(message);
    this.#wake?.();
    this.#wake = undefined;
  }

  /** The next message; an error the worker posted is thrown here. */
  async take(): Promise<ReadWorkerMessage> {
    while (this.#messages.length === 0) await new Promise<void>((resolve) => (this.#wake = resolve));
    const m = this.#messages.shift()!;
    if (m.kind === 'failed') throw new ModelgateError(m.code, m.context, m.cause === undefined ? undefined : { cause: m.cause });
    if (m.kind === 'crashed') throw m.error;
    if ((m.kind === 'batch' || m.kind === 'group') && ++this.#taken === this.#ackEvery) {
      this.#worker.postMessage(this.#taken);
      this.#taken = 0;
    }
    return m;
  }

  async close(): Promise<void> {
    this.#worker.removeAllListeners('exit');
    await this.#worker.terminate();
  }
}

async function* csvBatches(reader: Reader, options: Omit<CsvBatchOptions, 'types'>): AsyncGenerator<CsvBatch> {
  for (;;) {
    const m = await reader.take();
    if (m.kind === 'bytes') options.onBytes?.(m.read, m.total);
    else if (m.kind === 'header') options.onHeader?.(m.header, m.types);
    else if (m.kind === 'batch') yield m.batch;
    else if (m.kind === 'conflict') throw new CsvTypeConflict(m.column, m.row);
    else if (m.kind === 'end') return;
  }
}

/** readCsvColumnsWithRetry with the reading in a worker thread; `window` batches at most ahead (default 16). */
export async function readCsvColumnsInThread(
  file: string,
  options: Omit<CsvBatchOptions, 'types'> & { readonly window?: number },
  consume: (batches: AsyncGenerator<CsvBatch>) => Promise<void>,
  restart?: () => void,
): Promise<void> {
  const reader = new Reader({ format: 'csv', file, delimiter: options.delimiter ?? ',', batchRows: options.batchRows, chunkBytes: options.chunkBytes, window: options.window ?? 16 });
  try {
    try {
      await consume(csvBatches(reader, options));
    } catch (err) {
      if (!(err instanceof CsvTypeConflict)) throw err;
      restart?.();
      await consume(csvBatches(reader, options));
    }
  } finally {
    await reader.close();
  }
}

/** readParquetColumns with the reading in a worker thread; `window` row groups at most ahead (default 2). */
export async function* readParquetColumnsInThread(file: string, options: ParquetReadOptions & { readonly window?: number } = {}): AsyncGenerator<ParquetColumns> {
  const reader = new Reader({ format: 'parquet', file, window: options.window ?? 2 });
  try {
    for (;;) {
      const m = await reader.take();
      if (m.kind === 'bytes') options.onBytes?.(m.read, m.total);
      else if (m.kind === 'columns') options.onColumns?.(m.names);
      else if (m.kind === 'group') yield m.group;
      else if (m.kind === 'end') return;
    }
  } finally {
    await reader.close();
  }
}
