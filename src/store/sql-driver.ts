/**
 * The seam between the shared SQL registry store and a database. SQLite and
 * PostgreSQL each provide a driver; the store's queries are written once with
 * `?` parameter markers and the few dialect differences (JSON field access, row
 * locks) come from the dialect object.
 */

export type SqlValue = string | number | null;
export type SqlRow = Readonly<Record<string, unknown>>;

export interface SqlExecutor {
  /** Runs one statement; `?` parameter markers are bound to params in order. */
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
}

export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Expression for the text value of a key of a JSON object column; the key is bound as the next parameter. */
  jsonText(column: string): string;
  /** Expression for the numeric value of a key of a JSON object column; the key is bound as the next parameter. */
  jsonNumber(column: string): string;
  /** Suffix that locks the selected rows until the transaction ends ('' where the whole database is locked). */
  readonly forUpdate: string;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: SqlDialect;
  /** Runs one statement that returns no rows; resolves to how many rows it changed (cheaper than RETURNING for bulk writes). */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs fn in one write transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Applies pending migrations; safe when several processes start at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
