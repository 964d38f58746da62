// The CLI on a local data directory, end to end through child processes:
// registration with a reference profile, listing, aliases, separation of
// duties on a protected alias, point-in-time history, compare, gc, and the
// exit codes and messages of failures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../src/lib/hash.ts';
import type { VersionComparison, GcReport } from '../src/registry/api.ts';
import type { AliasRecord, Page, VersionRecord } from '../src/store/registry-types.ts';
import { cli, cliJson, FIXTURES, tempDir } from './cli-run.ts';

const RF = join(FIXTURES, 'breast_cancer_rf');
let dir: { path: string; remove: () => Promise<void> };
let common: string[];

before(async () => {
  dir = await tempDir('modelgate-cli-');
  const config = join(dir.path, 'modelgate.yaml');
  await writeFile(config, 'registry:\n  protectedAliases:\n    production:\n      approvals: 1\n');
  common = ['--data-dir', join(dir.path, 'data'), '--config', config];
});

after(async () => dir.remove());

test('registry workflow through the CLI', async (t) => {
  const alice = { user: 'alice' };
  const bob = { user: 'bob' };

  await t.test('register with --train-data builds the profile, features and lineage', async () => {
    const v = await cliJson<VersionRecord>([
      'versions', 'register', 'cancer', join(RF, 'model.onnx'), ...common,
      '--train-data', join(RF, 'train.csv'), '--metric', 'accuracy=0.95', '--param', 'n_estimators=50',
      '--tag', 'team=a', '--commit', 'abc123', '--dataset', 'file://train.csv', '--framework', 'sklearn@1.2.1',
    ], alice);
    assert.equal(v.version, 1);
    assert.equal(v.createdBy, 'alice');
    assert.equal(v.signature.inputs[0].name, 'input');
    assert.equal(v.signature.inputs[0].datatype, 'FP32');
    assert.equal(v.signature.inputs[0].shape?.[1], 30);
    const outputs = Object.fromEntries(v.signature.outputs.map((o) => [o.name, o.datatype]));
    assert.equal(outputs.label, 'INT64');
    assert.equal(outputs.probabilities, 'FP32');
    assert.equal(v.features?.length, 30);
    assert.equal(v.features?.[0], 'mean_radius');
    assert.ok(!v.features?.includes('target'));
    assert.ok(v.referenceProfile);
    assert.equal(Object.keys(v.referenceProfile.features).length, 30);
    assert.equal(v.referenceProfile.label?.name, 'target');
    assert.deepEqual(v.metrics, { accuracy: 0.95 });
    assert.equal(v.lineage.commit, 'abc123');
    assert.equal(v.lineage.datasetUri, 'file://train.csv');
    assert.equal(v.lineage.datasetSha256, await sha256File(join(RF, 'train.csv')));
    assert.equal(v.lineage.framework, 'sklearn');
    assert.equal(v.lineage.frameworkVersion, '1.2.1');
  });

  await t.test('a second version, then list and show', async () => {
    const v2 = await cliJson<VersionRecord>([
      'versions', 'register', 'cancer', join(RF, 'model.onnx'), ...common, '--metric', 'accuracy=0.9', '--parent', '1',
    ], alice);
    assert.equal(v2.version, 2);
    const page = await cliJson<Page<VersionRecord>>(['versions', 'list', 'cancer', ...common]);
    assert.deepEqual(page.items.map((v) => v.version), [1, 2]);
    const table = await cli(['versions', 'list', 'cancer', ...common]);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^VERSION\s+STATUS/);
    const shown = await cli(['versions', 'show', 'cancer', 'latest', ...common]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /version:\s+2/);
    assert.match(shown.stdout, /input\s+input\s+FP32/);
  });

  await t.test('versions update and models update set and remove tags, keep the rest, and are recorded in history', async () => {
    const card = join(dir.path, 'card.md');
    await writeFile(card, '# Cancer RF\nTrained on the breast cancer data set.\n');
    const v = await cliJson<VersionRecord>(['versions', 'update', 'cancer', '1', ...common, '--tag', 'stage=validated', '--untag', 'team', '--description', 'first', '--model-card', card], alice);
    assert.deepEqual(v.tags, { stage: 'validated' });
    assert.equal(v.description, 'first');
    assert.match(v.modelCard ?? '', /^# Cancer RF/);
    assert.equal(v.metrics.accuracy, 0.95, 'metrics are untouched');
    const m = await cliJson<{ tags: Record<string, string> }>(['models', 'update', 'cancer', ...common, '--tag', 'owner=risk'], alice);
    assert.deepEqual(m.tags, { owner: 'risk' });
    const nothing = await cli(['versions', 'update', 'cancer', '1', ...common]);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /nothing to update.*MG_USAGE/);
    const clash = await cli(['models', 'update', 'cancer', ...common, '--tag', 'x=1', '--untag', 'x']);
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /both set .* and removed/);
    const history = await cli(['history', 'cancer', ...common]);
    assert.match(history.stdout, /version\.updated/);
  });

  await t.test('alias set and rm; removing a missing alias fails with its code', async () => {
    const set = await cliJson<AliasRecord>(['alias', 'set', 'cancer', 'staging', '1', ...common], alice);
    assert.equal(set.version, 1);
    assert.equal((await cli(['alias', 'rm', 'cancer', 'staging', ...common])).code, 0);
    const again = await cli(['alias', 'rm', 'cancer', 'staging', ...common]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: .*\(MG_REGISTRY_ALIAS_NOT_FOUND\)\n$/);
  });

  let between = '';
  await t.test('a protected alias needs an approval from someone other than the registrant', async () => {
    const early = await cli(['alias', 'set', 'cancer', 'production', '1', ...common], alice);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /MG_REGISTRY_APPROVAL_REQUIRED/);
    const self = await cli(['approve', 'cancer', '1', '--for', 'production', ...common], alice);
    assert.equal(self.code, 1);
    assert.match(self.stderr, /MG_REGISTRY_SELF_APPROVAL/);
    const ok = await cli(['approve', 'cancer', '1', '--for', 'production', '--comment', 'looks good', ...common], bob);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /bob approved cancer version 1 for production/);
    assert.equal((await cli(['alias', 'set', 'cancer', 'production', '1', ...common], alice)).code, 0);
    between = new Date().toISOString();
    await cliJson(['approve', 'cancer', '2', '--for', 'production', ...common], bob);
    await cliJson(['alias', 'set', 'cancer', 'production', '2', ...common], alice);
  });

  await t.test('history --alias --at answers where the alias pointed', async () => {
    const then = await cliJson<{ version: number | null }>(['history', 'cancer', '--alias', 'production', '--at', between, ...common]);
    assert.equal(then.version, 1);
    const now = await cliJson<{ version: number | null }>(['history', 'cancer', '--alias', 'production', '--at', new Date().toISOString(), ...common]);
    assert.equal(now.version, 2);
    const before = await cliJson<{ version: number | null }>(['history', 'cancer', '--alias', 'production', '--at', '2000-01-01T00:00:00Z', ...common]);
    assert.equal(before.version, null);
    const log = await cli(['history', 'cancer', '--alias', 'production', ...common]);
    assert.equal(log.code, 0);
    assert.match(log.stdout, /alias\.set/);
  });

  await t.test('compare shows metric deltas and a compatible signature', async () => {
    const c = await cliJson<VersionComparison>(['versions', 'compare', 'cancer', '1', 'production', ...common]);
    assert.equal(c.b, 2);
    const accuracy = c.metrics.find((m) => m.key === 'accuracy');
    assert.ok(accuracy?.delta !== undefined && Math.abs(accuracy.delta + 0.05) < 1e-9);
    assert.equal(c.signature.verdict, 'compatible');
  });

  await t.test('gc --dry-run reports and removes nothing', async () => {
    const report = await cliJson<GcReport>(['gc', '--dry-run', '--keep-last', '1', ...common]);
    assert.equal(report.dryRun, true);
    const page = await cliJson<Page<VersionRecord>>(['versions', 'list', 'cancer', ...common]);
    assert.equal(page.items.length, 2);
  });
});

