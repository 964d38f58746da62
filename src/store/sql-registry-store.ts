/**
 * RegistryStore written once over a SqlDriver, so SQLite and PostgreSQL share
 * every rule: each mutation is one transaction that first locks the model row
 * (serialising changes to one model across processes), changes state and
 * appends its history event. Version numbers come from a per-model counter
 * that outlives deletions, so a number is never handed out twice.
 */
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import type { RegistryStore } from './registry-store.ts';
import type {
  AliasRecord, ApprovalRecord, EvaluationRecord, HistoryEvent, HistoryQuery, ModelQuery, ModelRecord, NewHistoryEvent,
  NewVersion, Page, Tags, VersionPatch, VersionQuery, VersionRecord,
} from './registry-types.ts';
import type { SqlDriver, SqlExecutor, SqlRow } from './sql-driver.ts';
import { historySql, listModelsSql, listVersionsSql } from './sql-queries.ts';
import type { ListSql } from './sql-queries.ts';
import {
  VERSION_COLUMNS, isoTime, json, toAlias, toApproval, toEvaluation, toHistoryEvent, toModel, toVersion, versionValues,
} from './rows.ts';

interface EventRow {
  readonly kind: NewHistoryEvent['kind'];
  readonly version: number | null;
  readonly alias: string | null;
  readonly previousVersion: number | null;
  readonly actor: string;
  readonly reason: string | null;
  readonly data: Readonly<Record<string, unknown>>;
}

export class SqlRegistryStore implements RegistryStore {
  readonly #db: SqlDriver;
  readonly #clock: Clock;

  constructor(driver: SqlDriver, clock: Clock) {
    this.#db = driver;
    this.#clock = clock;
  }

  migrate(): Promise<void> {
    return this.#db.migrate();
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  /** The time of a mutation: the event's own time when it brings one, else now. */
  #at(event: { readonly at?: string }): string {
    return event.at === undefined ? this.#clock.iso() : isoTime(event.at, 'event time');
  }

