import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { buildReferenceProfile } from '../data/profile.ts';
import { isModelgateError } from '../lib/errors.ts';
import type { VersionRecord } from '../store/registry-types.ts';
import { evaluateVersion } from './run.ts';
import type { EvaluationResult } from './types.ts';

const BC = 'fixtures/models/breast_cancer_rf';
const features: string[] = JSON.parse(readFileSync(`${BC}/expected.json`, 'utf8')).features;
const referenceProfile = await buildReferenceProfile(`${BC}/train.csv`, { label: 'target' });
const version = { model: 'breast_cancer_rf', version: 1, features, extra: {}, referenceProfile } as unknown as VersionRecord;
const source = { open: async () => ({ path: `${BC}/model.onnx`, release: async () => {} }) };
const dir = await mkdtemp(join(tmpdir(), 'mg-eval-run-'));
after(() => rm(dir, { recursive: true, force: true }));

/** The result without what depends on timing. */
function untimed(r: EvaluationResult): unknown {
  const { durationMs, latency, metrics, ...rest } = r;
  void durationMs;
  void latency;
  const kept = Object.fromEntries(Object.entries(metrics).filter(([k]) => !k.startsWith('latency_') && k !== 'throughput_rps'));
  return { ...rest, metrics: kept };
}

test('an evaluation that parses in a worker thread gives the result of one that parses here', async () => {
  for (const file of [`${BC}/test.csv`, `${BC}/drifted.csv`]) {
    const here = await evaluateVersion({ version, source, file, label: 'target', readInThread: false, batchSize: 50 });
    const there = await evaluateVersion({ version, source, file, label: 'target', readInThread: true, batchSize: 50 });
    assert.deepEqual(untimed(there), untimed(here));
    assert.equal(there.drift.kind, 'computed');
  }
});

test('bad data read in a worker thread is reported as it is here', async () => {
  const lines = readFileSync(`${BC}/test.csv`, 'utf8').trim().split('\n');
  const noLabel = join(dir, 'no-label.csv');
  await writeFile(noLabel, [lines[0], ...lines.slice(1, 40), lines[40]!.replace(/,[^,]*$/, ','), ...lines.slice(41)].join('\n'));
  const text = join(dir, 'text.csv');
  await writeFile(text, [lines[0], ...lines.slice(1, 90), lines[90]!.replace(/^[^,]*/, 'oops')].join('\n'));
  for (const file of [noLabel, text]) {
    const messages: string[] = [];
    for (const readInThread of [false, true]) {
      await assert.rejects(evaluateVersion({ version, source, file, label: 'target', readInThread, batchSize: 16 }), (err) => {
        assert.ok(isModelgateError(err, 'MG_EVAL_DATA_MISMATCH'), String(err));
        messages.push(err.message);
        return true;
      });
    }
    assert.equal(messages[1], messages[0]);
  }
});

test('Parquet, read by columns, evaluates exactly as the same rows from CSV', async () => {
  const lines = readFileSync(`${BC}/test.csv`, 'utf8').trim().split(/\r?\n/);
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  const columnData = header.map((name, j) => ({ name, data: Float64Array.from(rows, (r) => r[j]!), type: 'DOUBLE' as const, nullable: j % 2 === 0 }));
  const parquet = join(dir, 'test.parquet');
  await writeFile(parquet, new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 37 })));
  const fromCsv = await evaluateVersion({ version, source, file: `${BC}/test.csv`, label: 'target', batchSize: 50 });
  const { dataset: a, ...csvRest } = untimed(fromCsv) as { dataset: { file: string } };
  for (const readInThread of [false, true]) {
    const fromParquet = await evaluateVersion({ version, source, file: parquet, label: 'target', batchSize: 50, readInThread });
    const { dataset: b, ...parquetRest } = untimed(fromParquet) as { dataset: { file: string } };
    assert.deepEqual(parquetRest, csvRest);
    assert.deepEqual({ ...b, file: a.file }, a);
  }
});
