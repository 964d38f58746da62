/** The shared registry store: PostgreSQL, for many replicas. */
import { systemClock } from '../../lib/clock.ts';
import type { Clock } from '../../lib/clock.ts';
import type { RegistryStore } from '../registry-store.ts';
import { SqlRegistryStore } from '../sql-registry-store.ts';
import { migrated } from '../sql-store.ts';
import { PostgresDriver } from './driver.ts';

export interface PostgresStoreOptions {
  /** Schema for the tables, created if missing (lowercase letters, digits, _). */
  readonly schema?: string;
  readonly clock?: Clock;
  readonly maxConnections?: number;
}

/** Connects to PostgreSQL and migrates; MG_STORE_UNAVAILABLE when the server cannot be reached. */
export async function openPostgresRegistryStore(url: string, options: PostgresStoreOptions = {}): Promise<RegistryStore> {
  return migrated(new SqlRegistryStore(new PostgresDriver(url, options), options.clock ?? systemClock));
}

/** Drops a schema and everything in it; for tests that isolate themselves in a random schema. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const driver = new PostgresDriver(url, { schema });
  try {
    await driver.dropSchema();
  } finally {
    await driver.close();
  }
}