  async #lockModel(tx: SqlExecutor, model: string): Promise<SqlRow> {
    const [row] = await tx.query(`SELECT * FROM models WHERE name = ? ${this.#db.dialect.forUpdate}`, [model]);
    return row ?? fail('MG_REGISTRY_MODEL_NOT_FOUND', { model });
  }

  async #versionRow(tx: SqlExecutor, model: string, version: number): Promise<SqlRow> {
    const [row] = await tx.query('SELECT * FROM versions WHERE model = ? AND version = ?', [model, version]);
    return row ?? fail('MG_REGISTRY_VERSION_NOT_FOUND', { model, version });
  }

  async #append(tx: SqlExecutor, model: string, at: string, e: EventRow): Promise<void> {
    await tx.query(
      'INSERT INTO history (model, kind, version, alias, previous_version, actor, reason, data, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [model, e.kind, e.version, e.alias, e.previousVersion, e.actor, e.reason, json(e.data), at],
    );
  }

  #event(event: Omit<NewHistoryEvent, 'version'> & { readonly version?: number | null }, overrides: Partial<EventRow> = {}): EventRow {
    return {
      kind: event.kind,
      version: event.version ?? null,
      alias: event.alias ?? null,
      previousVersion: event.previousVersion ?? null,
      actor: event.actor,
      reason: event.reason ?? null,
      data: event.data ?? {},
      ...overrides,
    };
  }

  /** Removes aliases pointing at the given versions (all when undefined), each with an alias.removed event. */
  async #dropAliases(tx: SqlExecutor, model: string, version: number | undefined, at: string, actor: string, reason: string): Promise<void> {
    const rows = version === undefined
      ? await tx.query('DELETE FROM aliases WHERE model = ? RETURNING *', [model])
      : await tx.query('DELETE FROM aliases WHERE model = ? AND version = ? RETURNING *', [model, version]);
    const removed = rows.map(toAlias).sort((a, b) => a.alias.localeCompare(b.alias));
    for (const a of removed) {
      await this.#append(tx, model, at, {
        kind: 'alias.removed', version: null, alias: a.alias, previousVersion: a.version, actor, reason, data: {},
      });
    }
  }

  async #page<T, R extends SqlRow>(list: ListSql<T>, map: (row: R) => T): Promise<Page<T>> {
    const rows = (await this.#db.query(list.sql, list.params)) as R[];
    const items = rows.slice(0, list.limit).map(map);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > list.limit && last !== undefined ? list.cursorAfter(last) : null };
  }

  async createModel(model: Omit<ModelRecord, 'createdAt' | 'updatedAt'>, event: NewHistoryEvent): Promise<ModelRecord> {
    const at = this.#at(event);
    return this.#db.transaction(async (tx) => {
      const [row] = await tx.query(
        `INSERT INTO models (name, description, tags, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO NOTHING RETURNING *`,
        [model.name, model.description, json(model.tags), at, model.createdBy, at],
      );
      if (!row) fail('MG_REGISTRY_MODEL_EXISTS', { model: model.name });
      await tx.query('INSERT INTO version_counters (model, last_version) VALUES (?, 0) ON CONFLICT (model) DO NOTHING', [model.name]);
      await this.#append(tx, model.name, at, this.#event(event));
      return toModel(row);
    });
  }

  async getModel(name: string): Promise<ModelRecord | null> {
    const [row] = await this.#db.query('SELECT * FROM models WHERE name = ?', [name]);
    return row ? toModel(row) : null;
  }

  async updateModel(name: string, patch: { description?: string; tags?: Tags }, event: NewHistoryEvent): Promise<ModelRecord> {
    const at = this.#at(event);
    return this.#db.transaction(async (tx) => {
      const current = toModel(await this.#lockModel(tx, name));
      const [row] = await tx.query('UPDATE models SET description = ?, tags = ?, updated_at = ? WHERE name = ? RETURNING *', [
        patch.description ?? current.description, json(patch.tags ?? current.tags), at, name,
      ]);
      await this.#append(tx, name, at, this.#event(event));
      return toModel(row);
    });
  }

  async listModels(query: ModelQuery): Promise<Page<ModelRecord>> {
    return this.#page(listModelsSql(this.#db.dialect, query), toModel);
  }

  async deleteModel(name: string, event: NewHistoryEvent): Promise<void> {
    const at = this.#at(event);
    return this.#db.transaction(async (tx) => {
      await this.#lockModel(tx, name);
      await this.#dropAliases(tx, name, undefined, at, event.actor, 'model deleted');
      for (const table of ['approvals', 'evaluations', 'versions']) await tx.query(`DELETE FROM ${table} WHERE model = ?`, [name]);
      await tx.query('DELETE FROM models WHERE name = ?', [name]);
      await this.#append(tx, name, at, this.#event(event));
    });
  }

  async createVersion(version: NewVersion, event: Omit<NewHistoryEvent, 'version'>): Promise<VersionRecord> {
    const at = this.#at(event);
    return this.#db.transaction(async (tx) => {
      await this.#lockModel(tx, version.model);
      let [counter] = await tx.query('UPDATE version_counters SET last_version = last_version + 1 WHERE model = ? RETURNING last_version', [version.model]);
      if (!counter) {
        [counter] = await tx.query('INSERT INTO version_counters (model, last_version) VALUES (?, 1) RETURNING last_version', [version.model]);
      }
      const number = Number(counter.last_version);
      const [row] = await tx.query(
        `INSERT INTO versions (${VERSION_COLUMNS.join(', ')}) VALUES (${VERSION_COLUMNS.map(() => '?').join(', ')}) RETURNING *`,
        versionValues(version, number, at, at),
      );
      await tx.query('UPDATE models SET updated_at = ? WHERE name = ?', [at, version.model]);
      await this.#append(tx, version.model, at, this.#event(event, { version: number }));
      return toVersion(row);
    });
  }

  async getVersion(model: string, version: number): Promise<VersionRecord | null> {
    const [row] = await this.#db.query('SELECT * FROM versions WHERE model = ? AND version = ?', [model, version]);
    return row ? toVersion(row) : null;
  }

  async updateVersion(model: string, version: number, patch: VersionPatch, event: NewHistoryEvent): Promise<VersionRecord> {
    const at = this.#at(event);
    return this.#db.transaction(async (tx) => {
      await this.#lockModel(tx, model);
      const current = toVersion(await this.#versionRow(tx, model, version));
      const statusReason = 'statusReason' in patch ? patch.statusReason ?? null : current.statusReason ?? null;
      const [row] = await tx.query(
        `UPDATE versions SET status = ?, status_reason = ?, description = ?, tags = ?, model_card = ?, extra = ?, updated_at = ?
         WHERE model = ? AND version = ? RETURNING *`,
        [
          patch.status ?? current.status, statusReason, patch.description ?? current.description, json(patch.tags ?? current.tags),
          'modelCard' in patch ? patch.modelCard ?? null : current.modelCard, json(patch.extra ?? current.extra), at, model, version,
        ],
      );
      await this.#append(tx, model, at, this.#event(event, { version }));
      return toVersion(row);
    });
  }

  async listVersions(model: string, query: VersionQuery): Promise<Page<VersionRecord>> {
    const list = listVersionsSql(this.#db.dialect, model, query);
    if (!(await this.getModel(model))) fail('MG_REGISTRY_MODEL_NOT_FOUND', { model });
    return this.#page(list, toVersion);
  }

  async latestVersion(model: string): Promise<number | null> {
    const [row] = await this.#db.query("SELECT MAX(version) AS v FROM versions WHERE model = ? AND status <> 'archived'", [model]);
    return row?.v === null || row?.v === undefined ? null : Number(row.v);
  }

  async countVersions(model: string): Promise<number> {
    const [row] = await this.#db.query('SELECT COUNT(*) AS n FROM versions WHERE model = ?', [model]);
    return Number(row?.n ?? 0);
  }

  async deleteVersion(model: string, version: number, event: NewHistoryEvent): Promise<void> {
    const at = this.#at(event);
    return this.#db.transaction(async (tx) => {
      await this.#lockModel(tx, model);
      await this.#versionRow(tx, model, version);
      await this.#dropAliases(tx, model, version, at, event.actor, `version ${version} deleted`);
      for (const table of ['approvals', 'evaluations', 'versions']) {
        await tx.query(`DELETE FROM ${table} WHERE model = ? AND version = ?`, [model, version]);
      }
      await this.#append(tx, model, at, this.#event(event, { version }));
    });
  }

  async setAlias(model: string, alias: string, version: number, event: NewHistoryEvent): Promise<AliasRecord> {
    const at = this.#at(event);
    return this.#db.transaction(async (tx) => {
      await this.#lockModel(tx, model);
      await this.#versionRow(tx, model, version);
      const [previous] = await tx.query('SELECT version FROM aliases WHERE model = ? AND alias = ?', [model, alias]);
      const [row] = await tx.query(
        `INSERT INTO aliases (model, alias, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by
         RETURNING *`,
        [model, alias, version, at, event.actor],
      );
      const previousVersion = previous ? Number(previous.version) : null;
      await this.#append(tx, model, at, this.#event(event, { alias, version, previousVersion }));
      return toAlias(row);
    });
  }

  async getAlias(model: string, alias: string): Promise<AliasRecord | null> {
    const [row] = await this.#db.query('SELECT * FROM aliases WHERE model = ? AND alias = ?', [model, alias]);
    return row ? toAlias(row) : null;
  }

  async listAliases(model: string): Promise<readonly AliasRecord[]> {
    return (await this.#db.query('SELECT * FROM aliases WHERE model = ? ORDER BY alias', [model])).map(toAlias);
  }

  async deleteAlias(model: string, alias: string, event: NewHistoryEvent): Promise<void> {
    const at = this.#at(event);
    return this.#db.transaction(async (tx) => {
      await this.#lockModel(tx, model);
      const [row] = await tx.query('DELETE FROM aliases WHERE model = ? AND alias = ? RETURNING version', [model, alias]);
      if (!row) fail('MG_REGISTRY_ALIAS_NOT_FOUND', { model, alias });
      await this.#append(tx, model, at, this.#event(event, { alias, version: null, previousVersion: Number(row.version) }));
    });
  }

  async aliasAt(model: string, alias: string, at: string): Promise<number | null> {
    const [row] = await this.#db.query(
      `SELECT kind, version FROM history WHERE model = ? AND alias = ? AND kind IN ('alias.set', 'alias.removed') AND at <= ?
       ORDER BY at DESC, id DESC LIMIT 1`,
      [model, alias, isoTime(at, 'at')],
    );
    return row && row.kind === 'alias.set' && row.version !== null ? Number(row.version) : null;
  }

  async addApproval(approval: Omit<ApprovalRecord, 'id' | 'createdAt'>, event: NewHistoryEvent): Promise<ApprovalRecord> {
    const at = this.#at(event);
    return this.#db.transaction(async (tx) => {
      await this.#lockModel(tx, approval.model);
      await this.#versionRow(tx, approval.model, approval.version);
      const [row] = await tx.query(
        'INSERT INTO approvals (model, version, alias, decision, actor, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
        [approval.model, approval.version, approval.alias, approval.decision, approval.actor, approval.comment, at],
      );
      await this.#append(tx, approval.model, at, this.#event(event, { version: approval.version, alias: approval.alias }));
      return toApproval(row);
    });
  }

  async listApprovals(model: string, version?: number, alias?: string): Promise<readonly ApprovalRecord[]> {
    const where = ['model = ?'];
    const params: (string | number)[] = [model];
    if (version !== undefined) {
      where.push('version = ?');
      params.push(version);
    }
    if (alias !== undefined) {
      where.push('alias = ?');
      params.push(alias);
    }
    const rows = await this.#db.query(`SELECT * FROM approvals WHERE ${where.join(' AND ')} ORDER BY id`, params);
    return rows.map(toApproval);
  }

  async addEvaluation(evaluation: Omit<EvaluationRecord, 'id' | 'createdAt'>, event: NewHistoryEvent): Promise<EvaluationRecord> {
    const at = this.#at(event);
    return this.#db.transaction(async (tx) => {
      await this.#lockModel(tx, evaluation.model);
      await this.#versionRow(tx, evaluation.model, evaluation.version);
      const [row] = await tx.query(
        'INSERT INTO evaluations (model, version, verdict, report, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING *',
        [evaluation.model, evaluation.version, evaluation.verdict, json(evaluation.report), at, evaluation.createdBy],
      );
      await this.#append(tx, evaluation.model, at, this.#event(event, { version: evaluation.version }));
      return toEvaluation(row);
    });
  }

  async listEvaluations(model: string, version: number): Promise<readonly EvaluationRecord[]> {
    return (await this.#db.query('SELECT * FROM evaluations WHERE model = ? AND version = ? ORDER BY id', [model, version])).map(toEvaluation);
  }

  async history(model: string, query: HistoryQuery): Promise<Page<HistoryEvent>> {
    return this.#page(historySql(model, query), toHistoryEvent);
  }

  async referencedBlobs(): Promise<ReadonlySet<string>> {
    const rows = await this.#db.query(
      'SELECT artifact_sha256 AS sha FROM versions UNION SELECT serving_sha256 AS sha FROM versions WHERE serving_sha256 IS NOT NULL',
    );
    return new Set(rows.map((r) => String(r.sha)));
  }
}
