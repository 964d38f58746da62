import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import { JwksKeys, parseJwks } from './jwks.ts';
import { JwtVerifier } from './jwt.ts';
import { signJwt } from './jwt-test-support.ts';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256';
const clock = new FakeClock('2026-01-01T00:00:00Z');
const now = () => Math.floor(clock.now() / 1000);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwks = {
  keys: [
    { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa1', use: 'sig', alg: 'RS256' },
    { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec1' },
  ],
};
const dir = mkdtempSync(join(tmpdir(), 'mg-jwt-'));
const jwksFile = join(dir, 'jwks.json');
writeFileSync(jwksFile, JSON.stringify(jwks));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'alice', exp: now() + 300, aud: 'modelgate', iss: 'https://idp', ...extra });
const hs = new JwtVerifier({ clock, secret: SECRET, audience: 'modelgate', issuer: 'https://idp', clockSkewMs: 30_000 });
const pk = new JwtVerifier({ clock, keys: new JwksKeys({ source: { kind: 'file', path: jwksFile }, clock }), audience: 'modelgate' });

async function reason(verifier: JwtVerifier, token: string): Promise<string> {
  try {
    await verifier.verify(token);
  } catch (err) {
    assert.ok(isModelgateError(err, 'MG_AUTH_INVALID'), String(err));
    return String(err.context.reason);
  }
  return 'accepted';
}

test('valid HS256, RS256 and ES256 tokens verify', async () => {
  assert.equal((await hs.verify(signJwt(claims(), { alg: 'HS256', secret: SECRET }))).sub, 'alice');
  assert.equal((await pk.verify(signJwt(claims(), { alg: 'RS256', key: rsa.privateKey, kid: 'rsa1' }))).sub, 'alice');
  assert.equal((await pk.verify(signJwt(claims(), { alg: 'ES256', key: ec.privateKey, kid: 'ec1' }))).sub, 'alice');
  assert.equal((await pk.verify(signJwt(claims({ aud: ['x', 'modelgate'] }), { alg: 'ES256', key: ec.privateKey, kid: 'ec1' }))).sub, 'alice');
});

test('each failure is MG_AUTH_INVALID with its own reason, and no reason holds the secret', async () => {
  const cases: [string, string][] = [
    [signJwt(claims({ exp: now() - 31 }), { alg: 'HS256', secret: SECRET }), 'token expired'],
    [signJwt(claims({ nbf: now() + 31 }), { alg: 'HS256', secret: SECRET }), 'token not yet valid'],
    [signJwt(claims(), { alg: 'HS256', secret: `${SECRET}x` }), 'bad signature'],
    [signJwt(claims({ aud: 'other' }), { alg: 'HS256', secret: SECRET }), 'wrong audience'],
    [signJwt(claims({ iss: 'https://evil' }), { alg: 'HS256', secret: SECRET }), 'wrong issuer'],
    [signJwt(claims({ sub: undefined }), { alg: 'HS256', secret: SECRET }), 'token has no subject (sub)'],
    [signJwt(claims({ exp: undefined }), { alg: 'HS256', secret: SECRET }), 'token has no expiry (exp)'],
    [signJwt(claims({ exp: '9999999999' }), { alg: 'HS256', secret: SECRET }), 'token has no expiry (exp)'],
    [`${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`, 'unsigned tokens (alg none) are not accepted'],
    [signJwt(claims(), { alg: 'HS256', secret: SECRET }, { alg: 'NONE' }), 'unsigned tokens (alg none) are not accepted'],
    [signJwt(claims(), { alg: 'HS256', secret: SECRET }, { alg: 'HS512' }), 'algorithm HS512 is not accepted'],
    [signJwt(claims(), { alg: 'RS256', key: rsa.privateKey, kid: 'rsa1' }), 'RS256 tokens are not accepted here'],
    ['a.b', 'malformed token'],
  ];
  for (const [token, want] of cases) {
    const got = await reason(hs, token);
    assert.equal(got, want, token);
    assert.ok(!got.includes(SECRET));
  }
});

test('the clock-skew allowance accepts a token just past exp or just before nbf', async () => {
  assert.equal(await reason(hs, signJwt(claims({ exp: now() - 29 }), { alg: 'HS256', secret: SECRET })), 'accepted');
  assert.equal(await reason(hs, signJwt(claims({ nbf: now() + 29 }), { alg: 'HS256', secret: SECRET })), 'accepted');
});

test('algorithm confusion: an HS256 token signed with the public key is refused', async () => {
  const publicPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const h = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'rsa1' })).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims())).toString('base64url');
  const sig = createHmac('sha256', publicPem).update(`${h}.${p}`).digest('base64url');
  assert.equal(await reason(pk, `${h}.${p}.${sig}`), 'HS256 tokens are not accepted here');
});

