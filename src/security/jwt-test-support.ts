/** Signs test tokens with node:crypto: the other half of jwt.ts, for tests and the security bench. */
import { createHmac, createSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

export type SigningKey =
  | { readonly alg: 'HS256'; readonly secret: string }
  | { readonly alg: 'RS256' | 'ES256'; readonly key: KeyObject; readonly kid?: string };

/** A compact JWS over the claims; `header` overrides or adds header fields. */
export function signJwt(claims: Record<string, unknown>, key: SigningKey, header: Record<string, unknown> = {}): string {
  const h = b64({ alg: key.alg, typ: 'JWT', ...(key.alg !== 'HS256' && key.kid ? { kid: key.kid } : {}), ...header });
  const signed = `${h}.${b64(claims)}`;
  let sig: Buffer;
  if (key.alg === 'HS256') sig = createHmac('sha256', key.secret).update(signed).digest();
  else if (key.alg === 'RS256') sig = createSign('SHA256').update(signed).sign(key.key);
  else sig = createSign('SHA256').update(signed).sign({ key: key.key, dsaEncoding: 'ieee-p1363' });
  return `${signed}.${sig.toString('base64url')}`;
}
