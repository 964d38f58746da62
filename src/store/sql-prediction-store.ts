/**
 * PredictionStore over the shared SqlDriver (SQLite or PostgreSQL): one
 * `predictions` table; inputs and outputs as JSON text; paging by
 * (at_ms, request_id) so exports stream in a stable order. Inputs by feature
 * name may be stored as their values alone (see PredictionWrite) with a
 * reference to their list of names (`prediction_features`, one row per
 * distinct list), so a row does not repeat the names: most of a logged row's
 * bytes otherwise.
 */
import { createHash } from 'node:crypto';
import { JsonText, unpackValues, type FeedbackResult, type LabelledPair, type PredictionQuery, type PredictionRecord, type PredictionStore, type PredictionWrite } from './prediction-store.ts';
import type { SqlRow, SqlValue } from './sql-driver.ts';
import { SqlStore } from './sql-store.ts';

const COLUMNS = 'request_id, endpoint, version, at, at_ms, latency_ms, inputs, outputs, prediction, size_bytes, feedback, feedback_at, features_id';

/** Predictions with feedback since a time: its WHERE implies the partial index predictions_labelled's (migration 7). */
export const LABELLED_QUERY = 'SELECT version, prediction, feedback FROM predictions WHERE endpoint = ? AND at_ms >= ? AND feedback IS NOT NULL AND prediction IS NOT NULL';

function scalar(text: unknown): number | string | null {
  if (text === null || text === undefined) return null;
  return JSON.parse(String(text)) as number | string;
}

/** Inputs as stored: an object, or (with a list of names) its values alone. */
function inputsOf(text: string, names: readonly string[] | undefined): Record<string, unknown> {
  return names === undefined ? JSON.parse(text) as Record<string, unknown> : unpackValues(text, names);
}

function toRecord(row: SqlRow, names: ReadonlyMap<number, readonly string[]>): PredictionRecord {
  return {
    requestId: String(row.request_id),
    endpoint: String(row.endpoint),
    version: Number(row.version),
    at: String(row.at),
    latencyMs: Number(row.latency_ms),
    inputs: inputsOf(String(row.inputs), row.features_id === null || row.features_id === undefined ? undefined : names.get(Number(row.features_id))),
    outputs: JSON.parse(String(row.outputs)) as Record<string, unknown>,
    prediction: scalar(row.prediction),
    feedback: scalar(row.feedback),
    feedbackAt: row.feedback_at === null || row.feedback_at === undefined ? null : String(row.feedback_at),
  };
}

export class SqlPredictionStore extends SqlStore implements PredictionStore {
  /** Stored lists of feature names: by the list a writer holds (a served version's, long-lived), by their JSON, and by id. */
  readonly #featureIds = new WeakMap<readonly string[], number>();
  readonly #featureIdsByText = new Map<string, number>();
  readonly #featureNames = new Map<number, readonly string[]>();

