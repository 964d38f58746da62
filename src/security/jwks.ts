/**
 * A JSON Web Key Set from a file or a URL, for RS256/ES256 tokens. Keys are
 * cached and fetched again after `refreshMs`; a token naming an unknown `kid`
 * triggers an early fetch (at most once per `minRefetchMs`, so a flood of
 * made-up kids cannot hammer the identity provider). When a fetch fails the
 * last good set stays in use; with none, MG_SECURITY_JWKS_UNAVAILABLE (503).
 */
import { createPublicKey } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import type { KeyResolver } from './jwt.ts';

interface Jwk {
  readonly kid: string | undefined;
  readonly alg: 'RS256' | 'ES256';
  readonly key: KeyObject;
}

export type JwksSource = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'url'; readonly url: string };

export interface JwksOptions {
  readonly source: JwksSource;
  readonly clock: Clock;
  readonly refreshMs?: number;
  readonly minRefetchMs?: number;
  /** Fetches the JSON document at a URL; default: global fetch with a 5 s timeout. */
  readonly fetchJson?: (url: string) => Promise<unknown>;
}

async function defaultFetchJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

/** The signing keys of a JWKS document that modelgate can use; others (enc keys, other curves) are skipped. */
export function parseJwks(doc: unknown): readonly Jwk[] {
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('not a JSON Web Key Set (no "keys" list)');
  const out: Jwk[] = [];
  for (const jwk of keys as Record<string, unknown>[]) {
    if (typeof jwk !== 'object' || jwk === null || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    const alg = jwk.kty === 'RSA' ? 'RS256' : jwk.kty === 'EC' && jwk.crv === 'P-256' ? 'ES256' : undefined;
    if (!alg || (jwk.alg !== undefined && jwk.alg !== alg)) continue;
    if (jwk.d !== undefined) throw new Error('the key set holds a private key; publish only public keys');
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      continue;
    }
    out.push({ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, alg, key });
  }
  return out;
}

export class JwksKeys implements KeyResolver {
  readonly #source: JwksSource;
  readonly #clock: Clock;
  readonly #refreshMs: number;
  readonly #minRefetchMs: number;
  readonly #fetchJson: (url: string) => Promise<unknown>;
  #keys: readonly Jwk[] | undefined;
  #fetchedAt = -Infinity;
  #failedAt = -Infinity;
  #lastError = '';
  #inFlight: Promise<void> | undefined;

  constructor(options: JwksOptions) {
    this.#source = options.source;
    this.#clock = options.clock;
    this.#refreshMs = options.refreshMs ?? 600_000;
    this.#minRefetchMs = options.minRefetchMs ?? 30_000;
    this.#fetchJson = options.fetchJson ?? defaultFetchJson;
  }

  get #where(): string {
    return this.#source.kind === 'file' ? this.#source.path : this.#source.url;
  }

  async resolve(kid: string | undefined, alg: 'RS256' | 'ES256'): Promise<KeyObject | undefined> {
    const now = this.#clock.now();
    if (this.#keys === undefined && now - this.#failedAt < this.#minRefetchMs) {
      fail('MG_SECURITY_JWKS_UNAVAILABLE', { source: this.#where, detail: this.#lastError });
    }
    if (this.#keys === undefined || now - this.#fetchedAt >= this.#refreshMs) await this.#load();
    let found = this.#pick(kid, alg);
    if (!found && now - this.#fetchedAt >= this.#minRefetchMs) {
      await this.#load();
      found = this.#pick(kid, alg);
    }
    return found;
  }

  #pick(kid: string | undefined, alg: 'RS256' | 'ES256'): KeyObject | undefined {
    const fitting = (this.#keys ?? []).filter((k) => k.alg === alg);
    if (kid === undefined) return fitting.length === 1 ? fitting[0].key : undefined;
    return fitting.find((k) => k.kid === kid)?.key;
  }

  /** Loads the set once, however many requests ask at the same time. */
  #load(): Promise<void> {
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #fetch(): Promise<void> {
    try {
      const doc = this.#source.kind === 'file'
        ? JSON.parse(await readFile(this.#source.path, 'utf8')) as unknown
        : await this.#fetchJson(this.#source.url);
      this.#keys = parseJwks(doc);
      this.#fetchedAt = this.#clock.now();
    } catch (err) {
      // Keep serving with the last good keys; try again after the minimum interval, not on every request.
      const now = this.#clock.now();
      this.#failedAt = now;
      this.#lastError = (err as Error).message;
      this.#fetchedAt = Math.max(this.#fetchedAt, now - this.#refreshMs + this.#minRefetchMs);
      if (this.#keys === undefined) {
        fail('MG_SECURITY_JWKS_UNAVAILABLE', { source: this.#where, detail: this.#lastError }, { cause: err });
      }
    }
  }
}
