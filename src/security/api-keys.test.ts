import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import { SqliteDriver } from '../store/sqlite/driver.ts';
import { SqlSecurityStore } from '../store/sql-security-store.ts';
import { ApiKeys, KEY_PATTERN, hashSecret, parseApiKey, verifySecret } from './api-keys.ts';

const FAST = { N: 1024, r: 8, p: 1 };

async function setup() {
  const store = new SqlSecurityStore(new SqliteDriver(':memory:'));
  await store.migrate();
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  return { store, clock, keys: new ApiKeys({ store, clock, scrypt: FAST }) };
}

const invalid = (reason: RegExp) => (err: unknown) => isModelgateError(err, 'MG_AUTH_INVALID') && reason.test(String(err.context.reason));

test('a created key has the documented shape, is stored hashed and verifies', async () => {
  const { store, keys } = await setup();
  const { key, record } = await keys.create({ name: 'ci', role: 'deployer', createdBy: 'admin', expiresAt: null });
  assert.match(key, KEY_PATTERN);
  assert.equal(parseApiKey(key)?.prefix, record.prefix);
  const stored = await store.getApiKey(record.prefix);
  assert.ok(stored && !stored.hash.includes(parseApiKey(key)!.secret));
  assert.match(stored.hash, /^scrypt\$1024\$8\$1\$/);
  assert.equal((await keys.verify(key)).prefix, record.prefix);
  assert.equal((await keys.verify(key)).role, 'deployer', 'second verification comes from the cache');
  await store.close();
});

test('keys are random: prefixes and secrets differ', async () => {
  const { store, keys } = await setup();
  const made = await Promise.all(Array.from({ length: 20 }, () => keys.create({ name: 'k', role: 'viewer', createdBy: 'a', expiresAt: null })));
  assert.equal(new Set(made.map((m) => m.key)).size, 20);
  assert.equal(new Set(made.map((m) => m.record.prefix)).size, 20);
  await store.close();
});

test('wrong secret, unknown prefix and malformed keys are MG_AUTH_INVALID', async () => {
  const { store, keys } = await setup();
  const { key } = await keys.create({ name: 'ci', role: 'viewer', createdBy: 'admin', expiresAt: null });
  const wrong = key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
  await assert.rejects(keys.verify(wrong), invalid(/unknown or wrong/));
  await assert.rejects(keys.verify('mg_ZZZZZZZZ_' + 'a'.repeat(32)), invalid(/unknown or wrong/));
  for (const bad of ['', 'mg_', key + 'x', key.replace('mg_', 'mx_'), key.slice(0, 20), 'mg_abc_def']) {
    await assert.rejects(keys.verify(bad), invalid(/malformed/), bad);
  }
  await store.close();
});

test('expired keys stop working at their expiry', async () => {
  const { store, clock, keys } = await setup();
  const { key } = await keys.create({ name: 'tmp', role: 'viewer', createdBy: 'admin', expiresAt: '2026-01-01T01:00:00Z' });
  await keys.verify(key);
  clock.advance(3_600_000);
  await assert.rejects(keys.verify(key), invalid(/expired/));
  await store.close();
});

test('revocation is immediate in this process and visible to others after the cache period', async () => {
  const { store, clock, keys } = await setup();
  const { key, record } = await keys.create({ name: 'ci', role: 'viewer', createdBy: 'admin', expiresAt: null });
  const other = new ApiKeys({ store, clock, scrypt: FAST, cacheTtlMs: 10_000 });
  await keys.verify(key);
  await other.verify(key);
  await keys.revoke(record.prefix);
  await assert.rejects(keys.verify(key), invalid(/revoked/));
  await other.verify(key);
  clock.advance(10_000);
  await assert.rejects(other.verify(key), invalid(/revoked/));
  await assert.rejects(keys.revoke('nope'), (err: unknown) => isModelgateError(err, 'MG_SECURITY_KEY_NOT_FOUND'));
  assert.equal((await keys.list()).length, 1);
  await store.close();
});

test('bad names and expiry times are rejected at creation', async () => {
  const { store, keys } = await setup();
  await assert.rejects(keys.create({ name: '', role: 'viewer', createdBy: 'a', expiresAt: null }), (err: unknown) => isModelgateError(err, 'MG_VALIDATION_FAILED'));
  await assert.rejects(keys.create({ name: 'x', role: 'viewer', createdBy: 'a', expiresAt: 'soon' }), (err: unknown) => isModelgateError(err, 'MG_VALIDATION_FAILED'));
  await store.close();
});

test('secret hashing: salted, verifies only the right secret, malformed hashes never match', async () => {
  const a = await hashSecret('s3cret', FAST);
  const b = await hashSecret('s3cret', FAST);
  assert.notEqual(a, b);
  assert.ok(await verifySecret('s3cret', a));
  assert.ok(!(await verifySecret('s3cret!', a)));
  for (const bad of ['', 'scrypt$1$1$1$x', 'bcrypt$1024$8$1$aa$bb', 'scrypt$abc$8$1$aa$bb', `scrypt$1024$8$1$aa$${Buffer.alloc(5).toString('base64')}`]) {
    assert.equal(await verifySecret('s3cret', bad), false, bad);
  }
});
