// The process running the controller is killed (SIGKILL) mid-canary; after a
// restart the rollout is on the same step, its step clock where it was, the
// candidate still at the step's weight, and it goes on to promote.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, cli, fixture, infer, serve, testRows, waitFor, type Server } from './rollout-support.ts';

let dir: string;
let server: Server | undefined;

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a canary resumes at the same step after the primary is killed', async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelgate-rollout-restart-'));
  cli(dir, ['models', 'create', 'cancer']);
  cli(dir, ['versions', 'register', 'cancer', fixture('breast_cancer_rf')]);
  cli(dir, ['versions', 'register', 'cancer', fixture('breast_cancer_rf_weak')]);
  cli(dir, ['deploy', 'cancer', '1', '--endpoint', 'cancer']);
  server = await serve(dir);
  const start = await api(server.url, 'POST', '/api/v1/endpoints/cancer/rollouts', {
    version: 2, plan: { strategy: 'canary', steps: [{ setWeight: 10 }, { setWeight: 25 }, { pause: '1h' }, { setWeight: 50 }] },
  });
  assert.equal(start.status, 200, JSON.stringify(start.body));
  const id = String(start.body.id);
  const before = await waitFor(server.url, 'cancer', id, (r) => (r.state as { stepIndex: number }).stepIndex === 2);
  const stateBefore = before.state as { stepIndex: number; stepStartedAt: number; weight: number };
  assert.equal(stateBefore.weight, 25);
  await server.stop('SIGKILL');

  server = await serve(dir);
  const resumed = (await api(server.url, 'GET', `/api/v1/endpoints/cancer/rollouts/${id}`)).body;
  const stateAfter = resumed.state as { stepIndex: number; stepStartedAt: number; weight: number };
  assert.equal(resumed.phase, 'progressing');
  assert.equal(stateAfter.stepIndex, 2, 'same step');
  assert.equal(stateAfter.stepStartedAt, stateBefore.stepStartedAt, 'time already spent in the pause is kept');
  const rows = testRows();
  const answers = await Promise.all(rows.map((r) => infer(server!.url, 'cancer', r)));
  assert.ok(answers.every((a) => a.status === 200));
  assert.ok(answers.some((a) => a.version === '2'), 'the candidate still takes its share after the restart');

  // With no body at all, as `curl -X POST …/promote` sends it.
  const promoted = await api(server.url, 'POST', `/api/v1/endpoints/cancer/rollouts/${id}/promote`);
  assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
  const final = await waitFor(server.url, 'cancer', id, (r) => r.phase === 'succeeded');
  assert.equal(final.phase, 'succeeded');
  assert.equal((await api(server.url, 'GET', '/api/v1/endpoints/cancer')).body.version, 2);
  const back = await api(server.url, 'POST', '/api/v1/endpoints/cancer/rollback');
  assert.equal(back.status, 200, JSON.stringify(back.body));
  assert.deepEqual([back.body.kind, back.body.version], ['switched', 1], 'a recent stable is switched to at once');
});
