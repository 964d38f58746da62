// Two servers sharing one PostgreSQL store (and one blob directory), as two
// replicas would: a deploy, a version switch and a delete made through one
// are served by the other within a second, through LISTEN/NOTIFY; after the
// other's listening connection is killed, it reconnects and catches up on the
// change it missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { deploy, openReplicas } from './support/replicas.ts';

const pgUrl = process.env.MODELGATE_TEST_DATABASE_URL;

/** The version `app` serves for `endpoint`, or its status code when it serves none. */
async function served(app: FastifyInstance, endpoint: string): Promise<string | number> {
  const res = await app.inject({ method: 'GET', url: `/v2/models/${endpoint}` });
  return res.statusCode === 200 ? String(res.headers['x-modelgate-version']) : res.statusCode;
}

/** Waits until `app` serves `want` for `endpoint`; returns how long that took (ms). */
async function until(app: FastifyInstance, endpoint: string, want: string | number, limitMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const got = await served(app, endpoint);
    if (got === want) return performance.now() - started;
    if (performance.now() - started > limitMs) assert.fail(`after ${limitMs} ms the other replica serves ${got} for ${endpoint}, not ${want}`);
    await sleep(20);
  }
}

test('routing changes reach another replica on the same PostgreSQL database', { skip: pgUrl ? false : 'MODELGATE_TEST_DATABASE_URL is not set' }, async () => {
  const { a, b, url, close } = await openReplicas(pgUrl as string);
  try {
    assert.equal((await deploy(a, 1)).statusCode, 200);
    const firstMs = await until(b, 'cancer', '1', 1000);
    assert.equal((await deploy(a, 2)).statusCode, 200);
    const switchMs = await until(b, 'cancer', '2', 1000);
    assert.equal((await a.inject({ method: 'DELETE', url: '/api/v1/endpoints/cancer' })).statusCode, 204);
    const deleteMs = await until(b, 'cancer', 404, 1000);
    console.log(`the other replica followed in ${Math.round(firstMs)} ms (deploy), ${Math.round(switchMs)} ms (switch), ${Math.round(deleteMs)} ms (delete)`);

    // Kill every routing listener's connection: b misses what happens next, then reconnects (1 s) and reconciles.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const killed = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'modelgate modelgate_routing' AND pid <> pg_backend_pid()");
      assert.ok(killed.rowCount !== null && killed.rowCount >= 2, 'both replicas had a listening connection');
    } finally {
      await admin.end();
    }
    assert.equal((await deploy(a, 1)).statusCode, 200);
    await until(b, 'cancer', '1', 5000);
    const res = await b.inject({ method: 'POST', url: '/v2/models/cancer/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: Array.from({ length: 30 }, (_, i) => i / 3) }] } });
    assert.equal(res.statusCode, 200, res.body);
  } finally {
    await close();
  }
});
