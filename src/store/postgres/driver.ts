/**
 * SqlDriver over a `pg` Pool. Queries use `?` parameter markers (rewritten to
 * `$n`); an optional schema isolates one store from another in the same
 * database (tests use a random one). Migrations run under a transaction-level
 * advisory lock so replicas starting together do not collide. Connection
 * failures become MG_STORE_UNAVAILABLE; serialisation failures MG_STORE_CONFLICT.
 */
import pg from 'pg';
import type { PoolClient } from 'pg';
import { ModelgateError, fail, isModelgateError } from '../../lib/errors.ts';
import { pendingMigrations } from '../migration.ts';
import type { SqlDialect, SqlDriver, SqlExecutor, SqlRow, SqlValue } from '../sql-driver.ts';
import { postgresMigrations } from './migrations.ts';

const dialect: SqlDialect = {
  name: 'postgres',
  jsonText: (column) => `(${column} ->> ?)`,
  jsonNumber: (column) => `((${column} ->> ?)::float8)`,
  forUpdate: 'FOR UPDATE',
};

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
const UNAVAILABLE = new Set([
  '57P01', '57P02', '57P03', '53300', '28000', '28P01', '3D000',
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH',
]);
const CONFLICT = new Set(['40001', '40P01']);

/** Rewrites `?` parameter markers to PostgreSQL's `$1, $2, …`. */
export function numberParams(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Maps driver errors that are not bugs to catalogue errors; everything else passes through. */
function translate(err: unknown): unknown {
  if (isModelgateError(err)) return err;
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  if (typeof code === 'string' && CONFLICT.has(code)) {
    return new ModelgateError('MG_STORE_CONFLICT', { target: 'the registry' }, { cause: err });
  }
  const unavailable = (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE.has(code)))
    || /Connection terminated|timeout exceeded when trying to connect/i.test(text);
  return unavailable ? new ModelgateError('MG_STORE_UNAVAILABLE', { detail: `PostgreSQL: ${text}` }, { cause: err }) : err;
}

export interface PostgresDriverOptions {
  /** Schema holding the tables, created if missing; default: the connection's search_path (public). */
  readonly schema?: string;
  readonly maxConnections?: number;
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = dialect;
  readonly #pool: pg.Pool;
  readonly #schema: string | undefined;

  constructor(url: string, options: PostgresDriverOptions = {}) {
    const { schema } = options;
    if (schema !== undefined && !SCHEMA_PATTERN.test(schema)) {
      fail('MG_CONFIG_INVALID', { key: 'schema', detail: `"${schema}" must be lowercase letters, digits and _ (at most 63)` });
    }
    this.#schema = schema;
    this.#pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 5000,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle client losing its connection must not crash the process; the next query reports it.
    this.#pool.on('error', () => undefined);
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    try {
      return (await this.#pool.query(numberParams(sql), params as SqlValue[])).rows as SqlRow[];
    } catch (err) {
      throw translate(err);
    }
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    try {
      return (await this.#pool.query(numberParams(sql), params as SqlValue[])).rowCount ?? 0;
    } catch (err) {
      throw translate(err);
    }
  }

  async #connect(): Promise<PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (err) {
      throw translate(err);
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    const tx: SqlExecutor = {
      query: async (sql, params = []) => (await client.query(numberParams(sql), params as SqlValue[])).rows as SqlRow[],
    };
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      throw translate(err);
    } finally {
      client.release(broken);
    }
  }

  migrate(): Promise<void> {
    const schema = this.#schema;
    return this.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext(?))', [`modelgate.migrate.${schema ?? 'public'}`]);
      if (schema) {
        await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await tx.query(`SET LOCAL search_path TO ${schema}`);
      }
      await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      const applied = (await tx.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version));
      for (const migration of pendingMigrations(postgresMigrations, applied)) {
        await tx.query(migration.sql);
        await tx.query('INSERT INTO schema_migrations (version, name) VALUES (?, ?)', [migration.version, migration.name]);
      }
    });
  }

  /** Drops the store's schema with everything in it (tests clean up with this). */
  async dropSchema(): Promise<void> {
    if (!this.#schema) fail('MG_USAGE', { detail: 'refusing to drop the default schema' });
    await this.query(`DROP SCHEMA IF EXISTS ${this.#schema} CASCADE`);
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
