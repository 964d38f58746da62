/** The embedded registry store: one SQLite file, shared safely by several processes. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock } from '../../lib/clock.ts';
import type { Clock } from '../../lib/clock.ts';
import type { RegistryStore } from '../registry-store.ts';
import { SqlRegistryStore } from '../sql-registry-store.ts';
import { SqliteDriver } from './driver.ts';

export interface SqliteStoreOptions {
  readonly clock?: Clock;
}

/** Opens (creating the parent directory and the file if needed) and migrates a SQLite registry store. */
export async function openSqliteRegistryStore(path: string, options: SqliteStoreOptions = {}): Promise<RegistryStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const store = new SqlRegistryStore(new SqliteDriver(path), options.clock ?? systemClock);
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
