// The rollout commands on a local data directory: a plan file with an
// unknown key is a usage error naming the key and the file; a canary starts,
// shows its steps, is paused, resumed, promoted; rollback returns to the
// previous stable at once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from './rollout-support.ts';

const main = new URL('../src/cli/main.ts', import.meta.url).pathname;
let dir: string;

function run(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, '--data-dir', join(dir, 'data'), ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('deploy --plan, rollout status|pause|resume|promote and rollback on a data directory', async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelgate-rollout-cli-'));
  assert.equal(run(['models', 'create', 'cancer']).code, 0);
  assert.equal(run(['versions', 'register', 'cancer', fixture('breast_cancer_rf')]).code, 0);
  assert.equal(run(['versions', 'register', 'cancer', fixture('breast_cancer_rf_weak')]).code, 0);
  assert.equal(run(['deploy', 'cancer', '1', '--endpoint', 'cancer']).code, 0);

  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'strategy: canary\nsteps:\n  - setWeight: 10\n    colour: red\n');
  const refused = run(['deploy', 'cancer', '2', '--endpoint', 'cancer', '--plan', bad]);
  assert.equal(refused.code, 1, refused.err);
  assert.match(refused.err, /bad\.yaml.*steps\[0\].*unknown key "colour"/);
  assert.match(refused.err, /MG_ROLLOUT_PLAN_INVALID/);

  const plan = join(dir, 'plan.yaml');
  await writeFile(plan, 'strategy: canary\nsteps:\n  - setWeight: 10\n  - pause: {}\n  - setWeight: 50\n  - pause: 1h\n');
  const started = run(['deploy', 'cancer', '2', '--endpoint', 'cancer', '--plan', plan, '--json']);
  assert.equal(started.code, 0, started.err);
  const r = JSON.parse(started.out) as { phase: string; state: { stepIndex: number; weight: number } };
  assert.deepEqual([r.phase, r.state.stepIndex, r.state.weight], ['paused', 1, 10]);

  const status = run(['rollout', 'status', 'cancer']);
  assert.equal(status.code, 0, status.err);
  assert.match(status.out, /setWeight 10%.*done/);
  assert.match(status.out, /pause until promoted.*← now/);
  assert.equal(run(['rollout', 'pause', 'cancer']).code, 1, 'a paused rollout cannot be paused again');
  const resumed = JSON.parse(run(['rollout', 'resume', 'cancer', '--json']).out) as { phase: string; state: { weight: number } };
  assert.equal(resumed.state.weight, 50);
  const promoted = JSON.parse(run(['rollout', 'promote', 'cancer', '--json']).out) as { phase: string };
  assert.equal(promoted.phase, 'succeeded');
  const back = run(['rollback', 'cancer', '--json']);
  assert.equal(back.code, 0, back.err);
  assert.deepEqual(JSON.parse(back.out), { kind: 'switched', version: 1 });
  assert.equal(run(['deploy', 'cancer', '2', '--endpoint', 'cancer', '--strategy', 'sideways']).code, 2);
});
