/**
 * Evaluation against a real registry on a temporary data directory: the
 * fixture models registered with their training reference, baseline gates,
 * the first-version rule, drift gates, fairness, reports and evidence that a
 * protected alias accepts.
 */
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openServices, type Services } from '../src/app/services.ts';
import { loadConfig } from '../src/config/load.ts';
import { buildReferenceProfile } from '../src/data/profile.ts';
import { runEvaluation, storeEvidence, type EvaluationRequest } from '../src/evaluation/evaluate.ts';
import { parseGates } from '../src/evaluation/gates-file.ts';
import { blobModelSource } from '../src/evaluation/model-source.ts';
import { renderHtml } from '../src/evaluation/report-html.ts';
import { renderJunit } from '../src/evaluation/report-junit.ts';
import { renderMarkdown } from '../src/evaluation/report-markdown.ts';
import { FakeClock } from '../src/lib/clock.ts';
import { isModelgateError } from '../src/lib/errors.ts';

const fixture = (model: string, file: string): string => new URL(`../fixtures/models/${model}/${file}`, import.meta.url).pathname;
const features: string[] = JSON.parse(readFileSync(fixture('breast_cancer_rf', 'expected.json'), 'utf8')).features;
const reference = JSON.parse(readFileSync(new URL('../fixtures/reference/metrics.json', import.meta.url), 'utf8')) as {
  cases: { name: string; expected: Record<string, number | number[] | number[][]> }[];
};
const TEST_CSV = fixture('breast_cancer_rf', 'test.csv');

let dir: string;
let services: Services;
const clock = new FakeClock('2026-03-01T12:00:00.000Z');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelgate-eval-'));
  const config = loadConfig({ env: {}, flags: { dataDir: dir, logLevel: 'silent', user: 'dev', registry: { protectedAliases: { production: { approvals: 0, requireEvaluation: true } } } } });
  services = await openServices(config, { clock });
  const referenceProfile = await buildReferenceProfile(fixture('breast_cancer_rf', 'train.csv'), { label: 'target' });
  // v1 strong, v2 weak, v3 strong again (same artifact as v1).
  for (const model of ['breast_cancer_rf', 'breast_cancer_rf_weak', 'breast_cancer_rf']) {
    await services.registry.registerVersion('bc', createReadStream(fixture(model, 'model.onnx')), { features, referenceProfile });
  }
});

after(async () => {
  await services.close();
  await rm(dir, { recursive: true, force: true });
});

function request(over: Partial<EvaluationRequest>): EvaluationRequest {
  return {
    registry: services.registry, source: blobModelSource(services.blobs), clock,
    model: 'bc', version: 1, file: TEST_CSV, label: 'target', tuning: { latencyRows: 30, checkRows: 200 }, ...over,
  };
}

const firstPass = { first_version: 'pass' };
const baselineGates = parseGates('gates.yaml', { gates: [{ metric: 'accuracy', threshold: 0.9, min_absolute_change: -0.01 }, { signature: 'compatible' }] });

test('metrics of breast_cancer_rf on test.csv equal scikit-learn reference values', async () => {
  const report = await runEvaluation(request({ gates: baselineGates }));
  const expected = reference.cases.find((c) => c.name === 'breast_cancer_rf')!.expected;
  const m = report.candidate.metrics;
  for (const key of ['accuracy', 'precision_macro', 'recall_macro', 'f1_macro', 'precision_weighted', 'recall_weighted', 'f1_weighted', 'roc_auc']) {
    assert.ok(Math.abs(m[key]! - (expected[key] as number)) <= 1e-9, `${key}: ${m[key]} vs ${expected[key]}`);
  }
  // The ONNX model returns FP32 probabilities where scikit-learn kept float64; log loss moves by that rounding only.
  assert.ok(Math.abs(m.log_loss! - (expected.log_loss as number)) <= 1e-6, `log_loss ${m.log_loss} vs ${expected.log_loss}`);
  assert.deepEqual(report.candidate.confusionMatrix, expected.confusion_matrix);
  (expected.f1_per_class as number[]).forEach((v, i) => assert.ok(Math.abs(m[`f1_class_${i}`]! - v) <= 1e-9));
  assert.equal(report.candidate.determinism?.identical, true);
  assert.equal(report.candidate.sanity?.ok, true);
  assert.ok(report.candidate.robustness!.agreement > 0.9);
});

