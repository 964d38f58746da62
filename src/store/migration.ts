/**
 * Versioned schema migrations, shared shape for both stores: each dialect
 * lists its SQL in order and records applied versions in schema_migrations.
 * A database migrated by a newer modelgate is refused rather than misread.
 */
import { fail } from '../lib/errors.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The migrations not yet applied, in order; fails when the database is ahead of this code. */
export function pendingMigrations(all: readonly Migration[], applied: readonly number[]): readonly Migration[] {
  const known = Math.max(0, ...all.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    fail('MG_STORE_UNAVAILABLE', { detail: `the database schema is at version ${newest}, newer than this modelgate knows (${known}); upgrade modelgate` });
  }
  const done = new Set(applied);
  return all.filter((m) => !done.has(m.version)).sort((a, b) => a.version - b.version);
}
