/**
 * API keys: `mg_<prefix8>_<secret32>`, both parts base62 from crypto
 * randomness (~190 bits in the secret). The prefix is public and identifies
 * the key; the secret is kept only as a salted scrypt hash and compared in
 * constant time. Verified keys are cached briefly, keyed by the whole key
 * string, so serving pays neither scrypt nor a hash per request (only a
 * caller holding the full secret can hit an entry, so the lookup leaks
 * nothing a timing attack could use); `cached()` answers a hit synchronously.
 * A revocation in this process drops the cache entry at once, elsewhere
 * within `cacheTtlMs`.
 */
import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import type { ApiKeyRecord, SecurityStore } from '../store/security-store.ts';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_PATTERN = /^mg_([0-9A-Za-z]{8})_([0-9A-Za-z]{32})$/;
const PREFIX_PATTERN = /^[0-9A-Za-z]{8}$/;

/** scrypt cost; the secret is random, so this guards a stolen table, not guessable passwords. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { N: 16384, r: 8, p: 1 };
const HASH_BYTES = 32;

function base62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

function scryptAsync(secret: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, HASH_BYTES, { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r }, (err, key) =>
      err ? reject(err) : resolve(key));
  });
}

/** `scrypt$N$r$p$salt$hash` of a secret with a fresh salt. */
export async function hashSecret(secret: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Whether the secret matches a stored hash; malformed stored hashes never match. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 2 ** 20) return false;
  const expected = Buffer.from(parts[5], 'base64');
  if (expected.length !== HASH_BYTES) return false;
  const actual = await scryptAsync(secret, Buffer.from(parts[4], 'base64'), { N, r, p });
  return timingSafeEqual(actual, expected);
}

/** Splits a presented key; null when it does not have the shape of one. */
export function parseApiKey(key: string): { prefix: string; secret: string } | null {
  const m = KEY_PATTERN.exec(key);
  return m ? { prefix: m[1], secret: m[2] } : null;
}

export interface NewApiKey {
  readonly name: string;
  readonly role: string;
  readonly createdBy: string;
  /** ISO time, or null for a key that does not expire. */
  readonly expiresAt: string | null;
}

export interface ApiKeysOptions {
  readonly store: SecurityStore;
  readonly clock: Clock;
  readonly scrypt?: ScryptParams;
  /** How long a verified key is trusted without reading the store again; default 10 s. */
  readonly cacheTtlMs?: number;
  /** Largest number of cached keys; the oldest is dropped first. Default 10,000. */
  readonly cacheSize?: number;
}

interface CacheEntry {
  readonly record: ApiKeyRecord;
  readonly until: number;
}

/** The record when it may still be used: MG_AUTH_INVALID for a revoked or expired key. */
function usable(record: ApiKeyRecord, now: number): ApiKeyRecord {
  if (record.revokedAt !== null) fail('MG_AUTH_INVALID', { reason: `API key ${record.prefix} was revoked` });
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now) {
    fail('MG_AUTH_INVALID', { reason: `API key ${record.prefix} expired` });
  }
  return record;
}

export class ApiKeys {
  readonly #store: SecurityStore;
  readonly #clock: Clock;
  readonly #scrypt: ScryptParams;
  readonly #ttl: number;
  readonly #size: number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #pending = new Map<string, Promise<ApiKeyRecord>>();

  constructor(options: ApiKeysOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#scrypt = options.scrypt ?? DEFAULT_SCRYPT;
    this.#ttl = options.cacheTtlMs ?? 10_000;
    this.#size = options.cacheSize ?? 10_000;
  }

  /** Creates a key; the returned `key` is the only time the secret exists outside the caller's hands. */
  async create(input: NewApiKey): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!/^[\x21-\x7e][\x20-\x7e]{0,99}$/.test(input.name)) {
      fail('MG_VALIDATION_FAILED', { location: 'key name', detail: 'use 1 to 100 printable ASCII characters' });
    }
    if (input.expiresAt !== null && Number.isNaN(Date.parse(input.expiresAt))) {
      fail('MG_VALIDATION_FAILED', { location: 'expiry', detail: `"${input.expiresAt}" is not an ISO-8601 time` });
    }
    const prefix = base62(8);
    const secret = base62(32);
    const record: ApiKeyRecord = {
      prefix,
      name: input.name,
      role: input.role,
      hash: await hashSecret(secret, this.#scrypt),
      createdAt: this.#clock.iso(),
      createdBy: input.createdBy,
      expiresAt: input.expiresAt === null ? null : new Date(input.expiresAt).toISOString(),
      revokedAt: null,
    };
    await this.#store.createApiKey(record);
    return { key: `mg_${prefix}_${secret}`, record };
  }

  async revoke(prefix: string): Promise<ApiKeyRecord> {
    if (!PREFIX_PATTERN.test(prefix)) fail('MG_SECURITY_KEY_NOT_FOUND', { prefix: JSON.stringify(prefix.slice(0, 16)) });
    const record = await this.#store.revokeApiKey(prefix, this.#clock.iso());
    for (const [k, v] of this.#cache) if (v.record.prefix === prefix) this.#cache.delete(k);
    return record;
  }

  list(): Promise<readonly ApiKeyRecord[]> {
    return this.#store.listApiKeys();
  }

  /**
   * The record of a valid key. Unknown, wrong, expired and revoked keys are
   * MG_AUTH_INVALID with a reason that names the prefix at most.
   */
  async verify(key: string): Promise<ApiKeyRecord> {
    const now = this.#clock.now();
    const hit = this.#cache.get(key);
    if (hit !== undefined && hit.until > now) return usable(hit.record, now);
    const parts = parseApiKey(key) ?? fail('MG_AUTH_INVALID', { reason: 'malformed API key' });
    // One store read (and at most one scrypt) per key at a time, however many requests arrive with it.
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      pending = this.#load(key, parts, hit?.record, now).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    return usable(await pending, now);
  }

  /**
   * The record of a key verified within the TTL, without waiting; undefined
   * when it has to be (re)read, and MG_AUTH_INVALID when the cached record is
   * revoked or expired. The request path tries this before verify().
   */
  cached(key: string): ApiKeyRecord | undefined {
    const hit = this.#cache.get(key);
    if (hit === undefined) return undefined;
    const now = this.#clock.now();
    return hit.until > now ? usable(hit.record, now) : undefined;
  }

  async #load(cacheKey: string, parts: { prefix: string; secret: string }, previous: ApiKeyRecord | undefined, now: number): Promise<ApiKeyRecord> {
    const stored = await this.#store.getApiKey(parts.prefix);
    // Unknown prefix and wrong secret give the same answer. Prefixes are not secret (they appear in listings
    // and logs), so skipping scrypt for an unknown one leaks nothing and spares the CPU under a flood.
    if (!stored) fail('MG_AUTH_INVALID', { reason: 'unknown or wrong API key' });
    // This exact key already matched this exact hash: re-reading the record (revocation, expiry) is all the TTL is for.
    const known = previous !== undefined && previous.hash === stored.hash;
    if (!known && !(await verifySecret(parts.secret, stored.hash))) fail('MG_AUTH_INVALID', { reason: 'unknown or wrong API key' });
    this.#remember(cacheKey, stored, now);
    return stored;
  }

  #remember(cacheKey: string, record: ApiKeyRecord, now: number): void {
    if (this.#ttl <= 0) return;
    if (this.#cache.size >= this.#size) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.delete(cacheKey);
    this.#cache.set(cacheKey, { record, until: now + this.#ttl });
  }
}
