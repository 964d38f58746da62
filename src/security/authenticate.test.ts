import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, seededRng } from '../lib/clock.ts';
import type { Rng } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import { SqliteDriver } from '../store/sqlite/driver.ts';
import { SqlSecurityStore } from '../store/sql-security-store.ts';
import { ApiKeys } from './api-keys.ts';
import { createAuthenticator } from './authenticate.ts';
import { JwtVerifier } from './jwt.ts';
import { signJwt } from './jwt-test-support.ts';
import { formatPermission } from './permissions.ts';
import { buildRoleTable } from './roles.ts';

const SECRET = 'another-test-secret-long-enough-for-hs256!';
const clock = new FakeClock('2026-01-01T00:00:00Z');
const exp = () => Math.floor(clock.now() / 1000) + 600;

async function setup() {
  const store = new SqlSecurityStore(new SqliteDriver(':memory:'));
  await store.migrate();
  const apiKeys = new ApiKeys({ store, clock, scrypt: { N: 1024, r: 8, p: 1 } });
  const roles = buildRoleTable({ 'ml-ops': ['endpoint:fraud-*:deploy'] });
  const authenticate = createAuthenticator({ roles, apiKeys, jwt: new JwtVerifier({ clock, secret: SECRET, audience: 'mg' }) });
  return { store, apiKeys, authenticate };
}

test('an API key becomes a principal with its role permissions', async () => {
  const { store, apiKeys, authenticate } = await setup();
  const { key, record } = await apiKeys.create({ name: 'ci', role: 'approver', createdBy: 'admin', expiresAt: null });
  for (const header of [`Bearer ${key}`, `bearer ${key}`, `ApiKey ${key}`, `  Bearer   ${key} `]) {
    const p = await authenticate(header);
    assert.ok(p.kind === 'api-key');
    assert.equal(p.id, `key:${record.prefix}`);
    assert.deepEqual(p.roles, ['approver']);
    assert.ok(p.permissions.map(formatPermission).includes('model:*:approve'));
  }
  await store.close();
});

test('a verified API key is answered synchronously from the cache until its TTL runs out or it is revoked', async () => {
  const { store, apiKeys, authenticate } = await setup();
  const { key, record } = await apiKeys.create({ name: 'ci', role: 'approver', createdBy: 'admin', expiresAt: null });
  assert.equal(authenticate.cached(`Bearer ${key}`), undefined, 'not verified yet');
  const first = await authenticate(`Bearer ${key}`);
  const cached = authenticate.cached(`Bearer ${key}`);
  assert.equal(cached, first, 'the same principal object');
  assert.equal(authenticate.cached(`ApiKey ${key}`), first);
  assert.equal(authenticate.cached(`Bearer ${key.slice(0, -1)}x`), undefined, 'another secret never hits the cache');
  assert.equal(authenticate.cached('Bearer not-a-key'), undefined);
  clock.advance(11_000);
  assert.equal(authenticate.cached(`Bearer ${key}`), undefined, 'past the TTL the store is read again');
  await authenticate(`Bearer ${key}`);
  assert.ok(authenticate.cached(`Bearer ${key}`));
  await apiKeys.revoke(record.prefix);
  assert.equal(authenticate.cached(`Bearer ${key}`), undefined, 'a revocation here drops the entry at once');
  await assert.rejects(authenticate(`Bearer ${key}`), (err: unknown) => isModelgateError(err, 'MG_AUTH_INVALID'));
  await store.close();
});

test('a JWT becomes a principal from sub, known roles and permission claims', async () => {
  const { store, authenticate } = await setup();
  const token = signJwt({ sub: 'alice', exp: exp(), aud: 'mg', roles: ['viewer', 'unknown-group', 'ml-ops'], permissions: 'alias:staging:set bogus' }, { alg: 'HS256', secret: SECRET });
  const p = await authenticate(`Bearer ${token}`);
  assert.ok(p.kind === 'jwt');
  assert.equal(p.id, 'alice');
  assert.deepEqual(p.roles, ['viewer', 'ml-ops']);
  assert.deepEqual(p.permissions.map(formatPermission), ['model:*:read', 'endpoint:fraud-*:deploy', 'alias:staging:set']);
  await store.close();
});

test('missing credentials are MG_AUTH_REQUIRED; other schemes MG_AUTH_INVALID', async () => {
  const { store, authenticate } = await setup();
  for (const h of [undefined, '', '   ']) await assert.rejects(authenticate(h), (err: unknown) => isModelgateError(err, 'MG_AUTH_REQUIRED'));
  await assert.rejects(authenticate('Basic YWxpY2U6cHc='), (err: unknown) => isModelgateError(err, 'MG_AUTH_INVALID'));
  await store.close();
});

