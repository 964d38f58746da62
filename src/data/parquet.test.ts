import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import { after, test } from 'node:test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { isModelgateError } from '../lib/errors.ts';
import { columnCells, loadColumns, type Cells } from './dataset.ts';
import { readParquetColumns } from './parquet.ts';

const dir = await mkdtemp(join(tmpdir(), 'mg-parquet-'));
after(() => rm(dir, { recursive: true, force: true }));

async function write(name: string, buffer: ArrayBuffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, new Uint8Array(buffer));
  return path;
}

async function byColumns(path: string): Promise<Record<string, Cells>> {
  const out: Record<string, Cells> = {};
  for await (const group of readParquetColumns(path)) group.names.forEach((name, j) => (out[name] ??= []).push(...columnCells(group.columns[j]!)));
  return out;
}

test('columns read by row group hold what the row reader gives: numbers, missing and non-finite values, integers, text, booleans', async () => {
  const n = 2345;
  const columnData = [
    { name: 'x', data: Float64Array.from({ length: n }, (_, i) => i * 0.25 - 7), type: 'DOUBLE' as const, nullable: false },
    { name: 'y', data: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : i % 11 === 0 ? Infinity : i % 13 === 0 ? NaN : i / 3)), type: 'DOUBLE' as const },
    { name: 'k', data: Array.from({ length: n }, (_, i) => BigInt(i * 3)), type: 'INT64' as const },
    { name: 'i', data: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i - 100)), type: 'INT32' as const },
    { name: 's', data: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : `v${i % 5}`)), type: 'STRING' as const },
    { name: 'b', data: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : i % 2 === 0)), type: 'BOOLEAN' as const },
  ];
  for (const [name, options] of [['snappy.parquet', { rowGroupSize: 1000 }], ['zstd.parquet', { rowGroupSize: 700, codec: 'ZSTD' as const, compressors: { ZSTD: (b: Uint8Array) => zstdCompressSync(b) } }]] as const) {
    const path = await write(name, parquetWriteBuffer({ columnData, ...options }));
    const rows = await loadColumns(path);
    assert.deepEqual(await byColumns(path), rows.values);
    let typed = 0;
    for await (const group of readParquetColumns(path)) typed += group.columns.filter((c) => c instanceof Float64Array).length;
    assert.ok(typed >= 4 * 3, `numeric columns come as Float64Arrays (${typed})`);
  }
  await assert.rejects(byColumns(await write('fake.parquet', new TextEncoder().encode('not parquet at all').buffer as ArrayBuffer)), (err) => isModelgateError(err, 'MG_DATA_UNREADABLE'));
});
