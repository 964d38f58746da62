/**
 * SqlDriver over node:sqlite. The file is opened in WAL mode with a busy
 * timeout so several processes can share it; every write transaction starts
 * with BEGIN IMMEDIATE, taking the write lock before reading, so two
 * processes never allocate the same version number. node:sqlite is
 * synchronous; the store's methods are async, so all work on the connection
 * goes through one queue and no method can run in the middle of another's
 * transaction.
 */
import { DatabaseSync } from 'node:sqlite';
import type { StatementSync } from 'node:sqlite';
import { fail } from '../../lib/errors.ts';
import { pendingMigrations } from '../migration.ts';
import type { SqlDialect, SqlDriver, SqlExecutor, SqlRow, SqlValue } from '../sql-driver.ts';
import { sqliteMigrations } from './migrations.ts';

export const BUSY_TIMEOUT_MS = 5000;

const dialect: SqlDialect = {
  name: 'sqlite',
  jsonText: (column) => `(SELECT value FROM json_each(${column}) WHERE key = ?)`,
  jsonNumber: (column) => `(SELECT value FROM json_each(${column}) WHERE key = ?)`,
  forUpdate: '',
};

// SQLite primary result codes that mean "cannot reach or write the database now", not a bug.
const UNAVAILABLE_CODES = new Set([
  5 /* BUSY */, 6 /* LOCKED */, 8 /* READONLY */, 10 /* IOERR */, 11 /* CORRUPT */, 13 /* FULL */, 14 /* CANTOPEN */, 26 /* NOTADB */,
]);

function isUnavailable(err: unknown): boolean {
  const errcode = (err as { errcode?: unknown } | null)?.errcode;
  return typeof errcode === 'number' && UNAVAILABLE_CODES.has(errcode & 0xff);
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = dialect;
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #statements = new Map<string, StatementSync>();
  #tail: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.#path = path;
    try {
      this.#db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
      this.#db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec('PRAGMA synchronous = NORMAL');
      this.#db.exec('PRAGMA foreign_keys = ON');
    } catch (err) {
      fail('MG_STORE_UNAVAILABLE', { detail: `cannot open SQLite database ${path}: ${(err as Error).message}` }, { cause: err });
    }
  }

  /** Runs fn after every earlier call on this connection has finished. */
  #exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** The cached prepared statement for sql, used by `use`; SQLite's "cannot reach the database" errors become MG_STORE_UNAVAILABLE. */
  #with<T>(sql: string, use: (statement: StatementSync) => T): T {
    let statement = this.#statements.get(sql);
    try {
      if (!statement) {
        statement = this.#db.prepare(sql);
        this.#statements.set(sql, statement);
      }
      return use(statement);
    } catch (err) {
      if (isUnavailable(err)) fail('MG_STORE_UNAVAILABLE', { detail: `SQLite ${this.#path}: ${(err as Error).message}` }, { cause: err });
      throw err;
    }
  }

  #run(sql: string, params: readonly SqlValue[]): SqlRow[] {
    return this.#with(sql, (statement) => statement.all(...params) as SqlRow[]);
  }

  query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.#exclusive(() => this.#run(sql, params));
  }

  execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.#exclusive(() => this.#with(sql, (statement) => Number(statement.run(...params).changes)));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#exclusive(() => this.#inTransaction(fn));
  }

  async #inTransaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let open = true;
    const tx: SqlExecutor = {
      query: async (sql, params = []) => {
        if (!open) throw new Error('query on a finished SQLite transaction');
        return this.#run(sql, params);
      },
    };
    this.#run('BEGIN IMMEDIATE', []);
    try {
      const result = await fn(tx);
      this.#run('COMMIT', []);
      return result;
    } catch (err) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw err;
    } finally {
      open = false;
    }
  }

  migrate(): Promise<void> {
    return this.transaction(async (tx) => {
      await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const applied = (await tx.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version));
      for (const migration of pendingMigrations(sqliteMigrations, applied)) {
        this.#db.exec(migration.sql);
        await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
          migration.version, migration.name, new Date().toISOString(),
        ]);
      }
    });
  }

  close(): Promise<void> {
    return this.#exclusive(() => {
      if (this.#db.isOpen) this.#db.close();
    });
  }
}