  async #featuresId(names: readonly string[]): Promise<number> {
    const known = this.#featureIds.get(names);
    if (known !== undefined) return known;
    const text = JSON.stringify(names);
    const stored = this.#featureIdsByText.get(text);
    if (stored !== undefined) {
      this.#featureIds.set(names, stored);
      return stored;
    }
    // Keyed by a digest: a long list is more than a PostgreSQL index entry can hold.
    const digest = createHash('sha256').update(text).digest('hex');
    await this.db.execute('INSERT INTO prediction_features (digest, names) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING', [digest, text]);
    const [row] = await this.db.query('SELECT id FROM prediction_features WHERE digest = ?', [digest]);
    const id = Number(row!.id);
    this.#featureIds.set(names, id);
    this.#featureIdsByText.set(text, id);
    this.#featureNames.set(id, [...names]);
    return id;
  }

  /** The lists of names the rows refer to, read once each. */
  async #namesOf(rows: readonly SqlRow[]): Promise<ReadonlyMap<number, readonly string[]>> {
    const missing = [...new Set(rows.filter((r) => r.features_id !== null && r.features_id !== undefined).map((r) => Number(r.features_id)))]
      .filter((id) => !this.#featureNames.has(id));
    if (missing.length > 0) {
      const found = await this.db.query(`SELECT id, names FROM prediction_features WHERE id IN (${missing.map(() => '?').join(', ')})`, missing);
      for (const r of found) this.#featureNames.set(Number(r.id), JSON.parse(String(r.names)) as string[]);
    }
    return this.#featureNames;
  }

  async insert(records: readonly PredictionWrite[]): Promise<number> {
    if (records.length === 0) return 0;
    let written = 0;
    // Chunks keep each statement under the drivers' parameter limits.
    for (let i = 0; i < records.length; i += 200) {
      const chunk = records.slice(i, i + 200);
      const params: SqlValue[] = [];
      for (const r of chunk) {
        const inputs = r.inputs instanceof JsonText ? r.inputs.text : JSON.stringify(r.inputs);
        const outputs = r.outputs instanceof JsonText ? r.outputs.text : JSON.stringify(r.outputs);
        params.push(r.requestId, r.endpoint, r.version, r.at, Date.parse(r.at), r.latencyMs, inputs, outputs,
          r.prediction === null ? null : JSON.stringify(r.prediction), inputs.length + outputs.length,
          r.features === undefined ? null : await this.#featuresId(r.features));
      }
      const values = chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      // A repeated request id (callers may send their own) is skipped, not an error; the count says how many were new.
      written += await this.db.execute(
        `INSERT INTO predictions (request_id, endpoint, version, at, at_ms, latency_ms, inputs, outputs, prediction, size_bytes, features_id)
         VALUES ${values} ON CONFLICT (request_id) DO NOTHING`,
        params,
      );
    }
    return written;
  }

  async feedback(items: readonly { requestId: string; value: number | string }[], at: string, lateBefore: string): Promise<FeedbackResult[]> {
    const lateMs = Date.parse(lateBefore);
    const atMs = Date.parse(at);
    const found = new Map<string, SqlRow>();
    for (let i = 0; i < items.length; i += 500) {
      const ids = items.slice(i, i + 500).map((x) => x.requestId);
      const rows = await this.db.query(`SELECT request_id, endpoint, version, at_ms FROM predictions WHERE request_id IN (${ids.map(() => '?').join(', ')})`, ids);
      for (const r of rows) found.set(String(r.request_id), r);
    }
    const results: FeedbackResult[] = [];
    await this.db.transaction(async (tx) => {
      for (const item of items) {
        const row = found.get(item.requestId);
        if (row === undefined) {
          results.push({ kind: 'unknown', requestId: item.requestId });
          continue;
        }
        const endpoint = String(row.endpoint);
        const version = Number(row.version);
        const answeredMs = Number(row.at_ms);
        if (answeredMs < lateMs) {
          results.push({ kind: 'late', requestId: item.requestId, endpoint, version, ageMs: atMs - answeredMs });
          continue;
        }
        await tx.query('UPDATE predictions SET feedback = ?, feedback_at = ? WHERE request_id = ?', [JSON.stringify(item.value), at, item.requestId]);
        results.push({ kind: 'joined', requestId: item.requestId, endpoint, version });
      }
    });
    return results;
  }

  async list(q: PredictionQuery): Promise<{ items: PredictionRecord[]; next: string | null }> {
    const where: string[] = ['endpoint = ?'];
    const params: SqlValue[] = [q.endpoint];
    const add = (clause: string, value: SqlValue): void => {
      where.push(clause);
      params.push(value);
    };
    if (q.version !== undefined) add('version = ?', q.version);
    if (q.since !== undefined) add('at_ms >= ?', Date.parse(q.since));
    if (q.until !== undefined) add('at_ms < ?', Date.parse(q.until));
    if (q.after !== undefined) {
      const [ms, id] = JSON.parse(Buffer.from(q.after, 'base64url').toString('utf8')) as [number, string];
      where.push('(at_ms > ? OR (at_ms = ? AND request_id > ?))');
      params.push(ms, ms, id);
    }
    const limit = Math.max(1, Math.min(q.limit ?? 1000, 10_000));
    params.push(limit + 1);
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM predictions WHERE ${where.join(' AND ')} ORDER BY at_ms, request_id LIMIT ?`, params);
    const more = rows.length > limit;
    const page = (more ? rows.slice(0, limit) : rows);
    const last = page.at(-1);
    const names = await this.#namesOf(page);
    return {
      items: page.map((r) => toRecord(r, names)),
      next: more && last !== undefined ? Buffer.from(JSON.stringify([Number(last.at_ms), String(last.request_id)])).toString('base64url') : null,
    };
  }

  async labelled(endpoint: string, since: string): Promise<LabelledPair[]> {
    const rows = await this.db.query(LABELLED_QUERY, [endpoint, Date.parse(since)]);
    return rows.map((r) => ({ version: Number(r.version), prediction: scalar(r.prediction)!, feedback: scalar(r.feedback)! }));
  }

  async prune(before: string, maxBytes: number): Promise<number> {
    const aged = await this.db.query('DELETE FROM predictions WHERE at_ms < ? RETURNING request_id', [Date.parse(before)]);
    let deleted = aged.length;
    const [total] = await this.db.query('SELECT COALESCE(SUM(size_bytes), 0) AS bytes FROM predictions');
    let excess = Number(total?.bytes ?? 0) - maxBytes;
    while (excess > 0) {
      // Oldest first, a bounded batch at a time.
      const oldest = await this.db.query('SELECT request_id, size_bytes FROM predictions ORDER BY at_ms, request_id LIMIT 1000');
      if (oldest.length === 0) break;
      const ids: string[] = [];
      for (const r of oldest) {
        if (excess <= 0) break;
        ids.push(String(r.request_id));
        excess -= Number(r.size_bytes);
      }
      await this.db.query(`DELETE FROM predictions WHERE request_id IN (${ids.map(() => '?').join(', ')})`, ids);
      deleted += ids.length;
    }
    return deleted;
  }

}
