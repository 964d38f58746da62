/**
 * SecurityStore over the shared SqlDriver (SQLite or PostgreSQL). Audit
 * appends are serialised across processes: SQLite's BEGIN IMMEDIATE takes the
 * database write lock, PostgreSQL takes an EXCLUSIVE lock on audit_log (reads
 * go on, other appends wait), so each append sees the true last entry and the
 * chain never forks. `close()` closes the driver; a driver shared with
 * another store is closed by whoever owns it.
 */
import { ModelgateError, fail } from '../lib/errors.ts';
import { AUDIT_GENESIS } from './security-store.ts';
import type { ApiKeyRecord, AuditDraft, AuditEntry, AuditOutcome, AuditQuery, SecurityStore } from './security-store.ts';
import type { SqlDriver, SqlRow } from './sql-driver.ts';

const KEY_COLUMNS = 'prefix, name, role, hash, created_at, created_by, expires_at, revoked_at';
const AUDIT_COLUMNS = 'id, at, actor, action, target, request_hash, outcome, details, prev_hash, hash';

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function toKey(row: SqlRow): ApiKeyRecord {
  return {
    prefix: String(row.prefix),
    name: String(row.name),
    role: String(row.role),
    hash: String(row.hash),
    createdAt: String(row.created_at),
    createdBy: String(row.created_by),
    expiresAt: text(row.expires_at),
    revokedAt: text(row.revoked_at),
  };
}

function parseDetails(raw: unknown): Readonly<Record<string, unknown>> {
  try {
    const value: unknown = JSON.parse(String(raw));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : { value };
  } catch {
    // A row edited into invalid JSON must still be listed so that verification can name it.
    return { unparseable: String(raw) };
  }
}

function toAudit(row: SqlRow): AuditEntry {
  return {
    id: Number(row.id),
    at: String(row.at),
    actor: String(row.actor),
    action: String(row.action),
    target: String(row.target),
    requestHash: text(row.request_hash),
    outcome: String(row.outcome) as AuditOutcome,
    details: parseDetails(row.details),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

function isUniqueViolation(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return code === '23505' || (typeof message === 'string' && /UNIQUE constraint failed/.test(message));
}

export class SqlSecurityStore implements SecurityStore {
  readonly #db: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#db = driver;
  }

  migrate(): Promise<void> {
    return this.#db.migrate();
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    try {
      await this.#db.query(`INSERT INTO api_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
        key.prefix, key.name, key.role, key.hash, key.createdAt, key.createdBy, key.expiresAt, key.revokedAt,
      ]);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ModelgateError('MG_STORE_CONFLICT', { target: `API key ${key.prefix}` }, { cause: err });
      throw err;
    }
  }

  async getApiKey(prefix: string): Promise<ApiKeyRecord | null> {
    const [row] = await this.#db.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE prefix = ?`, [prefix]);
    return row ? toKey(row) : null;
  }

  async listApiKeys(): Promise<readonly ApiKeyRecord[]> {
    return (await this.#db.query(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, prefix`)).map(toKey);
  }

  revokeApiKey(prefix: string, at: string): Promise<ApiKeyRecord> {
    return this.#db.transaction(async (tx) => {
      await tx.query('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE prefix = ?', [at, prefix]);
      const [row] = await tx.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE prefix = ?`, [prefix]);
      return row ? toKey(row) : fail('MG_SECURITY_KEY_NOT_FOUND', { prefix });
    });
  }

  appendAudit(draft: AuditDraft, at: string, seal: (entry: Omit<AuditEntry, 'hash'>) => string): Promise<AuditEntry> {
    return this.#db.transaction(async (tx) => {
      if (this.#db.dialect.name === 'postgres') await tx.query('LOCK TABLE audit_log IN EXCLUSIVE MODE');
      const [last] = await tx.query('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
      const unsealed: Omit<AuditEntry, 'hash'> = {
        id: last ? Number(last.id) + 1 : 1,
        at,
        actor: draft.actor,
        action: draft.action,
        target: draft.target,
        requestHash: draft.requestHash,
        outcome: draft.outcome,
        details: draft.details,
        prevHash: last ? String(last.hash) : AUDIT_GENESIS,
      };
      const hash = seal(unsealed);
      await tx.query(`INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
        unsealed.id, at, draft.actor, draft.action, draft.target, draft.requestHash, draft.outcome,
        JSON.stringify(draft.details), unsealed.prevHash, hash,
      ]);
      return { ...unsealed, hash };
    });
  }

  async listAudit(query: AuditQuery = {}): Promise<readonly AuditEntry[]> {
    const limit = query.limit ?? 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) fail('MG_VALIDATION_FAILED', { location: 'limit', detail: 'expected 1 to 100000' });
    const rows = await this.#db.query(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`, [query.afterId ?? 0, limit]);
    return rows.map(toAudit);
  }

  async lastAudit(): Promise<AuditEntry | null> {
    const [row] = await this.#db.query(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY id DESC LIMIT 1`);
    return row ? toAudit(row) : null;
  }
}
