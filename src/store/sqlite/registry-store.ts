/** The embedded registry store: one SQLite file, shared safely by several processes. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock } from '../../lib/clock.ts';
import type { Clock } from '../../lib/clock.ts';
import { fail } from '../../lib/errors.ts';
import type { RegistryStore } from '../registry-store.ts';
import { SqlRegistryStore } from '../sql-registry-store.ts';
import { migrated } from '../sql-store.ts';
import { SqliteDriver } from './driver.ts';

export interface SqliteStoreOptions {
  readonly clock?: Clock;
}

/** Opens (creating the parent directory and the file if needed) and migrates a SQLite registry store. */
export async function openSqliteRegistryStore(path: string, options: SqliteStoreOptions = {}): Promise<RegistryStore> {
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (err) {
      fail('MG_STORE_UNAVAILABLE', { detail: `cannot create the directory of ${path}: ${(err as Error).message}` }, { cause: err });
    }
  }
  return migrated(new SqlRegistryStore(new SqliteDriver(path), options.clock ?? systemClock));
}