test('exit codes: usage errors 2, registry errors 1', async () => {
  const [unknown, badValue, missing, noFile, noModel] = await Promise.all([
    cli(['versions', 'list', 'x', '--bogus', ...common]),
    cli(['versions', 'list', 'x', '--limit', 'ten', ...common]),
    cli(['alias', 'set', 'x', 'staging', ...common]),
    cli(['versions', 'register', 'x', join(dir.path, 'missing.onnx'), ...common]),
    cli(['versions', 'show', 'no-such-model', '1', ...common]),
  ]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option '--bogus'.*see --help/);
  assert.equal(badValue.code, 2);
  assert.match(badValue.stderr, /positive integer/);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing required argument 'version'/);
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /MG_FILE_NOT_FOUND/);
  assert.equal(noModel.code, 1);
  assert.match(noModel.stderr, /^error: Model "no-such-model" does not exist \(MG_REGISTRY_MODEL_NOT_FOUND\)\n$/);
  const corrupt = await cli(['versions', 'register', 'x', join(RF, 'train.csv'), ...common]);
  assert.equal(corrupt.code, 1);
  assert.match(corrupt.stderr, /MG_REGISTRY_INVALID_ARTIFACT/);
});

test('--help explains arguments with an example', async () => {
  const [root, register, approve] = await Promise.all([
    cli(['--help']),
    cli(['versions', 'register', '--help']),
    cli(['approve', '--help']),
  ]);
  assert.equal(root.code, 0);
  assert.match(root.stdout, /Exit codes: 0 success/);
  assert.equal(register.code, 0);
  assert.match(register.stdout, /--train-data <file>/);
  assert.match(register.stdout, /Example:\n\s+modelgate versions register/);
  assert.match(approve.stdout, /--for <alias>/);
});
