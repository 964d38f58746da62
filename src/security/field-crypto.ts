/**
 * AES-256-GCM for sensitive fields of the prediction log. A sealed value is
 * `mgf1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url), so it names the key
 * that sealed it: rotation adds a key and makes it active, and old records
 * still open while their key stays configured. A context string (e.g. the
 * record id and field name) is bound as associated data, so a sealed value
 * copied to another record or field does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ModelgateError, fail } from '../lib/errors.ts';

const VERSION = 'mgf1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

function configInvalid(key: string, detail: string, cause?: unknown): never {
  throw new ModelgateError('MG_CONFIG_INVALID', { key, detail }, { cause });
}

/** A 32-byte key from base64 text, or from a file (`file:PATH`) holding base64 text or 32 raw bytes. */
export function decodeFieldKey(value: unknown, key: string): Buffer {
  if (typeof value !== 'string') return configInvalid(key, 'expected base64 text or file:PATH');
  let bytes: Buffer;
  if (value.startsWith('file:')) {
    let raw: Buffer;
    try {
      raw = readFileSync(value.slice(5));
    } catch (err) {
      return configInvalid(key, `cannot read ${value.slice(5)}: ${(err as Error).message}`, err);
    }
    bytes = raw.length === 32 ? raw : Buffer.from(raw.toString('utf8').trim(), 'base64');
  } else {
    bytes = Buffer.from(value.trim(), 'base64');
  }
  if (bytes.length !== 32) configInvalid(key, `an AES-256 key is 32 bytes, got ${bytes.length} (generate one with: openssl rand -base64 32)`);
  return bytes;
}

export class FieldCrypto {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly activeKeyId: string;

  constructor(keys: ReadonlyMap<string, Buffer>, activeKeyId: string) {
    for (const [id, k] of keys) {
      if (!KEY_ID.test(id)) configInvalid('security.fieldKeys', `key id "${id}" must be 1 to 32 letters, digits, _ or -`);
      if (k.length !== 32) configInvalid(`security.fieldKeys.${id}`, 'an AES-256 key is 32 bytes');
    }
    if (!keys.has(activeKeyId)) configInvalid('security.fieldKeyId', `"${activeKeyId}" is not one of the field keys`);
    this.#keys = keys;
    this.activeKeyId = activeKeyId;
  }

  /** Whether a value looks sealed (so a record is not sealed twice). */
  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(`${VERSION}.`);
  }

  seal(plaintext: string | Uint8Array, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.activeKeyId)!, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [VERSION, this.activeKeyId, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string, context = ''): Buffer {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) fail('MG_SECURITY_DECRYPT_FAILED', { detail: 'not a sealed field' });
    const [, keyId, iv, body, tag] = parts;
    const key = this.#keys.get(keyId) ?? fail('MG_SECURITY_FIELD_KEY_UNKNOWN', { keyId: keyId.slice(0, 32) });
    const ivBytes = Buffer.from(iv, 'base64url');
    const tagBytes = Buffer.from(tag, 'base64url');
    if (ivBytes.length !== 12 || tagBytes.length !== 16) fail('MG_SECURITY_DECRYPT_FAILED', { detail: 'malformed sealed field' });
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: 16 });
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
    } catch (err) {
      return fail('MG_SECURITY_DECRYPT_FAILED', { detail: 'authentication failed (altered, or sealed for another record)' }, { cause: err });
    }
  }

  /** Seals any JSON value. */
  sealJson(value: unknown, context = ''): string {
    return this.seal(JSON.stringify(value) ?? 'null', context);
  }

  openJson(sealed: string, context = ''): unknown {
    return JSON.parse(this.open(sealed, context).toString('utf8')) as unknown;
  }

  /** A copy of `record` with the named top-level fields sealed, each bound to `context` and its name. */
  sealFields<T extends Record<string, unknown>>(record: T, fields: readonly string[], context: string): T {
    const out: Record<string, unknown> = { ...record };
    for (const f of fields) {
      if (f in out && !FieldCrypto.isSealed(out[f])) out[f] = this.sealJson(out[f], `${context}/${f}`);
    }
    return out as T;
  }

  openFields<T extends Record<string, unknown>>(record: T, fields: readonly string[], context: string): T {
    const out: Record<string, unknown> = { ...record };
    for (const f of fields) {
      if (FieldCrypto.isSealed(out[f])) out[f] = this.openJson(out[f], `${context}/${f}`);
    }
    return out as T;
  }
}

/**
 * Builds FieldCrypto from `security.fieldKeys` (key id → base64 or file:PATH)
 * and `security.fieldKeyId`; undefined when no keys are configured.
 */
export function fieldCryptoFromConfig(fieldKeys: unknown, fieldKeyId: string | undefined): FieldCrypto | undefined {
  if (fieldKeys === undefined || fieldKeys === null) return undefined;
  if (typeof fieldKeys !== 'object' || Array.isArray(fieldKeys)) return configInvalid('security.fieldKeys', 'expected a mapping from key id to key');
  const entries = Object.entries(fieldKeys);
  if (entries.length === 0) return undefined;
  const keys = new Map(entries.map(([id, v]) => [id, decodeFieldKey(v, `security.fieldKeys.${id}`)]));
  if (fieldKeyId === undefined && keys.size > 1) return configInvalid('security.fieldKeyId', 'several field keys are configured; name the active one');
  return new FieldCrypto(keys, fieldKeyId ?? entries[0][0]);
}
