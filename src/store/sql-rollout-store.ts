/**
 * RolloutStore over the shared SqlDriver (SQLite and PostgreSQL alike). One
 * active rollout per endpoint is a partial unique index, so two workers
 * starting rollouts at once cannot both win; `replace` aborts the active one
 * and inserts the new one in one transaction.
 */
import { fail, ModelgateError } from '../lib/errors.ts';
import { ACTIVE_PHASES, type RolloutEvent, type RolloutEventWrite, type RolloutPhase, type RolloutRecord, type RolloutStore } from './rollout-store.ts';
import type { SqlExecutor, SqlRow } from './sql-driver.ts';
import { SqlStore } from './sql-store.ts';

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

function json(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

function toRollout(row: SqlRow): RolloutRecord {
  return {
    id: String(row.id),
    endpoint: String(row.endpoint),
    model: String(row.model),
    strategy: String(row.strategy),
    stableVersion: Number(row.stable_version),
    candidateVersion: Number(row.candidate_version),
    plan: json(row.plan),
    phase: String(row.phase) as RolloutPhase,
    state: json(row.state),
    createdAt: iso(row.created_at),
    createdBy: String(row.created_by),
    updatedAt: iso(row.updated_at),
  };
}

function toEvent(row: SqlRow): RolloutEvent {
  return {
    id: Number(row.id),
    endpoint: String(row.endpoint),
    rolloutId: row.rollout_id === null || row.rollout_id === undefined ? null : String(row.rollout_id),
    at: iso(row.at),
    actor: String(row.actor),
    kind: String(row.kind),
    reason: String(row.reason),
    details: json(row.details) as Record<string, unknown>,
  };
}

function isUniqueViolation(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return code === '23505' || (typeof message === 'string' && /UNIQUE constraint failed/.test(message));
}

const activeFlag = (phase: RolloutPhase): number => (ACTIVE_PHASES.includes(phase) ? 1 : 0);

export class SqlRolloutStore extends SqlStore implements RolloutStore {
  async #insert(tx: SqlExecutor, r: RolloutRecord): Promise<void> {
    await tx.query(
      `INSERT INTO rollouts (id, endpoint, model, strategy, stable_version, candidate_version, plan, phase, active, state, created_at, created_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [r.id, r.endpoint, r.model, r.strategy, r.stableVersion, r.candidateVersion, JSON.stringify(r.plan), r.phase, activeFlag(r.phase),
        JSON.stringify(r.state), r.createdAt, r.createdBy, r.updatedAt],
    );
  }

  async create(record: RolloutRecord, options: { replace?: { at: string; state: (old: RolloutRecord) => unknown } } = {}): Promise<{ replaced: RolloutRecord | null }> {
    try {
      return await this.db.transaction(async (tx) => {
        const [row] = await tx.query(`SELECT * FROM rollouts WHERE endpoint = ? AND active = 1 ${this.db.dialect.forUpdate}`, [record.endpoint]);
        const current = row === undefined ? null : toRollout(row);
        if (current !== null) {
          if (options.replace === undefined) fail('MG_ROLLOUT_ACTIVE', { endpoint: record.endpoint, id: current.id });
          await tx.query('UPDATE rollouts SET phase = ?, active = 0, state = ?, updated_at = ? WHERE id = ?',
            ['aborted', JSON.stringify(options.replace.state(current)), options.replace.at, current.id]);
        }
        await this.#insert(tx, record);
        return { replaced: current };
      });
    } catch (err) {
      if (err instanceof ModelgateError) throw err;
      if (isUniqueViolation(err)) fail('MG_ROLLOUT_ACTIVE', { endpoint: record.endpoint, id: '(started concurrently)' });
      throw err;
    }
  }

  async update(id: string, phase: RolloutPhase, state: unknown, at: string): Promise<RolloutRecord> {
    const [row] = await this.db.query('UPDATE rollouts SET phase = ?, active = ?, state = ?, updated_at = ? WHERE id = ? RETURNING *',
      [phase, activeFlag(phase), JSON.stringify(state), at, id]);
    return row === undefined ? fail('MG_ROLLOUT_NOT_FOUND', { endpoint: '?', id }) : toRollout(row);
  }

  async get(id: string): Promise<RolloutRecord | null> {
    const [row] = await this.db.query('SELECT * FROM rollouts WHERE id = ?', [id]);
    return row === undefined ? null : toRollout(row);
  }

  async list(endpoint: string, limit = 50): Promise<readonly RolloutRecord[]> {
    return (await this.db.query('SELECT * FROM rollouts WHERE endpoint = ? ORDER BY created_at DESC, id DESC LIMIT ?', [endpoint, limit])).map(toRollout);
  }

  async active(): Promise<readonly RolloutRecord[]> {
    return (await this.db.query('SELECT * FROM rollouts WHERE active = 1 ORDER BY created_at')).map(toRollout);
  }

  async addEvent(e: RolloutEventWrite): Promise<RolloutEvent> {
    const [row] = await this.db.query(
      'INSERT INTO rollout_events (endpoint, rollout_id, at, actor, kind, reason, details) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
      [e.endpoint, e.rolloutId, e.at, e.actor, e.kind, e.reason, JSON.stringify(e.details)],
    );
    return toEvent(row);
  }

  async events(endpoint: string, rolloutId?: string): Promise<readonly RolloutEvent[]> {
    const rows = rolloutId === undefined
      ? await this.db.query('SELECT * FROM rollout_events WHERE endpoint = ? ORDER BY id', [endpoint])
      : await this.db.query('SELECT * FROM rollout_events WHERE endpoint = ? AND rollout_id = ? ORDER BY id', [endpoint, rolloutId]);
    return rows.map(toEvent);
  }

  async putShadowSums(endpoint: string, source: string, shadowVersion: number, sums: unknown, at: string): Promise<void> {
    await this.db.query(
      `INSERT INTO shadow_stats (endpoint, source, shadow_version, data, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (endpoint, source) DO UPDATE SET shadow_version = excluded.shadow_version, data = excluded.data, updated_at = excluded.updated_at`,
      [endpoint, source, shadowVersion, JSON.stringify(sums), at],
    );
  }

  async shadowSums(endpoint: string, shadowVersion: number): Promise<readonly unknown[]> {
    return (await this.db.query('SELECT data FROM shadow_stats WHERE endpoint = ? AND shadow_version = ?', [endpoint, shadowVersion])).map((r) => json(r.data));
  }

  async clearShadowSums(endpoint: string): Promise<void> {
    await this.db.query('DELETE FROM shadow_stats WHERE endpoint = ?', [endpoint]);
  }

}
