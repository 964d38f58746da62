import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { isModelgateError } from '../lib/errors.ts';
import { readCsvColumnsWithRetry, type CsvBatchOptions } from './csv-batches.ts';
import { readParquetColumns, type ParquetColumns } from './parquet.ts';
import { readCsvColumnsInThread, readParquetColumnsInThread } from './read-in-thread.ts';
import { scratchFiles } from './scratch-files.ts';
import { appendColumn } from './dataset.ts';

const { dir, file } = await scratchFiles('mg-csv-thread-');

type Read = typeof readCsvColumnsWithRetry;

/** Everything a consumer sees: header and types, the columns, how many passes, progress calls. */
async function seen(read: Read, path: string, options: Omit<CsvBatchOptions, 'types'>): Promise<unknown> {
  const headers: unknown[] = [];
  let columns: Record<string, (number | string | null)[]> = {};
  let names: readonly string[] = [];
  let restarts = 0;
  let progress = 0;
  await read(path, { ...options, onHeader: (n, t) => headers.push([(names = n), t]), onBytes: () => progress++ }, async (batches) => {
    columns = {};
    for await (const b of batches) names.forEach((n, j) => appendColumn((columns[n] ??= []), b.columns[j]!, b.rows));
  }, () => restarts++);
  return { headers, columns, restarts, progress };
}

async function failure(read: Read, path: string): Promise<unknown> {
  try {
    await read(path, { chunkBytes: 64, batchRows: 10 }, async (batches) => {
      for await (const b of batches) void b;
    });
  } catch (err) {
    return isModelgateError(err) ? { code: err.code, message: err.message } : err;
  }
  return 'no error';
}

test('a worker thread gives the same batches, callbacks and retry as reading here', async () => {
  const lines = ['a,b,c,d'];
  for (let i = 0; i < 3000; i++) lines.push(`${i},${(i * 0.37).toFixed(3)},${i % 2 === 0 ? 'true' : 'false'},${i % 5 === 0 ? '' : -i / 7}`);
  const plain = await file(lines.join('\n'));
  const conflict = await file([...lines, 'x,1,maybe,2'].join('\n'));
  for (const path of [plain, conflict]) {
    for (const options of [{ chunkBytes: 256, batchRows: 7 }, { batchRows: 1024 }]) {
      assert.deepEqual(await seen(readCsvColumnsInThread, path, options), await seen(readCsvColumnsWithRetry, path, options));
    }
  }
  assert.equal(((await seen(readCsvColumnsInThread, conflict, { chunkBytes: 256 })) as { restarts: number }).restarts, 1);
});

test('errors from the worker thread are the errors reading here gives', async () => {
  const cases = [
    await file('x,y\n' + '1,2\n'.repeat(500) + '3\n'),
    await file('x,y\n1,"2\n'),
    await file(''),
    join(dir, 'missing.csv'),
  ];
  for (const path of cases) {
    const here = await failure(readCsvColumnsWithRetry, path);
    assert.notEqual(here, 'no error');
    assert.deepEqual(await failure(readCsvColumnsInThread, path), here);
  }
});

test('a consumer that fails stops the worker and its error comes through', async () => {
  const path = await file('x\n' + '1\n'.repeat(10_000));
  await assert.rejects(readCsvColumnsInThread(path, { batchRows: 10, window: 2 }, async (batches) => {
    for await (const b of batches) if (b.rows > 0) throw new Error('stop here');
  }), /stop here/);
});

test('Parquet row groups from a worker thread equal those read here, errors included', async () => {
  const n = 3000;
  const columnData = [
    { name: 'x', data: Float64Array.from({ length: n }, (_, i) => i / 7), type: 'DOUBLE' as const, nullable: false },
    { name: 's', data: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : `v${i % 5}`)), type: 'STRING' as const },
  ];
  const path = join(dir, 'a.parquet');
  await writeFile(path, new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 1000 })));
  const read = async (groups: AsyncGenerator<ParquetColumns>): Promise<ParquetColumns[]> => {
    const out: ParquetColumns[] = [];
    for await (const g of groups) out.push(g);
    return out;
  };
  const progress: unknown[][] = [[], []];
  const [here, there] = await Promise.all([
    read(readParquetColumns(path, { onBytes: (...a) => progress[0]!.push(a), onColumns: (c) => progress[0]!.push(c) })),
    read(readParquetColumnsInThread(path, { onBytes: (...a) => progress[1]!.push(a), onColumns: (c) => progress[1]!.push(c) })),
  ]);
  assert.equal(here.length, 3);
  assert.deepEqual(there, here);
  assert.deepEqual(progress[1], progress[0]);
  const fake = await file('not parquet');
  const error = async (groups: AsyncGenerator<ParquetColumns>): Promise<unknown> => read(groups).then(() => 'no error', (err) => (isModelgateError(err) ? [err.code, err.message] : err));
  assert.deepEqual(await error(readParquetColumnsInThread(fake)), await error(readParquetColumns(fake)));
});
