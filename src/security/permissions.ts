/**
 * Permissions: `model:{name|*}:{read|write|predict|deploy|approve|admin}`,
 * `endpoint:{name|*}:{predict|deploy}` and `alias:{name|*}:set`. A name may be
 * `*` (any) or end in `*` (a prefix, e.g. `fraud-*`). `admin` on a model
 * implies every other model action on it; nothing else implies anything, so a
 * grant reads exactly as written.
 */
import { fail } from '../lib/errors.ts';

export const RESOURCE_ACTIONS = {
  model: ['read', 'write', 'predict', 'deploy', 'approve', 'admin'],
  endpoint: ['predict', 'deploy'],
  alias: ['set'],
} as const;

export type Resource = keyof typeof RESOURCE_ACTIONS;
export type Action<R extends Resource = Resource> = (typeof RESOURCE_ACTIONS)[R][number];

export interface Permission {
  readonly resource: Resource;
  /** A concrete name, `*`, or a prefix ending in `*`. */
  readonly name: string;
  readonly action: Action;
}

// Registry and endpoint names are lowercase; permissions accept the same alphabet plus the wildcard.
const NAME = /^(?:\*|[a-z0-9][a-z0-9._-]{0,62}\*?)$/;

function isResource(text: string): text is Resource {
  return Object.hasOwn(RESOURCE_ACTIONS, text);
}

/** Parses `resource:name:action`; MG_SECURITY_INVALID_PERMISSION names what is wrong. */
export function parsePermission(text: unknown): Permission {
  if (typeof text !== 'string') fail('MG_SECURITY_INVALID_PERMISSION', { permission: String(text), detail: 'expected a string' });
  const parts = text.split(':');
  const bad = (detail: string): never => fail('MG_SECURITY_INVALID_PERMISSION', { permission: text, detail });
  if (parts.length !== 3) return bad('expected resource:name:action');
  const [resource, name, action] = parts;
  if (!isResource(resource)) return bad(`unknown resource "${resource}"; expected ${Object.keys(RESOURCE_ACTIONS).join(', ')}`);
  if (!NAME.test(name)) return bad(`"${name}" is not a name, * or a prefix ending in *`);
  const actions: readonly string[] = RESOURCE_ACTIONS[resource];
  if (!actions.includes(action)) return bad(`unknown action "${action}" for ${resource}; expected ${actions.join(', ')}`);
  return { resource, name, action: action as Action };
}

export function formatPermission(p: Permission): string {
  return `${p.resource}:${p.name}:${p.action}`;
}

function nameMatches(granted: string, wanted: string): boolean {
  if (granted === '*') return true;
  if (granted.endsWith('*')) {
    // A prefix grant covers names with that prefix; a wanted wildcard is only covered by an equal or wider grant.
    const prefix = granted.slice(0, -1);
    return wanted.endsWith('*') ? wanted.slice(0, -1).startsWith(prefix) : wanted.startsWith(prefix);
  }
  return granted === wanted;
}

/** Whether one granted permission covers a required one. */
export function grants(granted: Permission, required: Permission): boolean {
  if (granted.resource !== required.resource || !nameMatches(granted.name, required.name)) return false;
  return granted.action === required.action || (granted.resource === 'model' && granted.action === 'admin');
}

/** Whether any of the granted permissions covers the required one. */
export function isGranted(granted: readonly Permission[], required: Permission): boolean {
  return granted.some((g) => grants(g, required));
}

/** Parses a list (e.g. from a role definition or a token claim), failing on the first bad entry. */
export function parsePermissions(list: readonly unknown[]): readonly Permission[] {
  return list.map(parsePermission);
}
