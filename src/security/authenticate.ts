/**
 * Turns an Authorization header into a Principal. `Bearer mg_…` (or
 * `ApiKey mg_…`) is an API key; any other bearer value is taken as a JWT.
 * The header is untrusted input: anything malformed is MG_AUTH_INVALID, an
 * absent or empty header MG_AUTH_REQUIRED, and no raw exception escapes.
 * Store and key-set outages keep their own codes (503), since they are not
 * the caller's fault. An API key verified within its cache TTL is answered
 * synchronously by `cached()`, with one Principal object per key record, so
 * the request path pays no promise, regex or permission expansion for it.
 */
import { ModelgateError, fail, isModelgateError } from '../lib/errors.ts';
import type { ApiKeyRecord } from '../store/security-store.ts';
import type { ApiKeys } from './api-keys.ts';
import type { JwtVerifier } from './jwt.ts';
import { parsePermission } from './permissions.ts';
import type { Permission } from './permissions.ts';
import type { Principal } from './principal.ts';
import { permissionsOfRoles } from './roles.ts';
import type { RoleTable } from './roles.ts';

export interface AuthenticatorOptions {
  readonly roles: RoleTable;
  readonly apiKeys?: ApiKeys;
  readonly jwt?: JwtVerifier;
  /** Claim holding role names (a string, space- or comma-separated, or a list). Default `roles`. */
  readonly roleClaim?: string;
  /** Claim holding extra permissions (same forms). Default `permissions`. */
  readonly permissionClaim?: string;
  /** Longest header accepted. Default 8 KiB. */
  readonly maxHeaderLength?: number;
}

export interface Authenticate {
  (header: string | undefined): Promise<Principal>;
  /**
   * The principal for a header whose API key is in the verified-key cache,
   * without waiting; undefined when the full (async) path must run. Throws
   * MG_AUTH_INVALID for a cached key that is revoked, expired or has lost its role.
   */
  cached(header: string): Principal | undefined;
}

const PASS_THROUGH = new Set(['MG_AUTH_INVALID', 'MG_AUTH_REQUIRED', 'MG_STORE_UNAVAILABLE', 'MG_SECURITY_JWKS_UNAVAILABLE']);

function claimList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticate {
  const { roles, apiKeys, jwt } = options;
  const roleClaim = options.roleClaim ?? 'roles';
  const permissionClaim = options.permissionClaim ?? 'permissions';
  const maxLength = options.maxHeaderLength ?? 8192;

  // One principal per verified record (a re-read record is a new object, so the principal follows it).
  const principals = new WeakMap<ApiKeyRecord, Principal>();
  function principalOf(record: ApiKeyRecord): Principal {
    let principal = principals.get(record);
    if (principal === undefined) {
      // A key whose role was removed from the configuration stops working rather than failing open or crashing.
      if (!roles.has(record.role)) fail('MG_AUTH_INVALID', { reason: `API key ${record.prefix} has a role that no longer exists` });
      principal = { kind: 'api-key', id: `key:${record.prefix}`, roles: [record.role], permissions: permissionsOfRoles(roles, [record.role]) };
      principals.set(record, principal);
    }
    return principal;
  }

  async function fromApiKey(key: string): Promise<Principal> {
    if (!apiKeys) fail('MG_AUTH_INVALID', { reason: 'API keys are not accepted here' });
    return principalOf(await apiKeys.verify(key));
  }

  /** The API key a header carries in its usual forms (`Bearer mg_…`, `ApiKey mg_…`), or undefined. */
  function plainApiKey(header: string): string | undefined {
    if (header.startsWith('Bearer mg_')) return header.slice(7);
    if (header.startsWith('ApiKey mg_')) return header.slice(7);
    return undefined;
  }

  function cached(header: string): Principal | undefined {
    if (!apiKeys || header.length > maxLength) return undefined;
    const key = plainApiKey(header);
    if (key === undefined) return undefined;
    const record = apiKeys.cached(key);
    return record === undefined ? undefined : principalOf(record);
  }

  async function fromJwt(token: string): Promise<Principal> {
    if (!jwt) fail('MG_AUTH_INVALID', { reason: 'bearer tokens are not accepted here' });
    const claims = await jwt.verify(token);
    // Identity providers send many groups; only the ones defined here mean anything, the rest are ignored.
    const known = claimList(claims[roleClaim]).filter((r) => roles.has(r));
    const extra: Permission[] = [];
    for (const text of claimList(claims[permissionClaim])) {
      try {
        extra.push(parsePermission(text));
      } catch {
        // An unparseable permission grants nothing.
      }
    }
    return { kind: 'jwt', id: claims.sub, roles: known, permissions: [...permissionsOfRoles(roles, known), ...extra] };
  }

  async function authenticate(header: string | undefined): Promise<Principal> {
    if (header === undefined || header.trim() === '') fail('MG_AUTH_REQUIRED', { detail: 'send an API key or a bearer token' });
    if (header.length > maxLength) fail('MG_AUTH_INVALID', { reason: 'authorization header too long' });
    const m = /^\s*([A-Za-z]+) +(\S+)\s*$/.exec(header);
    if (!m) fail('MG_AUTH_INVALID', { reason: 'malformed authorization header' });
    const scheme = m[1].toLowerCase();
    const credential = m[2];
    if (scheme === 'apikey' || (scheme === 'bearer' && credential.startsWith('mg_'))) return fromApiKey(credential);
    if (scheme === 'bearer') return fromJwt(credential);
    return fail('MG_AUTH_INVALID', { reason: 'unsupported authorization scheme; use Bearer' });
  }

  const full = async (header: string | undefined): Promise<Principal> => {
    try {
      return await authenticate(header);
    } catch (err) {
      if (isModelgateError(err) && PASS_THROUGH.has(err.code)) throw err;
      // Anything else came from parsing untrusted input: the caller gets a 401, the cause stays for the log.
      throw new ModelgateError('MG_AUTH_INVALID', { reason: 'malformed credential' }, { cause: err });
    }
  };
  return Object.assign(full, { cached });
}
