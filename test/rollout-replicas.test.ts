// Two servers sharing one PostgreSQL store, both with the rollout controller
// on: one of them (the first to start) holds the lease and steps every
// rollout, including one started through the other, which only stores it;
// when the holder stops, the other takes the lease over and finishes the
// rollout. Exactly one lease is held at any time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { deploy, openReplicas } from './support/replicas.ts';

const pgUrl = process.env.MODELGATE_TEST_DATABASE_URL;

interface RolloutBody { id: string; phase: string; state: { stepIndex: number; weight: number } }

async function current(app: FastifyInstance): Promise<RolloutBody> {
  const res = await app.inject({ method: 'GET', url: '/api/v1/endpoints/cancer/rollouts/current' });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as RolloutBody;
}

async function waitFor(app: FastifyInstance, what: string, ok: (r: RolloutBody) => boolean, limitMs: number): Promise<RolloutBody> {
  const started = performance.now();
  for (;;) {
    const r = await current(app);
    if (ok(r)) return r;
    if (performance.now() - started > limitMs) assert.fail(`after ${limitMs} ms the rollout is not ${what}: ${JSON.stringify(r)}`);
    await sleep(50);
  }
}

/** How many processes hold the rollout controller's lease for `schema`. */
async function holders(url: string, schema: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext($1)::bigint`,
      [`modelgate.rollout-controller.${schema}`],
    );
    return rows[0]!.n;
  } finally {
    await admin.end();
  }
}

test('one rollout controller among replicas, and another takes over when it stops', { skip: pgUrl ? false : 'MODELGATE_TEST_DATABASE_URL is not set' }, async () => {
  const { a, b, url, schema, stop, close } = await openReplicas(pgUrl as string);
  try {
    assert.equal(await holders(url, schema), 1);
    assert.equal((await deploy(a, 1)).statusCode, 200);
    const start = await b.inject({
      method: 'POST', url: '/api/v1/endpoints/cancer/rollouts',
      payload: { version: 2, plan: { strategy: 'canary', steps: [{ setWeight: 20 }, { setWeight: 40 }, { pause: {} }] } },
    });
    assert.equal(start.statusCode, 200, start.body);
    const stored = start.json() as RolloutBody;
    assert.equal(stored.state.weight, 0, 'b, without the lease, stores the rollout and leaves the steps to a');
    const paused = await waitFor(b, 'at its pause', (r) => r.state.stepIndex === 2 && r.state.weight === 40, 5000);
    assert.equal(paused.id, stored.id);

    await stop(a);
    // b asks every 2 s; once it holds the lease, a resume through it is stepped at once.
    const started = performance.now();
    while (await holders(url, schema) === 0) {
      if (performance.now() - started > 6000) assert.fail('no replica took the lease over');
      await sleep(100);
    }
    assert.equal(await holders(url, schema), 1);
    const resumed = await b.inject({ method: 'POST', url: `/api/v1/endpoints/cancer/rollouts/${stored.id}/resume` });
    assert.equal(resumed.statusCode, 200, resumed.body);
    await waitFor(b, 'succeeded', (r) => r.phase === 'succeeded', 5000);
    const serving = await b.inject({ method: 'GET', url: '/v2/models/cancer' });
    assert.equal(serving.headers['x-modelgate-version'], '2');
  } finally {
    await close();
  }
});
