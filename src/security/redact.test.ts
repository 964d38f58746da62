import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACTED, pinoRedaction, redactText, redactUrl } from './redact.ts';

const KEY = 'mg_AbCdEf12_0123456789abcdefghijABCDEFGHIJKL';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz';

function capture(): { logger: pino.Logger; text: () => string } {
  let out = '';
  const stream = new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } });
  return { logger: pino(pinoRedaction(), stream), text: () => out };
}

test('the pino redaction removes credentials from requests, config and secret fields', () => {
  const { logger, text } = capture();
  logger.info({ req: { method: 'GET', url: '/v2', headers: { authorization: `Bearer ${KEY}`, 'x-api-key': KEY, cookie: 'sid=1', host: 'h' } } }, 'request');
  logger.info({ config: { databaseUrl: 'postgres://u:hunter2@db/x', security: { jwt: { secret: 'jwt-secret-value' }, fieldKeys: { k1: 'AAAA' } } } }, 'config');
  logger.info({ user: { password: 'pw-value', token: 'tok-value' }, apiKey: KEY }, 'fields');
  const out = text();
  for (const secret of [KEY, 'hunter2', 'jwt-secret-value', 'pw-value', 'tok-value', 'sid=1', 'AAAA']) assert.ok(!out.includes(secret), secret);
  assert.ok(out.includes('"host":"h"'), 'other fields stay');
  assert.ok(out.includes(REDACTED));
});

test('free text: key secrets, bearer tokens, JWTs and URL passwords are masked', () => {
  const text = redactText(`auth failed for ${KEY} with Bearer abc.def and ${JWT} at postgres://app:s3cr3t@db:5432/x?password=p2`);
  for (const secret of ['0123456789abcdefghijABCDEFGHIJKL', 'abc.def', JWT, 's3cr3t', 'p2']) assert.ok(!text.includes(secret), secret);
  assert.ok(text.includes('mg_AbCdEf12_'), 'the public prefix stays');
  assert.ok(text.includes('postgres://app:'));
});

test('URLs keep everything but their password and secret-like parameters', () => {
  assert.equal(redactUrl('redis://:pw@cache:6379/0'), `redis://:${encodeURIComponent(REDACTED)}@cache:6379/0`);
  assert.equal(redactUrl('postgres://u@db/x'), 'postgres://u@db/x');
  assert.ok(!redactUrl('https://h/jwks?token=abc&x=1').includes('abc'));
  assert.ok(!redactUrl('http://u:pw@[bad').includes(':pw@'));
});
