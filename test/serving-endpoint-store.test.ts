// The endpoint store on SQLite, and on PostgreSQL when MODELGATE_TEST_DATABASE_URL
// is set: upserts bump the revision, records round-trip, isDeployed follows them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SqlEndpointStore } from '../src/store/sql-endpoint-store.ts';
import { SqliteDriver } from '../src/store/sqlite/driver.ts';
import { PostgresDriver } from '../src/store/postgres/driver.ts';
import { dropPostgresSchema } from '../src/store/postgres/registry-store.ts';

const pgUrl = process.env.MODELGATE_TEST_DATABASE_URL;

async function exercise(store: SqlEndpointStore): Promise<void> {
  await store.migrate();
  const at = '2026-03-01T12:00:00.000Z';
  const first = await store.put({ name: 'fraud', model: 'm', version: 1, batching: null, actor: 'a', at });
  assert.equal(first.revision, 1);
  const second = await store.put({ name: 'fraud', model: 'm', version: 2, batching: { maxBatchSize: 8, maxQueueDelayUs: 100, preferredBatchSizes: [4] }, actor: 'b', at: '2026-03-01T12:01:00.000Z' });
  assert.equal(second.revision, 2);
  assert.deepEqual(second.batching, { maxBatchSize: 8, maxQueueDelayUs: 100, preferredBatchSizes: [4] });
  assert.equal(second.createdAt, at);
  assert.equal(second.updatedBy, 'b');
  assert.deepEqual(await store.get('fraud'), second);
  assert.equal(await store.isDeployed('m', 2), true);
  assert.equal(await store.isDeployed('m', 1), false);
  await store.put({ name: 'another', model: 'm', version: 1, batching: null, actor: 'a', at });
  assert.deepEqual((await store.list()).map((e) => e.name), ['another', 'fraud']);
  assert.equal(await store.delete('fraud'), true);
  assert.equal(await store.delete('fraud'), false);
  assert.equal(await store.get('fraud'), null);
}

test('endpoint store on SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'modelgate-endpoints-'));
  const store = new SqlEndpointStore(new SqliteDriver(join(dir, 'db.sqlite')));
  try {
    await exercise(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('endpoint store on PostgreSQL', { skip: pgUrl ? false : 'MODELGATE_TEST_DATABASE_URL is not set' }, async () => {
  const url = pgUrl as string;
  const schema = `t_endpoints_${randomBytes(4).toString('hex')}`;
  const store = new SqlEndpointStore(new PostgresDriver(url, { schema }));
  try {
    await exercise(store);
  } finally {
    await store.close();
    await dropPostgresSchema(url, schema);
  }
});
