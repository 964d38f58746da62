/**
 * The security pieces the resolved configuration asks for: the role table,
 * the JWT verifier (HS256 secret and/or JWKS file or URL), the rate-limit
 * bucket specs (absent when a limit is off) and the field-encryption keys.
 * The composition root calls this once and adds the stores.
 */
import type { Config } from '../config/load.ts';
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import { fieldCryptoFromConfig } from './field-crypto.ts';
import type { FieldCrypto } from './field-crypto.ts';
import { JwksKeys } from './jwks.ts';
import { JwtVerifier } from './jwt.ts';
import { checkBucketSpec } from './rate-limit.ts';
import type { BucketSpec } from './rate-limit.ts';
import { buildRoleTable } from './roles.ts';
import { readSecret } from './secrets.ts';
import type { RoleTable } from './roles.ts';

export interface SecuritySetup {
  readonly authRequired: boolean;
  readonly roles: RoleTable;
  readonly jwt: JwtVerifier | undefined;
  readonly roleClaim: string;
  readonly permissionClaim: string;
  readonly perPrincipal: BucketSpec | undefined;
  readonly perEndpoint: BucketSpec | undefined;
  readonly auditPredictions: boolean;
  readonly fieldCrypto: FieldCrypto | undefined;
}

function bucket(spec: { readonly rate: number; readonly burst: number }, key: string): BucketSpec | undefined {
  if (spec.rate === 0) return undefined;
  return checkBucketSpec({ rate: spec.rate, burst: spec.burst === 0 ? Math.max(1, Math.ceil(spec.rate)) : spec.burst }, key);
}

export function securityFromConfig(config: Config, clock: Clock): SecuritySetup {
  const s = config.security;
  if (s.jwt.jwksUrl !== undefined && s.jwt.jwksFile !== undefined) {
    fail('MG_CONFIG_INVALID', { key: 'security.jwt.jwksUrl', detail: 'set jwksUrl or jwksFile, not both' });
  }
  const source = s.jwt.jwksUrl !== undefined
    ? { kind: 'url' as const, url: s.jwt.jwksUrl }
    : s.jwt.jwksFile !== undefined ? { kind: 'file' as const, path: s.jwt.jwksFile } : undefined;
  const secret = readSecret(s.jwt.secret, 'security.jwt.secret');
  const jwt = secret === undefined && source === undefined
    ? undefined
    : new JwtVerifier({
      clock,
      secret,
      keys: source ? new JwksKeys({ source, clock, refreshMs: s.jwt.jwksRefreshMs }) : undefined,
      audience: s.jwt.audience,
      issuer: s.jwt.issuer,
      clockSkewMs: s.jwt.clockSkewMs,
    });
  return {
    authRequired: s.auth === 'required',
    roles: buildRoleTable(s.roles),
    jwt,
    roleClaim: s.jwt.roleClaim,
    permissionClaim: s.jwt.permissionClaim,
    perPrincipal: bucket(s.rateLimit.perPrincipal, 'security.rateLimit.perPrincipal'),
    perEndpoint: bucket(s.rateLimit.perEndpoint, 'security.rateLimit.perEndpoint'),
    auditPredictions: s.audit.predictions,
    fieldCrypto: fieldCryptoFromConfig(s.fieldKeys, s.fieldKeyId),
  };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

/**
 * Secure by default: a server reachable from other machines needs
 * authentication unless the operator said `--insecure`. Called by `serve`
 * before listening; MG_CONFIG_INVALID explains the two ways out.
 */
export function checkExposure(config: Config): void {
  if (LOOPBACK.test(config.server.host) || config.security.auth === 'required' || config.security.insecure) return;
  fail('MG_CONFIG_INVALID', {
    key: 'server.host',
    detail: `${config.server.host} is reachable from other machines; set security.auth: required (MODELGATE_SECURITY__AUTH=required) or pass --insecure`,
  });
}