test('RS256/ES256: key type must match, unknown kid and foreign keys are refused', async () => {
  // An ES256 token claiming the RSA key's kid.
  assert.equal(await reason(pk, signJwt(claims(), { alg: 'ES256', key: ec.privateKey, kid: 'rsa1' })), 'unknown signing key');
  assert.equal(await reason(pk, signJwt(claims(), { alg: 'ES256', key: otherEc.privateKey, kid: 'ec1' })), 'bad signature');
  assert.equal(await reason(pk, signJwt(claims(), { alg: 'RS256', key: rsa.privateKey, kid: 'nope' })), 'unknown signing key');
  // Without a kid the one key of the right type is used.
  assert.equal(await reason(pk, signJwt(claims(), { alg: 'RS256', key: rsa.privateKey })), 'accepted');
  // A DER signature where JWS wants raw r||s.
  const good = signJwt(claims(), { alg: 'ES256', key: ec.privateKey, kid: 'ec1' }).split('.');
  assert.equal(await reason(pk, `${good[0]}.${good[1]}.${Buffer.alloc(70, 1).toString('base64url')}`), 'bad signature');
});

test('a JWKS URL is cached, refreshed after its period, and fetched early for a new kid', async () => {
  const fake = new FakeClock('2026-01-01T00:00:00Z');
  let fetches = 0;
  let doc: unknown = { keys: [jwks.keys[0]] };
  const keys = new JwksKeys({ source: { kind: 'url', url: 'https://idp/jwks' }, clock: fake, refreshMs: 600_000, minRefetchMs: 30_000, fetchJson: async () => { fetches++; return doc; } });
  const v = new JwtVerifier({ clock: fake, keys });
  const token = () => signJwt({ sub: 'a', exp: Math.floor(fake.now() / 1000) + 60 }, { alg: 'ES256', key: ec.privateKey, kid: 'ec1' });
  await v.verify(signJwt({ sub: 'a', exp: Math.floor(fake.now() / 1000) + 60 }, { alg: 'RS256', key: rsa.privateKey, kid: 'rsa1' }));
  await v.verify(signJwt({ sub: 'a', exp: Math.floor(fake.now() / 1000) + 60 }, { alg: 'RS256', key: rsa.privateKey, kid: 'rsa1' }));
  assert.equal(fetches, 1);
  await assert.rejects(v.verify(token()), (err: unknown) => isModelgateError(err, 'MG_AUTH_INVALID'));
  assert.equal(fetches, 1, 'no early fetch within the minimum interval');
  doc = jwks;
  fake.advance(31_000);
  assert.equal((await v.verify(token())).sub, 'a');
  assert.equal(fetches, 2, 'a new kid triggers one early fetch');
  doc = null;
  fake.advance(600_000);
  assert.equal((await v.verify(token())).sub, 'a', 'a failed refresh keeps the last good keys');
});

test('an unreachable JWKS with no keys yet is MG_SECURITY_JWKS_UNAVAILABLE', async () => {
  const keys = new JwksKeys({ source: { kind: 'url', url: 'https://idp/jwks' }, clock, fetchJson: () => Promise.reject(new Error('ECONNREFUSED')) });
  const v = new JwtVerifier({ clock, keys });
  const token = signJwt(claims(), { alg: 'RS256', key: rsa.privateKey, kid: 'rsa1' });
  await assert.rejects(v.verify(token), (err: unknown) => isModelgateError(err, 'MG_SECURITY_JWKS_UNAVAILABLE'));
  await assert.rejects(v.verify(token), (err: unknown) => isModelgateError(err, 'MG_SECURITY_JWKS_UNAVAILABLE'));
});

test('key sets: private keys are refused, other key types skipped', () => {
  assert.throws(() => parseJwks({ keys: [ec.privateKey.export({ format: 'jwk' })] }), /private key/);
  assert.throws(() => parseJwks({}), /no "keys"/);
  assert.equal(parseJwks({ keys: [{ kty: 'oct', k: 'abc' }, { kty: 'EC', crv: 'P-384' }, { ...jwks.keys[1], use: 'enc' }, 3] }).length, 0);
});

test('configuration: short secrets and no key source are MG_CONFIG_INVALID', () => {
  assert.throws(() => new JwtVerifier({ clock, secret: 'short' }), (err: unknown) => isModelgateError(err, 'MG_CONFIG_INVALID'));
  assert.throws(() => new JwtVerifier({ clock }), (err: unknown) => isModelgateError(err, 'MG_CONFIG_INVALID'));
});
