/**
 * Reading a CSV or TSV file in a worker thread, so that parsing runs beside
 * the caller's work on the batches (an evaluation's inference). Same batches,
 * callbacks, retry on a type conflict and errors as readCsvColumnsWithRetry;
 * the worker keeps a bounded number of batches ahead.
 */
import { Worker } from 'node:worker_threads';
import { ModelgateError } from '../lib/errors.ts';
import { CsvTypeConflict, type CsvBatch, type CsvBatchOptions } from './csv-batches.ts';
import type { CsvWorkerData, CsvWorkerMessage } from './csv-worker.ts';

/** Messages from the worker, taken in order. */
class Inbox {
  readonly #messages: CsvWorkerMessage[] = [];
  #wake: (() => void) | undefined;

  push(message: CsvWorkerMessage): void {
    this.#messages.push(message);
    this.#wake?.();
    this.#wake = undefined;
  }

  async take(): Promise<CsvWorkerMessage> {
    while (this.#messages.length === 0) await new Promise<void>((resolve) => (this.#wake = resolve));
    return this.#messages.shift()!;
  }
}

async function* batches(worker: Worker, inbox: Inbox, options: Omit<CsvBatchOptions, 'types'>, window: number): AsyncGenerator<CsvBatch> {
  // Batches are acknowledged a quarter of the window at a time: a message costs more than a batch takes.
  const ackEvery = Math.max(1, window >> 2);
  let taken = 0;
  for (;;) {
    const m = await inbox.take();
    switch (m.kind) {
      case 'bytes':
        options.onBytes?.(m.read, m.total);
        break;
      case 'header':
        options.onHeader?.(m.header, m.types);
        break;
      case 'batch':
        if (++taken === ackEvery) {
          worker.postMessage(taken);
          taken = 0;
        }
        yield m.batch;
        break;
      case 'conflict':
        throw new CsvTypeConflict(m.column, m.row);
      case 'end':
        return;
      case 'failed':
        throw new ModelgateError(m.code, m.context, m.cause === undefined ? undefined : { cause: m.cause });
      case 'crashed':
        throw m.error;
    }
  }
}

/** readCsvColumnsWithRetry with the reading in a worker thread; `window` batches at most ahead (default 16). */
export async function readCsvColumnsInThread(
  file: string,
  options: Omit<CsvBatchOptions, 'types'> & { readonly window?: number },
  consume: (batches: AsyncGenerator<CsvBatch>) => Promise<void>,
  restart?: () => void,
): Promise<void> {
  const data: CsvWorkerData = { file, delimiter: options.delimiter ?? ',', batchRows: options.batchRows, chunkBytes: options.chunkBytes, window: options.window ?? 16 };
  const worker = new Worker(new URL('./csv-worker.ts', import.meta.url), { workerData: data });
  const inbox = new Inbox();
  worker.on('message', (m: CsvWorkerMessage) => inbox.push(m));
  worker.on('error', (error) => inbox.push({ kind: 'crashed', error }));
  worker.on('exit', (code) => inbox.push({ kind: 'crashed', error: new Error(`the CSV reading thread stopped (exit code ${code})`) }));
  try {
    try {
      await consume(batches(worker, inbox, options, data.window));
    } catch (err) {
      if (!(err instanceof CsvTypeConflict)) throw err;
      restart?.();
      await consume(batches(worker, inbox, options, data.window));
    }
  } finally {
    worker.removeAllListeners('exit');
    await worker.terminate();
  }
}
