import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { isModelgateError } from '../lib/errors.ts';
import { loadColumns, readDataset, type DatasetProgress, type Row } from './dataset.ts';

const dir = await mkdtemp(join(tmpdir(), 'mg-dataset-'));
after(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function all(path: string): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const row of readDataset(path)) rows.push(row);
  return rows;
}

test('CSV: quoted fields with commas, quotes and newlines; CRLF; missing values; inferred types', async () => {
  const path = await file('a.csv', '\ufeffid,name,score,ok\r\n1,"Smith, J",1.5,true\r\n2,"say ""hi""\nthere",,False\r\n3,plain,-2e3,\r\n');
  assert.deepEqual(await all(path), [
    { id: 1, name: 'Smith, J', score: 1.5, ok: true },
    { id: 2, name: 'say "hi"\nthere', score: null, ok: false },
    { id: 3, name: 'plain', score: -2000, ok: null },
  ]);
});

test('CSV: a column is numeric only when every non-missing value is a number', async () => {
  const path = await file('b.csv', 'a,b,c\n1,1,NA\n2,x,\n3,3,\n');
  const data = await loadColumns(path);
  assert.deepEqual(data.values, { a: [1, 2, 3], b: ['1', 'x', '3'], c: [null, null, null] });
  assert.deepEqual(data.columns, ['a', 'b', 'c']);
  assert.equal(data.rows, 3);
});

test('CSV: a header-only file has columns and no rows; last line without newline is read', async () => {
  assert.deepEqual(await loadColumns(await file('c.csv', 'x,y\n')), { columns: ['x', 'y'], rows: 0, values: { x: [], y: [] } });
  assert.deepEqual(await all(await file('d.csv', 'x,y\n1,2')), [{ x: 1, y: 2 }]);
});

test('CSV: errors name the row, the problem and the file', async () => {
  const cases: [string, RegExp][] = [
    ['x,y\n1,2\n3\n', /row 2 \(line 3\) has 1 fields, the header has 2/],
    ['x,y\n1,"2\n', /never closed/],
    ['x,x\n1,2\n', /names column "x" twice/],
    ['', /empty/],
    ['x,y\n1,a"b\n', /quote inside an unquoted field/],
  ];
  for (const [i, [content, pattern]] of cases.entries()) {
    const path = await file(`bad${i}.csv`, content);
    await assert.rejects(all(path), (err) => isModelgateError(err, 'MG_DATA_INVALID') && pattern.test(err.message) && err.message.includes(path));
  }
});

test('unknown extensions and missing files are MG_DATA_UNREADABLE', async () => {
  await assert.rejects(all(join(dir, 'x.xlsx')), (err) => isModelgateError(err, 'MG_DATA_UNREADABLE'));
  await assert.rejects(all(join(dir, 'missing.csv')), (err) => isModelgateError(err, 'MG_DATA_UNREADABLE') && /no such file/.test(err.message));
});

test('JSONL: rows, union of keys as columns, errors naming the line', async () => {
  const path = await file('a.jsonl', '{"a":1,"b":"x"}\n\n{"a":2.5,"c":true}\n');
  assert.deepEqual(await loadColumns(path), { columns: ['a', 'b', 'c'], rows: 2, values: { a: [1, 2.5], b: ['x', null], c: [null, 'true'] } });
  const bad = await file('bad.jsonl', '{"a":1}\n{"a":[1,2]}\n');
  await assert.rejects(all(bad), (err) => isModelgateError(err, 'MG_DATA_INVALID') && /line 2/.test(err.message));
  const broken = await file('broken.jsonl', '{"a":1}\n{"a":\n');
  await assert.rejects(all(broken), (err) => isModelgateError(err, 'MG_DATA_INVALID') && /line 2 is not valid JSON/.test(err.message));
});

test('Parquet: several row groups are read in order with progress', async () => {
  const n = 2500;
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'x', data: Array.from({ length: n }, (_, i) => i * 0.5), type: 'DOUBLE' },
      { name: 'k', data: Array.from({ length: n }, (_, i) => BigInt(i)), type: 'INT64' },
      { name: 's', data: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : `v${i % 5}`)), type: 'STRING' },
    ],
    rowGroupSize: 1000,
  });
  const path = await file('a.parquet', new Uint8Array(buffer));
  const progress: DatasetProgress[] = [];
  const rows: Row[] = [];
  for await (const row of readDataset(path, { onProgress: (p) => progress.push(p) })) rows.push(row);
  assert.equal(rows.length, n);
  assert.deepEqual(rows[7], { x: 3.5, k: 7, s: 'v2' });
  assert.deepEqual(rows[2499], { x: 1249.5, k: 2499, s: null });
  assert.ok(progress.length >= 3);
  assert.equal(progress.at(-1)!.bytesRead, progress.at(-1)!.totalBytes);
  assert.equal(progress.at(-1)!.rows, n);
  await assert.rejects(all(await file('fake.parquet', 'not parquet at all')), (err) => isModelgateError(err, 'MG_DATA_UNREADABLE'));
});

test('CSV: a large file streams in chunks with monotone progress, records split across chunks intact', async () => {
  const lines = ['a,b'];
  for (let i = 0; i < 60000; i++) lines.push(`${i},"t ${i}, ""q"""`);
  const path = await file('big.csv', lines.join('\n'));
  const seen: number[] = [];
  let count = 0;
  for await (const row of readDataset(path, { onProgress: (p) => seen.push(p.bytesRead) })) {
    assert.deepEqual(row, { a: count, b: `t ${count}, "q"` });
    count++;
  }
  assert.equal(count, 60000);
  assert.ok(seen.length > 1);
  assert.deepEqual([...seen].sort((x, y) => x - y), seen);
});
