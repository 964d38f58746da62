import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isModelgateError } from '../lib/errors.ts';
import { runRegistryStoreSuite } from './registry-store.suite.ts';
import { dropPostgresSchema, openPostgresRegistryStore } from './postgres/registry-store.ts';
import { numberParams } from './postgres/driver.ts';

const url = process.env.MODELGATE_TEST_DATABASE_URL;
const skip = url ? false : 'MODELGATE_TEST_DATABASE_URL is not set';
const schema = `mg_test_${randomBytes(6).toString('hex')}`;

if (url) after(() => dropPostgresSchema(url, schema));

runRegistryStoreSuite('postgres', () => openPostgresRegistryStore(url!, { schema }), { skip });

test('parameter markers are numbered in order', () => {
  assert.equal(numberParams('a = ? AND (b, c) > (?, ?)'), 'a = $1 AND (b, c) > ($2, $3)');
});

test('several stores migrating one new schema at once do not collide', { skip }, async () => {
  const racing = `${schema}_race`;
  try {
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresRegistryStore(url!, { schema: racing, maxConnections: 2 })));
    for (const s of stores) assert.deepEqual((await s.listModels({})).items, []);
    await Promise.all(stores.map((s) => s.close()));
  } finally {
    await dropPostgresSchema(url!, racing);
  }
});

test('an unreachable server is MG_STORE_UNAVAILABLE', async () => {
  await assert.rejects(openPostgresRegistryStore('postgres://nobody@127.0.0.1:1/none', { schema }), (err: unknown) =>
    isModelgateError(err, 'MG_STORE_UNAVAILABLE'));
});

test('a schema name that is not an identifier is MG_CONFIG_INVALID', async () => {
  await assert.rejects(openPostgresRegistryStore('postgres://127.0.0.1/x', { schema: 'x; DROP TABLE y' }), (err: unknown) =>
    isModelgateError(err, 'MG_CONFIG_INVALID'));
});
