/**
 * Name rules for models and aliases. Names end up in URLs, file names,
 * Prometheus labels and permissions (`model:fraud:predict`), so they are kept
 * to a small, lowercase alphabet.
 */
import { fail } from '../lib/errors.ts';

export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Computed alias: the highest version that is not archived. Never stored. */
export const LATEST_ALIAS = 'latest';

/** Says what is wrong with a name, or null when it is valid. */
export function nameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'a name is required';
  if (name.length > 63) return `it is ${name.length} characters long; the limit is 63`;
  if (/[A-Z]/.test(name)) return 'use lowercase letters only';
  if (!/^[a-z0-9]/.test(name)) return 'it must start with a lowercase letter or a digit';
  const bad = [...name].find((c) => !/[a-z0-9._-]/.test(c));
  if (bad !== undefined) return `character ${JSON.stringify(bad)} is not allowed (use a-z, 0-9, ".", "_", "-")`;
  return NAME_PATTERN.test(name) ? null : 'it does not match ^[a-z0-9][a-z0-9._-]{0,62}$';
}

/** Throws MG_REGISTRY_INVALID_NAME unless the name is valid. */
export function assertName(kind: 'model' | 'alias', name: unknown): asserts name is string {
  const problem = nameProblem(name);
  if (problem !== null) fail('MG_REGISTRY_INVALID_NAME', { kind, name: String(name ?? ''), detail: problem });
}

/** Throws MG_REGISTRY_ALIAS_RESERVED for `latest`, which is computed. */
export function assertSettableAlias(alias: string): void {
  assertName('alias', alias);
  if (alias === LATEST_ALIAS) {
    fail('MG_REGISTRY_ALIAS_RESERVED', { alias, detail: 'it always points to the highest version that is not archived' });
  }
}
