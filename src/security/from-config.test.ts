import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/load.ts';
import { FakeClock } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import { checkExposure, securityFromConfig } from './from-config.ts';
import { signJwt } from './jwt-test-support.ts';

const clock = new FakeClock('2026-01-01T00:00:00Z');

test('defaults: authentication off, no limits, built-in roles', () => {
  const s = securityFromConfig(loadConfig({ env: {} }), clock);
  assert.equal(s.authRequired, false);
  assert.equal(s.jwt, undefined);
  assert.equal(s.perPrincipal, undefined);
  assert.equal(s.fieldCrypto, undefined);
  assert.ok(s.roles.has('approver'));
});

test('environment variables configure JWT, roles, limits and field keys', async () => {
  const secret = 'x'.repeat(40);
  const config = loadConfig({
    env: {
      MODELGATE_SECURITY__AUTH: 'required',
      MODELGATE_SECURITY__JWT__SECRET: secret,
      MODELGATE_SECURITY__JWT__AUDIENCE: 'mg',
      MODELGATE_SECURITY__ROLES: JSON.stringify({ auditor: ['model:*:admin'] }),
      MODELGATE_SECURITY__RATE_LIMIT__PER_PRINCIPAL__RATE: '100',
      MODELGATE_SECURITY__FIELD_KEYS: JSON.stringify({ k1: randomBytes(32).toString('base64') }),
    },
  });
  const s = securityFromConfig(config, clock);
  assert.equal(s.authRequired, true);
  assert.ok(s.roles.has('auditor'));
  assert.deepEqual(s.perPrincipal, { rate: 100, burst: 100 });
  assert.equal(s.perEndpoint, undefined);
  assert.equal(s.fieldCrypto?.activeKeyId, 'k1');
  const claims = await s.jwt!.verify(signJwt({ sub: 'a', exp: clock.now() / 1000 + 60, aud: 'mg' }, { alg: 'HS256', secret }));
  assert.equal(claims.sub, 'a');
});

test('bad security options are MG_CONFIG_INVALID naming the key', () => {
  const cases: Record<string, string>[] = [
    { MODELGATE_SECURITY__JWT__SECRET: 'short' },
    { MODELGATE_SECURITY__ROLES: JSON.stringify({ x: ['model:*:fly'] }) },
    { MODELGATE_SECURITY__JWT__JWKS_URL: 'https://a', MODELGATE_SECURITY__JWT__JWKS_FILE: 'f.json' },
    { MODELGATE_SECURITY__FIELD_KEYS: JSON.stringify({ k1: 'c2hvcnQ=' }) },
  ];
  for (const env of cases) {
    assert.throws(() => securityFromConfig(loadConfig({ env }), clock), (err: unknown) => isModelgateError(err, 'MG_CONFIG_INVALID'), JSON.stringify(env));
  }
});

test('a server reachable from other machines needs authentication or --insecure', () => {
  checkExposure(loadConfig({ env: {} }));
  checkExposure(loadConfig({ env: { MODELGATE_SERVER__HOST: '::1' } }));
  assert.throws(() => checkExposure(loadConfig({ env: { MODELGATE_SERVER__HOST: '0.0.0.0' } })), (err: unknown) =>
    isModelgateError(err, 'MG_CONFIG_INVALID') && err.context.key === 'server.host');
  checkExposure(loadConfig({ env: { MODELGATE_SERVER__HOST: '0.0.0.0', MODELGATE_SECURITY__AUTH: 'required' } }));
  checkExposure(loadConfig({ env: { MODELGATE_SERVER__HOST: '0.0.0.0', MODELGATE_SECURITY__INSECURE: 'true' } }));
});
