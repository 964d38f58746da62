import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { isModelgateError } from '../lib/errors.ts';
import { CsvTypeConflict, readCsvBatches, readCsvColumnsWithRetry, type CsvBatchOptions } from './csv-batches.ts';
import { scratchFiles } from './scratch-files.ts';
import { appendColumn, readDataset, type Value } from './dataset.ts';

const { dir, file } = await scratchFiles('mg-csv-batches-');

/** Columns as the row reader (two passes, one object per row) gives them. */
async function byRows(path: string): Promise<Record<string, Value[]>> {
  const out: Record<string, Value[]> = {};
  for await (const row of readDataset(path)) for (const [k, v] of Object.entries(row)) (out[k] ??= []).push(typeof v === 'boolean' ? String(v) : v);
  return out;
}

async function byBatches(path: string, options: Omit<CsvBatchOptions, 'types'>): Promise<Record<string, Value[]>> {
  let names: readonly string[] = [];
  let out: Record<string, (number | string | null)[]> = {};
  await readCsvColumnsWithRetry(path, { ...options, onHeader: (n) => (names = n) }, async (batches) => {
    out = {};
    for await (const b of batches) names.forEach((n, j) => appendColumn((out[n] ??= []), b.columns[j]!, b.rows));
  });
  return out;
}

const TRICKY = [
  '\ufeffid,name,score,ok\r\n1,"Smith, J",1.5,true\r\n2,"say ""hi""\nthere",,False\r\n3,plain,-2e3,\r\n',
  'a,b,c\n1,1,NA\n2,x,\n3,3,\n',
  'x,y\n1,2',
  'x,y\r1,2\r\r3,4\r',
  'x\n1\n\n2\n""\n3\n',
  'a,b\n" 1 ",0x10\n1e400,Infinity\n-0,+.5\n"2",1E+2\n',
  'a,b\n1,2,\n'.replace('1,2,', '1,'),
  'n,t\n12345678901234567,é\n0.1,"ü,ß"\n1e-30,N/A\n',
  'x,y\n1,',
  'x,y\n"a\r\nb",""\r\n"",2\r\n',
];

test('batches hold exactly what the row reader gives, whatever the chunk size and batch size', async () => {
  for (const content of TRICKY) {
    const path = await file(content);
    const expected = await byRows(path);
    for (const chunkBytes of [1, 2, 3, 5, 8, 64, 1 << 20]) {
      for (const batchRows of [1, 2, 1000]) {
        assert.deepEqual(await byBatches(path, { chunkBytes, batchRows }), expected, `${JSON.stringify(content)} in chunks of ${chunkBytes}, batches of ${batchRows}`);
      }
    }
  }
});

test('a value that breaks a type inferred from the first chunk is read again with full-pass types', async () => {
  const lines = ['a,b,c'];
  for (let i = 0; i < 500; i++) lines.push(`${i},${i % 2 === 0 ? 'true' : 'false'},`);
  lines.push('x,maybe,text');
  const path = await file(lines.join('\n'));
  await assert.rejects(async () => {
    for await (const batch of readCsvBatches(path, { chunkBytes: 256 })) void batch;
  }, (err) => err instanceof CsvTypeConflict);
  let restarts = 0;
  const expected = await byRows(path);
  assert.equal(expected.a![0], '0');
  let names: readonly string[] = [];
  const got: Record<string, (number | string | null)[]> = {};
  await readCsvColumnsWithRetry(path, { chunkBytes: 256, onHeader: (n) => (names = n) }, async (batches) => {
    for (const n of names) got[n] = [];
    for await (const b of batches) names.forEach((n, j) => appendColumn((got[n] ??= []), b.columns[j]!, b.rows));
  }, () => restarts++);
  assert.equal(restarts, 1);
  assert.deepEqual(got, expected);
});

test('errors name the row, the line, the problem and the file, as the row reader does', async () => {
  const cases: [string, RegExp][] = [
    ['x,y\n1,2\n3\n', /row 2 \(line 3\) has 1 fields, the header has 2/],
    ['x,y\n"a\nb",2\n3,4,5\n', /row 2 \(line 4\) has 3 fields/],
    ['x,y\n1,"2\n', /line 2: a quoted field is never closed/],
    ['x,x\n1,2\n', /names column "x" twice/],
    ['', /empty/],
    ['\n\n', /empty/],
    ['x,y\n1,a"b\n', /line 2: a quote inside an unquoted field/],
    ['x,y\n1,"a"b\n', /line 2: unexpected character after a closing quote/],
  ];
  for (const [content, pattern] of cases) {
    const path = await file(content);
    for (const chunkBytes of [1, 4, 1 << 20]) {
      await assert.rejects(byBatches(path, { chunkBytes }), (err) => isModelgateError(err, 'MG_DATA_INVALID') && pattern.test(err.message) && err.message.includes(path), `${JSON.stringify(content)} in chunks of ${chunkBytes}`);
    }
  }
  await assert.rejects(byBatches(join(dir, 'missing.csv'), {}), (err) => isModelgateError(err, 'MG_DATA_UNREADABLE'));
});

test('numbers parsed from bytes equal Number() on their text', async () => {
  const values: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const x = Math.sin(i) * 10 ** ((i % 40) - 20);
    values.push(String(x), x.toFixed(i % 12), x.toExponential(i % 17), x.toPrecision((i % 21) + 1));
  }
  const path = await file(['v', ...values].join('\n'));
  const got = await byBatches(path, { batchRows: 777 });
  assert.deepEqual(got.v, values.map(Number));
});

test('all-numeric files read by the whole-record path equal the row reader, its errors included', async () => {
  const forms = (x: number, i: number): string => [String(x), x.toFixed(i % 12), x.toExponential(i % 5), '', 'NA', ` ${x}`, `+${Math.abs(x)}`, '-0', '1234567890.5', '0.0000000001234', '123456789012345678'][i % 11]!;
  const lines = ['a,b,c'];
  for (let i = 0; i < 2000; i++) {
    const x = Math.sin(i) * 10 ** ((i % 12) - 6);
    lines.push(`${x},${forms(x, i)},${i % 7 === 0 ? -i : i / 8}`);
  }
  for (const eol of ['\n', '\r\n']) {
    const path = await file(lines.join(eol) + eol);
    const expected = await byRows(path);
    for (const chunkBytes of [7, 64, 1000, 1 << 20]) {
      assert.deepEqual(await byBatches(path, { chunkBytes, batchRows: 333 }), expected, `${JSON.stringify(eol)} in chunks of ${chunkBytes}`);
    }
  }
  const bad = await file([...lines.slice(0, 1500), '1,2', ...lines.slice(1500)].join('\n'));
  for (const chunkBytes of [7, 1000, 1 << 20]) {
    await assert.rejects(byBatches(bad, { chunkBytes }), (err) => isModelgateError(err, 'MG_DATA_INVALID') && /row 1500 \(line 1501\) has 2 fields, the header has 3/.test(err.message));
  }
});
