/**
 * `modelgate evaluate` and `modelgate data` as a user runs them: the real CLI
 * in a child process on a temporary data directory; exit codes 0 (every gate
 * passed), 1 (a gate failed, or no gates), 2 (usage), and the files written.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cli, FIXTURES, tempDir } from './cli-run.ts';

const BC = join(FIXTURES, 'breast_cancer_rf');
let tmp: { path: string; remove: () => Promise<void> };
let base: string[];
let gates: string;

before(async () => {
  tmp = await tempDir('modelgate-eval-cli-');
  base = ['--data-dir', join(tmp.path, 'data')];
  for (const model of ['breast_cancer_rf', 'breast_cancer_rf_weak']) {
    const r = await cli([...base, 'versions', 'register', 'bc', join(FIXTURES, model, 'model.onnx'), '--train-data', join(BC, 'train.csv')]);
    assert.equal(r.code, 0, r.stderr);
  }
  gates = join(tmp.path, 'gates.yaml');
  await writeFile(gates, 'first_version: pass\ngates:\n  - metric: accuracy\n    threshold: 0.9\n    min_absolute_change: -0.01\n  - drift: drifted_columns\n    max: 0\n  - signature: compatible\n');
});

after(() => tmp.remove());

const evaluate = (version: string, ...extra: string[]) =>
  cli([...base, 'evaluate', 'bc', version, '--data', join(BC, 'test.csv'), '--label', 'target', ...extra]);

test('exit 0 when every gate passes, with reports and JUnit written', async () => {
  const dir = join(tmp.path, 'reports');
  const junit = join(tmp.path, 'junit.xml');
  const r = await evaluate('1', '--baseline', 'production', '--gates', gates, '--report-dir', dir, '--junit', junit);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /PASSED: all 3 gates passed/);
  for (const f of ['report.json', 'report.md', 'report.html', 'junit.xml']) assert.ok(existsSync(join(dir, f)), f);
  assert.equal((readFileSync(junit, 'utf8').match(/<testcase /g) ?? []).length, 3);
});

test('exit 1 when the weak version fails the baseline gate; the JSON report says why', async () => {
  const r = await evaluate('2', '--baseline', '1', '--gates', gates, '--json');
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as { verdict: string; gates: { gate: string; kind: string; reason: string }[] };
  assert.equal(report.verdict, 'failed');
  assert.match(report.gates.find((g) => g.gate === 'metric accuracy')!.reason, /accuracy 0\.9415 is below baseline 0\.9825 .*delta -0\.04094/);
});

test('exit 1 and a loud warning when no gates are configured', async () => {
  const r = await evaluate('1');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /NO GATES CONFIGURED/);
  assert.match(r.stderr, /WARNING: NO GATES CONFIGURED/);
});

test('exit 2 on usage errors: missing flag, missing file, invalid gates file', async () => {
  assert.equal((await cli([...base, 'evaluate', 'bc', '1', '--data', join(BC, 'test.csv')])).code, 2);
  assert.equal((await evaluate('1', '--gates', join(tmp.path, 'missing.yaml'))).code, 2);
  const bad = join(tmp.path, 'bad-gates.yaml');
  await writeFile(bad, 'gates:\n  - metric: accuracy\n    treshold: 0.9\n');
  const r = await evaluate('1', '--gates', bad);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad-gates\.yaml.*unknown key "treshold"/);
});

test('data drift prints every column and exits 1 on data set drift', async () => {
  const same = await cli(['data', 'drift', join(BC, 'train.csv'), join(BC, 'test.csv'), '--exclude', 'target']);
  assert.equal(same.code, 0, same.stderr);
  assert.equal((same.stdout.match(/not drifted/g) ?? []).length, 30);
  const shifted = await cli(['data', 'drift', join(BC, 'train.csv'), join(BC, 'drifted.csv'), '--exclude', 'target', '--drift-share', '0.05', '--json']);
  assert.equal(shifted.code, 1);
  const result = JSON.parse(shifted.stdout) as { columns: { column: string; test: string; drifted: boolean }[]; datasetDrift: boolean };
  assert.equal(result.columns.length, 30);
  assert.ok(result.columns.find((c) => c.column === 'mean_radius')!.drifted);
  assert.equal(result.columns[0]!.test, 'ks');
});

test('data infer-suite writes a suite the data passes; validate exits 1 when it does not', async () => {
  const suite = join(tmp.path, 'suite.yaml');
  assert.equal((await cli(['data', 'infer-suite', join(BC, 'train.csv'), '-o', suite])).code, 0);
  const ok = await cli(['data', 'validate', join(BC, 'train.csv'), '--suite', suite]);
  assert.equal(ok.code, 0, ok.stdout);
  await writeFile(suite, 'expectations:\n  - {expect: between, column: mean_radius, min: 0, max: 10}\n');
  const failed = await cli(['data', 'validate', join(BC, 'test.csv'), '--suite', suite, '--json']);
  assert.equal(failed.code, 1);
  assert.equal((JSON.parse(failed.stdout) as { success: boolean }).success, false);
  assert.equal((await cli(['data', 'validate', join(BC, 'test.csv')])).code, 2);
});