test('a key whose role was removed from the configuration is refused', async () => {
  const { store, apiKeys } = await setup();
  const { key } = await apiKeys.create({ name: 'old', role: 'ml-ops', createdBy: 'admin', expiresAt: null });
  const authenticate = createAuthenticator({ roles: buildRoleTable(), apiKeys });
  await assert.rejects(authenticate(`Bearer ${key}`), (err: unknown) => isModelgateError(err, 'MG_AUTH_INVALID'));
  await store.close();
});

const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ :;"{}[]\\\u0000\u00e9\u{1F600}\t\n';
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
const randomText = (rng: Rng, max: number) => Array.from({ length: Math.floor(rng.next() * max) }, () => pick(rng, [...CHARS])).join('');
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Changes one character that is not the last of its segment (whose low bits base64 may ignore). */
function mutate(rng: Rng, token: string): string {
  for (;;) {
    const i = Math.floor(rng.next() * token.length);
    if (token[i] === '.' || token[i + 1] === '.' || i === token.length - 1 || i < 4) continue;
    const c = pick(rng, [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789']);
    if (c !== token[i]) return token.slice(0, i) + c + token.slice(i + 1);
  }
}

test('1,000 malformed credentials each give MG_AUTH_INVALID or MG_AUTH_REQUIRED, never a raw exception', async () => {
  const { store, apiKeys, authenticate } = await setup();
  const { key } = await apiKeys.create({ name: 'real', role: 'admin', createdBy: 'admin', expiresAt: null });
  const good = signJwt({ sub: 'alice', exp: exp(), aud: 'mg' }, { alg: 'HS256', secret: SECRET });
  const [gh, gp] = good.split('.');
  const rng = seededRng(7);
  const makers: ((r: Rng) => string)[] = [
    (r) => randomText(r, 200),
    (r) => `Bearer ${randomText(r, 120)}`,
    (r) => `${pick(r, ['Bearer', 'bearer', 'Basic', 'Digest', 'Token', 'ApiKey', ''])}${pick(r, [' ', '  ', '\t', ''])}${randomText(r, 60)}`,
    (r) => `Bearer ${mutate(r, good)}`,
    (r) => `Bearer ${mutate(r, key)}`,
    (r) => `Bearer mg_${randomText(r, 8)}_${randomText(r, 40)}`,
    (r) => `Bearer mg_${'A'.repeat(8)}_${Array.from({ length: 32 }, () => pick(r, [...'abc123XYZ'])).join('')}`,
    (r) => `Bearer ${b64({ alg: pick(r, ['none', 'None', 'HS256', 'RS256', 'ES256', 'HS384', 1, null, '']) , kid: pick(r, [undefined, 5, 'x', {}]) })}.${gp}.${randomText(r, 50).replace(/[^A-Za-z0-9_-]/g, '')}`,
    (r) => `Bearer ${gh}.${b64(pick(r, [{}, [], 'x', 3, null, { sub: 1, exp: 'x' }, { sub: 'a', exp: exp(), aud: 'mg' }]))}.${good.split('.')[2]}`,
    (r) => `Bearer ${pick(r, ['', '.', '..', '...', 'a.b', 'a.b.c.d', '=.=.='])}${randomText(r, 10)}`,
    (r) => `Bearer ${Buffer.from(randomText(r, 80)).toString('base64')}.${randomText(r, 20)}.x`,
    (r) => `Bearer ${'A'.repeat(Math.floor(r.next() * 20000))}`,
    (r) => `Bearer ${good}${pick(r, ['x', '.', ' trailing', '\u0000'])}`,
  ];
  const counts = new Map<string, number>();
  for (let i = 0; i < 1000; i++) {
    const header = makers[i % makers.length](rng);
    try {
      const p = await authenticate(header);
      assert.fail(`accepted ${JSON.stringify(header).slice(0, 200)} as ${JSON.stringify(p).slice(0, 100)}`);
    } catch (err) {
      assert.ok(isModelgateError(err, 'MG_AUTH_INVALID') || isModelgateError(err, 'MG_AUTH_REQUIRED'), `${JSON.stringify(header).slice(0, 200)}: ${String(err)}`);
      assert.ok(err.status === 401);
      assert.ok(!err.message.includes(SECRET));
      counts.set(err.code, (counts.get(err.code) ?? 0) + 1);
    }
  }
  assert.equal([...counts.values()].reduce((a, b) => a + b, 0), 1000);
  await store.close();
});
