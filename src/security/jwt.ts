/**
 * JWT bearer tokens verified with node:crypto alone. HS256 uses the shared
 * secret; RS256 and ES256 use a key from the JSON Web Key Set chosen by
 * `kid` (jwks.ts). The algorithm decides the key type, never the other way
 * round: an HS256 token is never checked against a public key (the classic
 * algorithm-confusion attack), `none` and every other algorithm are refused.
 * Every failure is MG_AUTH_INVALID with a reason that names no secret.
 */
import { createHmac, createVerify, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

export interface JwtClaims {
  readonly sub: string;
  readonly exp: number;
  readonly [claim: string]: unknown;
}

/** Finds the public key for a kid and algorithm; undefined when none fits. */
export interface KeyResolver {
  resolve(kid: string | undefined, alg: 'RS256' | 'ES256'): Promise<KeyObject | undefined>;
}

export interface JwtVerifierOptions {
  readonly clock: Clock;
  /** HS256 secret; at least 32 bytes. */
  readonly secret?: string;
  /** RS256/ES256 keys. */
  readonly keys?: KeyResolver;
  readonly audience?: string;
  readonly issuer?: string;
  readonly clockSkewMs?: number;
  /** Longest token accepted, in characters. */
  readonly maxLength?: number;
}

const B64URL = /^[A-Za-z0-9_-]*$/;

function invalid(reason: string): never {
  fail('MG_AUTH_INVALID', { reason });
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  if (!B64URL.test(part) || part.length === 0) invalid(`malformed token ${what}`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    invalid(`malformed token ${what}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`malformed token ${what}`);
  return value as Record<string, unknown>;
}

export class JwtVerifier {
  readonly #clock: Clock;
  readonly #secret: Buffer | undefined;
  readonly #keys: KeyResolver | undefined;
  readonly #audience: string | undefined;
  readonly #issuer: string | undefined;
  readonly #skew: number;
  readonly #maxLength: number;

  constructor(options: JwtVerifierOptions) {
    if (options.secret !== undefined && Buffer.byteLength(options.secret) < 32) {
      fail('MG_CONFIG_INVALID', { key: 'security.jwt.secret', detail: 'an HS256 secret needs at least 32 bytes' });
    }
    if (options.secret === undefined && options.keys === undefined) {
      fail('MG_CONFIG_INVALID', { key: 'security.jwt', detail: 'set a secret, a jwksUrl or a jwksFile' });
    }
    this.#clock = options.clock;
    this.#secret = options.secret === undefined ? undefined : Buffer.from(options.secret);
    this.#keys = options.keys;
    this.#audience = options.audience;
    this.#issuer = options.issuer;
    this.#skew = options.clockSkewMs ?? 30_000;
    this.#maxLength = options.maxLength ?? 8192;
  }

  /** The claims of a valid token; MG_AUTH_INVALID naming the first failed check otherwise. */
  async verify(token: string): Promise<JwtClaims> {
    if (token.length > this.#maxLength) invalid('token too long');
    const parts = token.split('.');
    if (parts.length !== 3) invalid('malformed token');
    const [h, p, s] = parts;
    const header = decodeJson(h, 'header');
    if (!B64URL.test(s)) invalid('malformed token signature');
    const alg = header.alg;
    if (typeof alg !== 'string') invalid('token has no algorithm');
    if (alg.toLowerCase() === 'none') invalid('unsigned tokens (alg none) are not accepted');
    if (header.crit !== undefined) invalid('token uses critical header extensions');
    const signature = Buffer.from(s, 'base64url');
    const signed = `${h}.${p}`;
    if (alg === 'HS256') {
      if (!this.#secret) invalid('HS256 tokens are not accepted here');
      const expected = createHmac('sha256', this.#secret).update(signed).digest();
      if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) invalid('bad signature');
    } else if (alg === 'RS256' || alg === 'ES256') {
      if (!this.#keys) invalid(`${alg} tokens are not accepted here`);
      const kid = header.kid;
      if (kid !== undefined && typeof kid !== 'string') invalid('malformed key id');
      const key = await this.#keys.resolve(kid, alg);
      if (!key) invalid('unknown signing key');
      if (!verifySignature(alg, key, signed, signature)) invalid('bad signature');
    } else {
      invalid(`algorithm ${alg.slice(0, 16)} is not accepted`);
    }
    return this.#checkClaims(decodeJson(p, 'payload'));
  }

  #checkClaims(claims: Record<string, unknown>): JwtClaims {
    const now = this.#clock.now() / 1000;
    const skew = this.#skew / 1000;
    if (typeof claims.sub !== 'string' || claims.sub === '') invalid('token has no subject (sub)');
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) invalid('token has no expiry (exp)');
    if (now > claims.exp + skew) invalid('token expired');
    if (claims.nbf !== undefined) {
      if (typeof claims.nbf !== 'number' || !Number.isFinite(claims.nbf)) invalid('malformed nbf claim');
      if (now + skew < claims.nbf) invalid('token not yet valid');
    }
    if (this.#issuer !== undefined && claims.iss !== this.#issuer) invalid('wrong issuer');
    if (this.#audience !== undefined) {
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!aud.includes(this.#audience)) invalid('wrong audience');
    }
    return claims as JwtClaims;
  }
}

function verifySignature(alg: 'RS256' | 'ES256', key: KeyObject, signed: string, signature: Buffer): boolean {
  // Key type must match the algorithm: an RSA key never verifies an ES256 token and vice versa.
  if (alg === 'RS256' && key.asymmetricKeyType !== 'rsa') return false;
  if (alg === 'ES256' && (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')) return false;
  if (alg === 'ES256' && signature.length !== 64) return false;
  try {
    const verifier = createVerify('SHA256').update(signed);
    // JWS carries ECDSA signatures as raw r||s (IEEE P1363), not DER.
    return alg === 'ES256' ? verifier.verify({ key, dsaEncoding: 'ieee-p1363' }, signature) : verifier.verify(key, signature);
  } catch {
    return false;
  }
}
