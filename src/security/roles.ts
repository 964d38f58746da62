/**
 * Roles bundle permissions. The built-in roles follow who does what on a
 * model team; `security.roles` in the config replaces a built-in role of the
 * same name or adds a new one. Separation of duties lives here too: only
 * approver and admin hold `approve`, and a data scientist can move
 * non-production aliases but not `production`.
 */
import { ModelgateError, fail } from '../lib/errors.ts';
import { parsePermission } from './permissions.ts';
import type { Permission } from './permissions.ts';

export type RoleTable = ReadonlyMap<string, readonly Permission[]>;

export const DEFAULT_ROLES: Readonly<Record<string, readonly string[]>> = {
  viewer: ['model:*:read'],
  predictor: ['endpoint:*:predict'],
  'data-scientist': ['model:*:read', 'model:*:write', 'model:*:predict', 'alias:staging:set', 'alias:challenger:set'],
  deployer: ['model:*:read', 'model:*:write', 'model:*:deploy', 'endpoint:*:deploy', 'endpoint:*:predict', 'alias:*:set'],
  approver: ['model:*:read', 'model:*:approve'],
  admin: ['model:*:admin', 'endpoint:*:predict', 'endpoint:*:deploy', 'alias:*:set'],
};

const ROLE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

function invalid(detail: string, cause?: unknown): never {
  throw new ModelgateError('MG_CONFIG_INVALID', { key: 'security.roles', detail }, { cause });
}

/**
 * Builds the role table from the defaults and the `security.roles` option
 * (name → list of permission strings). Bad input is MG_CONFIG_INVALID naming
 * the role and the permission.
 */
export function buildRoleTable(overrides: unknown = {}): RoleTable {
  const table = new Map<string, readonly Permission[]>();
  for (const [name, perms] of Object.entries(DEFAULT_ROLES)) table.set(name, perms.map(parsePermission));
  if (overrides === undefined || overrides === null) return table;
  if (typeof overrides !== 'object' || Array.isArray(overrides)) invalid('expected a mapping from role name to a list of permissions');
  for (const [name, perms] of Object.entries(overrides)) {
    if (!ROLE_NAME.test(name)) invalid(`role name "${name}" must be lowercase letters, digits and -`);
    if (!Array.isArray(perms)) invalid(`role "${name}" must be a list of permissions`);
    const parsed = perms.map((p: unknown) => {
      try {
        return parsePermission(p);
      } catch (err) {
        return invalid(`role "${name}": ${(err as Error).message}`, err);
      }
    });
    table.set(name, parsed);
  }
  return table;
}

/** The permissions of a set of roles; an unknown role is MG_SECURITY_UNKNOWN_ROLE. */
export function permissionsOfRoles(table: RoleTable, roles: readonly string[]): readonly Permission[] {
  const out: Permission[] = [];
  for (const role of roles) {
    const perms = table.get(role) ?? fail('MG_SECURITY_UNKNOWN_ROLE', { role, known: [...table.keys()].join(', ') });
    out.push(...perms);
  }
  return out;
}

/** Checks a role name exists (for `keys create --role`). */
export function assertRole(table: RoleTable, role: string): void {
  if (!table.has(role)) fail('MG_SECURITY_UNKNOWN_ROLE', { role, known: [...table.keys()].join(', ') });
}
