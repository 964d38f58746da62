/**
 * EndpointStore over the shared SqlDriver: one `endpoints` table, written in
 * one statement per change so SQLite and PostgreSQL behave alike. The
 * revision is bumped by the upsert itself, so concurrent writers from several
 * workers never hand out the same revision twice for one endpoint.
 */
import { emptyPolicy, type BatchingSpec, type EndpointRecord, type EndpointStore, type EndpointWrite, type TrafficPolicy } from './endpoint-store.ts';
import type { SqlRow } from './sql-driver.ts';
import { SqlStore } from './sql-store.ts';

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

function json<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function toEndpoint(row: SqlRow): EndpointRecord {
  const batching = row.batching === null || row.batching === undefined
    ? null
    : (typeof row.batching === 'string' ? JSON.parse(row.batching) : row.batching) as BatchingSpec;
  return {
    name: String(row.name),
    model: String(row.model),
    version: Number(row.version),
    batching,
    policy: { ...emptyPolicy, ...json<TrafficPolicy>(row.policy) },
    revision: Number(row.revision),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    updatedBy: String(row.updated_by),
  };
}

function policyVersions(p: TrafficPolicy | null): number[] {
  if (p === null) return [];
  return [...(p.candidate ? [p.candidate.version] : []), ...(p.shadow ? [p.shadow.version] : []), ...(p.previews ?? [])];
}

export class SqlEndpointStore extends SqlStore implements EndpointStore {
  async put(w: EndpointWrite): Promise<EndpointRecord> {
    const batching = w.batching === null ? null : JSON.stringify(w.batching);
    const policy = JSON.stringify(w.policy ?? emptyPolicy);
    const [row] = await this.db.query(
      `INSERT INTO endpoints (name, model, version, batching, policy, revision, created_at, updated_at, updated_by)
       VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET model = excluded.model, version = excluded.version, batching = excluded.batching,
         policy = excluded.policy, revision = endpoints.revision + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
       RETURNING *`,
      [w.name, w.model, w.version, batching, policy, w.at, w.at, w.actor],
    );
    return toEndpoint(row);
  }

  async get(name: string): Promise<EndpointRecord | null> {
    const [row] = await this.db.query('SELECT * FROM endpoints WHERE name = ?', [name]);
    return row === undefined ? null : toEndpoint(row);
  }

  async list(): Promise<readonly EndpointRecord[]> {
    return (await this.db.query('SELECT * FROM endpoints ORDER BY name')).map(toEndpoint);
  }

  async delete(name: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM endpoints WHERE name = ? RETURNING name', [name]);
    return rows.length > 0;
  }

  async isDeployed(model: string, version: number): Promise<boolean> {
    const rows = await this.db.query('SELECT version, policy FROM endpoints WHERE model = ?', [model]);
    return rows.some((row) => Number(row.version) === version || policyVersions(json<TrafficPolicy>(row.policy)).includes(version));
  }

}
