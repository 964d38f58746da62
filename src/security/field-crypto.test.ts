import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isModelgateError } from '../lib/errors.ts';
import { FieldCrypto, fieldCryptoFromConfig } from './field-crypto.ts';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const code = (c: string) => (err: unknown) => isModelgateError(err, c as never);

test('sealed values open with the same context and hide the plaintext', () => {
  const fc = new FieldCrypto(new Map([['k1', k1]]), 'k1');
  const sealed = fc.seal('4111 1111 1111 1111', 'rec-1/card');
  assert.match(sealed, /^mgf1\.k1\./);
  assert.ok(!sealed.includes('4111'));
  assert.notEqual(fc.seal('x'), fc.seal('x'), 'a fresh IV every time');
  assert.equal(fc.open(sealed, 'rec-1/card').toString(), '4111 1111 1111 1111');
  assert.deepEqual(fc.openJson(fc.sealJson({ a: [1, 2] }, 'c'), 'c'), { a: [1, 2] });
});

test('a value moved to another record, or altered, does not open', () => {
  const fc = new FieldCrypto(new Map([['k1', k1]]), 'k1');
  const sealed = fc.seal('secret', 'rec-1/email');
  assert.throws(() => fc.open(sealed, 'rec-2/email'), code('MG_SECURITY_DECRYPT_FAILED'));
  const parts = sealed.split('.');
  const flipped = Buffer.from(parts[3], 'base64url');
  flipped[0] ^= 1;
  parts[3] = flipped.toString('base64url');
  assert.throws(() => fc.open(parts.join('.'), 'rec-1/email'), code('MG_SECURITY_DECRYPT_FAILED'));
  for (const bad of ['', 'plain', 'mgf1.k1.a.b', 'mgf1.k1.AAAA.AAAA.AAAA']) assert.throws(() => fc.open(bad), code('MG_SECURITY_DECRYPT_FAILED'), bad);
});

test('rotation: new values use the active key, old ones still open; a retired key is named', () => {
  const old = new FieldCrypto(new Map([['k1', k1]]), 'k1');
  const sealedOld = old.seal('v1');
  const rotated = new FieldCrypto(new Map([['k1', k1], ['k2', k2]]), 'k2');
  assert.match(rotated.seal('v2'), /^mgf1\.k2\./);
  assert.equal(rotated.open(sealedOld).toString(), 'v1');
  const retired = new FieldCrypto(new Map([['k2', k2]]), 'k2');
  assert.throws(() => retired.open(sealedOld), (err: unknown) => isModelgateError(err, 'MG_SECURITY_FIELD_KEY_UNKNOWN') && err.context.keyId === 'k1');
});

test('record fields are sealed and opened by name, once', () => {
  const fc = new FieldCrypto(new Map([['k1', k1]]), 'k1');
  const rec = { id: 'r1', inputs: { age: [42] }, outputs: [1], endpoint: 'fraud' };
  const sealed = fc.sealFields(rec, ['inputs', 'missing'], 'r1');
  assert.ok(FieldCrypto.isSealed(sealed.inputs));
  assert.equal(sealed.endpoint, 'fraud');
  assert.equal(fc.sealFields(sealed, ['inputs'], 'r1').inputs, sealed.inputs, 'not sealed twice');
  assert.deepEqual(fc.openFields(sealed, ['inputs'], 'r1'), rec);
});

test('keys from configuration: base64, file:PATH (base64 or raw), and clear errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mg-fieldkeys-'));
  try {
    writeFileSync(join(dir, 'raw.key'), k2);
    writeFileSync(join(dir, 'b64.key'), `${k1.toString('base64')}\n`);
    const fc = fieldCryptoFromConfig({ a: k1.toString('base64'), b: `file:${join(dir, 'raw.key')}`, c: `file:${join(dir, 'b64.key')}` }, 'b')!;
    assert.equal(fc.activeKeyId, 'b');
    assert.equal(fieldCryptoFromConfig({}, undefined), undefined);
    assert.equal(fieldCryptoFromConfig({ only: k1.toString('base64') }, undefined)!.activeKeyId, 'only');
    for (const [keys, active] of [
      [{ a: 'c2hvcnQ=' }, 'a'], [{ a: 5 }, 'a'], [{ a: `file:${join(dir, 'nope')}` }, 'a'], [{ a: k1.toString('base64') }, 'b'],
      [{ a: k1.toString('base64'), b: k2.toString('base64') }, undefined], [['x'], undefined], [{ 'bad id!': k1.toString('base64') }, 'bad id!'],
    ] as const) {
      assert.throws(() => fieldCryptoFromConfig(keys, active), code('MG_CONFIG_INVALID'), JSON.stringify(keys));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
