/**
 * Who a request acts as, and the check of a route's requirement against it.
 * A principal carries its permissions already expanded from its roles, so
 * authorisation is a pure function of (principal, requirement).
 */
import { fail } from '../lib/errors.ts';
import { formatPermission, isGranted } from './permissions.ts';
import type { Permission } from './permissions.ts';
import type { Requirement } from './route-table.ts';

export type Principal =
  | { readonly kind: 'anonymous' }
  | {
    readonly kind: 'api-key' | 'jwt' | 'local';
    /** The actor recorded in history and audit: `key:<prefix>` (or the key's name) or the token's `sub`. */
    readonly id: string;
    readonly roles: readonly string[];
    readonly permissions: readonly Permission[];
  };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** The actor name for history and audit entries. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'anonymous' ? 'anonymous' : principal.id;
}

/**
 * Throws MG_AUTH_REQUIRED when an anonymous principal meets a non-public
 * route, MG_AUTH_FORBIDDEN naming the first missing permission otherwise.
 */
export function authorize(principal: Principal, requirement: Requirement): void {
  if (requirement.kind === 'public') return;
  if (principal.kind === 'anonymous') fail('MG_AUTH_REQUIRED', { detail: 'send an API key or a bearer token' });
  const missing = requirement.all.find((p) => !isGranted(principal.permissions, p));
  if (missing) fail('MG_AUTH_FORBIDDEN', { principal: principal.id, permission: formatPermission(missing) });
}

/** Whether the principal holds a permission (for filtering lists rather than refusing). */
export function can(principal: Principal, permission: Permission): boolean {
  return principal.kind !== 'anonymous' && isGranted(principal.permissions, permission);
}
