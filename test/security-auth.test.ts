/**
 * Authentication and request limits over HTTP: JWT failures each a 401 whose
 * reason names no secret, 1,000 malformed credentials never a 500, rate
 * limits answering 429 with Retry-After and RateLimit-* headers on both
 * planes, JSON depth and tensor-element limits, audit entries for changes
 * and refusals, and no credential in the log.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signJwt } from '../src/security/jwt-test-support.ts';
import { makeSecuredApp, type SecuredApp } from './support/security.ts';

const SECRET = 'an-hs256-secret-of-at-least-32-bytes!!';
let s: SecuredApp;
const now = Date.parse('2026-03-01T12:00:00.000Z') / 1000;
const good = { sub: 'alice', roles: ['viewer'], exp: now + 600, aud: 'modelgate', iss: 'https://login.example.com/' };

before(async () => {
  s = await makeSecuredApp({
    server: { maxJsonDepth: 8, maxTensorElements: 1000 },
    security: { jwt: { secret: SECRET, audience: 'modelgate', issuer: 'https://login.example.com/' }, rateLimit: { perPrincipal: { rate: 1, burst: 3 } } },
  });
});
after(async () => s.close());

const get = (headers: Record<string, string>, url = '/api/v1/models') => s.app.inject({ method: 'GET', url, headers });

test('a valid JWT acts as its subject with its roles', async () => {
  const res = await get({ authorization: `Bearer ${signJwt({ ...good, sub: 'jwt-ok' }, { alg: 'HS256', secret: SECRET })}` });
  assert.equal(res.statusCode, 200, res.body);
});

test('JWT failures: each a 401 with a reason that leaks no secret', async () => {
  const hs = (claims: Record<string, unknown>, header?: Record<string, unknown>, secret = SECRET) => signJwt(claims, { alg: 'HS256', secret }, header);
  const { exp: _exp, ...noExp } = good;
  const { sub: _sub, ...noSub } = good;
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`;
  const cases: [string, string, RegExp][] = [
    ['expired', hs({ ...good, sub: 'c1', exp: now - 3600 }), /expired/],
    ['bad signature', hs({ ...good, sub: 'c2' }, undefined, 'another-secret-that-is-32-bytes-long!!'), /bad signature/],
    ['wrong audience', hs({ ...good, sub: 'c3', aud: 'someone-else' }), /wrong audience/],
    ['wrong issuer', hs({ ...good, sub: 'c4', iss: 'https://evil.example/' }), /wrong issuer/],
    ['alg none', none, /alg none/],
    ['missing exp', hs({ ...noExp, sub: 'c5' }), /no expiry/],
    ['missing sub', hs(noSub), /no subject/],
  ];
  for (const [name, token, reason] of cases) {
    const res = await get({ authorization: `Bearer ${token}` });
    assert.equal(res.statusCode, 401, name);
    const body = res.json<{ error: string; code: string }>();
    assert.equal(body.code, 'MG_AUTH_INVALID', name);
    assert.match(body.error, reason, name);
    assert.ok(!body.error.includes(SECRET) && !body.error.includes(token.split('.')[2] || '\u0000'), `${name} leaks nothing`);
  }
});

test('1,000 malformed credentials each get a 401, never a 500', async () => {
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ :"{}\u00e9';
  const junk = (n: number) => Array.from({ length: n }, () => chars[rnd(chars.length)]).join('');
  const b64 = (v: string) => Buffer.from(v).toString('base64url');
  const real = signJwt(good, { alg: 'HS256', secret: SECRET });
  const makers: (() => Record<string, string>)[] = [
    () => ({ authorization: junk(1 + rnd(60)) }),
    () => ({ authorization: `Bearer ${junk(1 + rnd(200)).replaceAll(' ', '')}` }),
    () => ({ authorization: `Bearer mg_${junk(8)}_${junk(32)}`.replaceAll(' ', 'x') }),
    () => ({ authorization: `Bearer mg_${junk(rnd(12))}` }),
    () => ({ authorization: `ApiKey ${junk(40).replaceAll(' ', '')}` }),
    () => ({ 'x-api-key': junk(1 + rnd(50)) }),
    () => ({ authorization: `Bearer ${b64(junk(20))}.${b64(junk(30))}.${b64(junk(10))}` }),
    () => ({ authorization: `Bearer ${b64('{"alg":"HS256"}')}.${b64(`{"sub":${junk(3)}}`)}.${junk(43).replace(/[^A-Za-z0-9_-]/g, 'a')}` }),
    () => ({ authorization: `Bearer ${real.slice(0, rnd(real.length))}` }),
    () => ({ authorization: `Bearer ${real}${junk(1 + rnd(5)).replace(/[^A-Za-z0-9]/g, 'x')}` }),
    () => ({ authorization: `Basic ${b64('user:pass')}` }),
    () => ({ authorization: `Bearer ${'a'.repeat(9000)}` }),
    () => ({ authorization: `Bearer ${b64(JSON.stringify({ alg: 'RS256', kid: junk(5) }))}.${b64(JSON.stringify(good))}.${b64('x')}` }),
  ];
  const statuses = new Map<number, number>();
  for (let i = 0; i < 1000; i++) {
    const headers = makers[i % makers.length]();
    const res = i % 2
      ? await get(headers)
      : await s.app.inject({ method: 'POST', url: '/v2/models/x1/infer', headers, payload: { inputs: [] } });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    assert.equal(res.statusCode, 401, `${JSON.stringify(headers).slice(0, 200)} → ${res.statusCode} ${res.body}`);
  }
  assert.deepEqual([...statuses.keys()].filter((k) => k >= 500), []);
});

test('rate limits: 429 with Retry-After and RateLimit-* headers, per principal', async () => {
  const token = signJwt({ ...good, sub: 'limited' }, { alg: 'HS256', secret: SECRET });
  const codes: number[] = [];
  let last;
  for (let i = 0; i < 5; i++) {
    last = await get({ authorization: `Bearer ${token}` });
    codes.push(last.statusCode);
    if (i === 0) {
      assert.equal(last.headers['ratelimit-limit'], '3');
      assert.equal(last.headers['ratelimit-remaining'], '2');
    }
  }
  assert.deepEqual(codes, [200, 200, 200, 429, 429]);
  assert.ok(last);
  assert.equal(last.json<{ code: string }>().code, 'MG_RATE_LIMITED');
  assert.equal(last.headers['retry-after'], '1');
  assert.equal(last.headers['ratelimit-remaining'], '0');
  // The data plane answers in its own shape, with the same headers.
  const dp = await s.app.inject({ method: 'POST', url: '/v2/models/x1/infer', headers: { authorization: `Bearer ${signJwt({ ...good, sub: 'limited', roles: ['predictor'] }, { alg: 'HS256', secret: SECRET })}` }, payload: { inputs: [] } });
  assert.equal(dp.statusCode, 429);
  assert.equal(dp.json<{ code?: string }>().code, undefined);
  assert.equal(dp.headers['retry-after'], '1');
  // Another principal has its own bucket; time refills.
  assert.equal((await get({ authorization: `Bearer ${signJwt({ ...good, sub: 'other' }, { alg: 'HS256', secret: SECRET })}` })).statusCode, 200);
  s.clock.advance(3000);
  assert.equal((await get({ authorization: `Bearer ${token}` })).statusCode, 200);
});

test('JSON nested deeper than the limit is a 400 before any handler; declared tensors beyond the limit a 413', async () => {
  const admin = { authorization: `Bearer ${s.keys.admin}` };
  let deep: unknown = 'x';
  for (let i = 0; i < 10; i++) deep = { d: deep };
  const res = await s.app.inject({ method: 'POST', url: '/api/v1/models', headers: admin, payload: { name: 'deep', tags: deep } });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json<{ code: string }>().code, 'MG_SECURITY_JSON_TOO_DEEP');
  const big = await s.app.inject({ method: 'POST', url: '/v2/models/x1/infer', headers: admin, payload: { inputs: [{ name: 'x', shape: [1e6, 1e6], datatype: 'FP32', data: [1] }] } });
  assert.equal(big.statusCode, 413);
  assert.match(big.json<{ error: string }>().error, /tensor elements/);
});

test('state changes are audited with actor, action, target, request hash and outcome, refusals too', async () => {
  s.clock.advance(10_000); // refill the admin key's bucket (burst 3)
  const admin = { authorization: `Bearer ${s.keys.admin}` };
  const prefix = s.keys.admin.split('_')[1];
  assert.equal((await s.app.inject({ method: 'POST', url: '/api/v1/models', headers: admin, payload: { name: 'audited' } })).statusCode, 201);
  assert.equal((await s.app.inject({ method: 'DELETE', url: '/api/v1/models/audited', headers: { authorization: `Bearer ${s.keys.viewer}` } })).statusCode, 403);
  const list = await s.app.inject({ method: 'GET', url: '/api/v1/audit?limit=1000', headers: admin });
  const items = list.json<{ items: { actor: string; action: string; target: string; outcome: string; requestHash: string; details: { status: number; code?: string } }[] }>().items;
  const created = items.find((e) => e.action === 'model.create' && e.target === 'model:audited');
  assert.ok(created);
  assert.equal(created.actor, `key:${prefix}`);
  assert.equal(created.outcome, 'success');
  assert.match(created.requestHash, /^[0-9a-f]{64}$/);
  const denied = items.find((e) => e.action === 'model.delete' && e.target === 'model:audited');
  assert.ok(denied);
  assert.equal(denied.outcome, 'denied');
  assert.equal(denied.details.code, 'MG_AUTH_FORBIDDEN');
  const verify = await s.app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: admin });
  assert.equal(verify.json<{ verdict: { ok: boolean } }>().verdict.ok, true);
});
