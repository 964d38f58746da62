/**
 * What every SQL-backed store shares: the driver, migrations through it, and
 * closing it when the store owns it (a store opened on a driver another
 * store shares leaves closing to the driver's owner).
 */
import type { SqlDriver } from './sql-driver.ts';

export abstract class SqlStore {
  protected readonly db: SqlDriver;
  readonly #ownsDriver: boolean;

  /** `ownsDriver`: close the driver with the store (it was opened for this store alone). */
  constructor(driver: SqlDriver, options: { ownsDriver?: boolean } = {}) {
    this.db = driver;
    this.#ownsDriver = options.ownsDriver ?? true;
  }

  migrate(): Promise<void> {
    return this.db.migrate();
  }

  async close(): Promise<void> {
    if (this.#ownsDriver) await this.db.close();
  }
}

/** Migrates a freshly opened store, closing it again when that fails. */
export async function migrated<T extends { migrate(): Promise<void>; close(): Promise<void> }>(store: T): Promise<T> {
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
