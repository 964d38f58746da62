/**
 * The one place that turns the config into a database connection: PostgreSQL
 * when `databaseUrl` is set, else the SQLite file in `dataDir`. Each store
 * opens its own driver on the same database.
 */
import { join } from 'node:path';
import type { Config } from '../config/load.ts';
import type { SqlDriver } from '../store/sql-driver.ts';
import { PostgresDriver } from '../store/postgres/driver.ts';
import { SqliteDriver } from '../store/sqlite/driver.ts';

export interface DriverOptions {
  /** PostgreSQL schema, for tests that isolate themselves. */
  readonly schema?: string;
  readonly maxConnections?: number;
}

export function sqlitePath(config: Config): string {
  return join(config.dataDir, 'modelgate.db');
}

export function openDriver(config: Config, options: DriverOptions = {}): SqlDriver {
  return config.databaseUrl
    ? new PostgresDriver(config.databaseUrl, { maxConnections: options.maxConnections ?? 4, ...(options.schema ? { schema: options.schema } : {}) })
    : new SqliteDriver(sqlitePath(config));
}
