// `modelgate demo --no-serve`: registers the bundled models once, points
// staging at them, and registers nothing new when run again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DemoResult } from '../src/app/demo.ts';
import type { VersionRecord } from '../src/store/registry-types.ts';
import { cli, cliJson, tempDir } from './cli-run.ts';

const dir = await tempDir('modelgate-demo-');
const common = ['--data-dir', join(dir.path, 'data')];
after(async () => dir.remove());

test('demo registers the example models idempotently', async () => {
  const first = await cliJson<DemoResult[]>(['demo', '--no-serve', ...common]);
  assert.deepEqual(first.map((r) => [r.model, r.kind, r.version, r.alias]), [
    ['breast_cancer_rf', 'registered', 1, 'staging'],
    ['breast_cancer_mlp', 'registered', 1, 'staging'],
    ['iris_logreg', 'registered', 1, 'staging'],
    ['diabetes_gbr', 'registered', 1, 'staging'],
  ]);
  const second = await cliJson<DemoResult[]>(['demo', '--no-serve', ...common]);
  assert.deepEqual(second.map((r) => r.kind), ['existing', 'existing', 'existing', 'existing']);

  const rf = await cliJson<VersionRecord>(['versions', 'show', 'breast_cancer_rf', 'staging', ...common]);
  assert.equal(rf.features?.length, 30);
  assert.equal(rf.referenceProfile?.label?.name, 'target');
  assert.equal(rf.lineage.framework, 'sklearn');
  const iris = await cliJson<VersionRecord>(['versions', 'show', 'iris_logreg', '1', ...common]);
  assert.deepEqual(iris.features, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);

  const human = await cli(['demo', '--no-serve', ...common]);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /MODEL\s+VERSION\s+ALIAS\s+RESULT/);
  assert.match(human.stdout, /diabetes_gbr\s+1\s+staging\s+existing/);
});