test('breast_cancer_rf_weak fails the baseline gate, naming the metric and the delta', async () => {
  const report = await runEvaluation(request({ version: 2, baseline: 1, gates: baselineGates }));
  assert.equal(report.verdict, 'failed');
  const gate = report.gates.find((g) => g.gate === 'metric accuracy')!;
  assert.equal(gate.kind, 'failed');
  assert.match(gate.reason, /^accuracy 0\.9415 is below baseline 0\.9825 \+ \(-0\.01\) = 0\.9725 \(delta -0\.04094/);
  assert.equal(report.baseline?.version, 1);
  assert.match(renderMarkdown(report), /\| accuracy \| 0\.9415 \| 0\.9825 \| -0\.04094 \|/);
});

test('breast_cancer_rf against itself, and a retrained copy against it, passes', async () => {
  for (const [version, baseline] of [[1, 1], [3, 1]] as const) {
    const report = await runEvaluation(request({ version, baseline, gates: baselineGates }));
    assert.equal(report.verdict, 'passed', report.gates.map((g) => g.reason).join('\n'));
  }
});

test('a baseline alias that points nowhere is a first version, decided by first_version', async () => {
  const gates = (first: 'pass' | 'fail') => parseGates('gates.yaml', { first_version: first, gates: [{ metric: 'accuracy', min_absolute_change: 0 }] });
  const pass = await runEvaluation(request({ baseline: 'champion', gates: gates('pass') }));
  assert.equal(pass.baseline, null);
  assert.equal(pass.verdict, 'passed');
  const failed = await runEvaluation(request({ baseline: 'champion', gates: gates('fail') }));
  assert.equal(failed.verdict, 'failed');
  assert.match(failed.gates[0]!.reason, /no baseline/);
});

test('no gates is reported loudly and is not a pass, in every format', async () => {
  const report = await runEvaluation(request({}));
  assert.equal(report.verdict, 'no-gates');
  assert.match(renderMarkdown(report), /NO GATES CONFIGURED/);
  assert.match(renderJunit(report), /<testcase [^>]*name="gates configured"[^>]*>\s*<failure/);
});

test('the drift gate fails on drifted.csv and passes on test.csv', async () => {
  const gates = parseGates('gates.yaml', { gates: [{ drift: 'drifted_columns', max: 0 }] });
  const clean = await runEvaluation(request({ gates }));
  assert.equal(clean.verdict, 'passed', clean.gates[0]!.reason);
  const drifted = await runEvaluation(request({ gates, file: fixture('breast_cancer_rf', 'drifted.csv') }));
  assert.equal(drifted.verdict, 'failed');
  assert.match(drifted.gates[0]!.reason, /drifted: .*mean_radius/);
  assert.equal(drifted.candidate.drift.kind, 'computed');
});

test('fairness by a group column, with a parity gate', async () => {
  const lines = readFileSync(TEST_CSV, 'utf8').trim().split(/\r?\n/);
  const file = join(dir, 'grouped.csv');
  await writeFile(file, [`${lines[0]},site`, ...lines.slice(1).map((l, i) => `${l},${i % 3 === 0 ? 'north' : 'south'}`)].join('\n'));
  const gates = parseGates('gates.yaml', { gates: [{ fairness: 'demographic_parity_ratio', group_by: 'site', min: 0.5, min_group_size: 20 }] });
  const report = await runEvaluation(request({ file, gates }));
  const f = report.candidate.fairness.find((x) => x.column === 'site')!;
  assert.deepEqual(f.groups.map((g) => [g.group, g.size]), [['north', 57], ['south', 114]]);
  assert.ok(f.demographic_parity_ratio! > 0 && f.demographic_parity_ratio! <= 1);
  assert.equal(report.gates[0]!.kind, f.demographic_parity_ratio! >= 0.5 ? 'passed' : 'failed');
  const html = renderHtml(report);
  assert.match(html, /Fairness by site/);
});

test('the HTML report is self-contained: inline SVG plots, no external requests', async () => {
  const report = await runEvaluation(request({ version: 2, baseline: 1, gates: baselineGates, file: fixture('breast_cancer_rf', 'drifted.csv') }));
  const html = renderHtml(report);
  for (const title of ['Confusion matrix', 'ROC curve', 'Distribution of mean_radius']) assert.match(html, new RegExp(`<svg[^>]*aria-label="${title}"`));
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(|src=|href=/i);
  assert.doesNotMatch(html, /https?:\/\//);
});

test('a protected alias with requireEvaluation accepts the version only with passing evidence', async () => {
  const denied = (err: unknown): boolean => isModelgateError(err, 'MG_REGISTRY_EVALUATION_REQUIRED');
  await assert.rejects(services.registry.setAlias('bc', 'production', 1), denied);
  await storeEvidence(services.registry, await runEvaluation(request({})));
  await assert.rejects(services.registry.setAlias('bc', 'production', 1), denied, 'no-gates evidence must not count');
  const failing = await runEvaluation(request({ gates: baselineGates }));
  assert.equal(failing.verdict, 'failed', 'a baseline gate with no baseline fails unless first_version is pass');
  await storeEvidence(services.registry, failing);
  await assert.rejects(services.registry.setAlias('bc', 'production', 1), denied, 'failed evidence must not count');
  await storeEvidence(services.registry, await runEvaluation(request({ gates: parseGates('gates.yaml', { ...firstPass, gates: [{ metric: 'accuracy', threshold: 0.9, min_absolute_change: 0 }] }) })));
  const alias = await services.registry.setAlias('bc', 'production', 1);
  assert.equal(alias.version, 1);
  const evidence = await services.registry.listEvaluations('bc', 1);
  assert.deepEqual(evidence.map((e) => e.verdict).sort(), ['failed', 'no-gates', 'passed']);
});

test('data that does not fit the version is a clear 4xx error', async () => {
  const bad = (code: 'MG_EVAL_DATA_MISMATCH') => (err: unknown): boolean => isModelgateError(err, code);
  await assert.rejects(runEvaluation(request({ label: 'nope' })), bad('MG_EVAL_DATA_MISMATCH'));
  await assert.rejects(runEvaluation(request({ groupBy: ['nope'] })), bad('MG_EVAL_DATA_MISMATCH'));
  const file = join(dir, 'text.csv');
  const lines = readFileSync(TEST_CSV, 'utf8').trim().split(/\r?\n/);
  await writeFile(file, [lines[0], lines[1]!.replace(/^[^,]+/, 'abc')].join('\n'));
  await assert.rejects(runEvaluation(request({ file })), (err) => bad('MG_EVAL_DATA_MISMATCH')(err) && /row 1, feature "mean_radius"/.test((err as Error).message));
});
