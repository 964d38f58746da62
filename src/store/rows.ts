/**
 * Row ↔ record mapping shared by the SQLite and PostgreSQL stores. SQLite
 * hands back JSON columns as text and times as ISO text; PostgreSQL hands back
 * parsed JSONB, Date objects and bigint ids as strings. Both end up as the
 * records of registry-types.ts.
 */
import { fail } from '../lib/errors.ts';
import type {
  AliasRecord, ApprovalRecord, Decision, EvaluationRecord, HistoryEvent, HistoryKind, ModelRecord, NewVersion,
  VersionRecord, VersionStatus,
} from './registry-types.ts';
import type { SqlRow, SqlValue } from './sql-driver.ts';

/** Normalises a caller's time to the stored ISO form, refusing what is not a time. */
export function isoTime(value: string, what: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) fail('MG_VALIDATION_FAILED', { location: what, detail: `"${value}" is not an ISO-8601 time` });
  return new Date(ms).toISOString();
}

/** JSON text for a JSON column (TEXT in SQLite, JSONB in PostgreSQL accept the same). */
export function json(value: unknown): string {
  return JSON.stringify(value);
}

export function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function parsed<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function parsedOrNull<T>(value: unknown): T | null {
  return value === null || value === undefined ? null : parsed<T>(value);
}

function time(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

function int(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function intOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : int(value);
}

export function toModel(row: SqlRow): ModelRecord {
  return {
    name: String(row.name),
    description: String(row.description),
    tags: parsed(row.tags),
    createdAt: time(row.created_at),
    createdBy: String(row.created_by),
    updatedAt: time(row.updated_at),
  };
}

export function toVersion(row: SqlRow): VersionRecord {
  const servingArtifact = parsedOrNull<VersionRecord['servingArtifact']>(row.serving_artifact);
  return {
    model: String(row.model),
    version: int(row.version),
    status: String(row.status) as VersionStatus,
    ...(row.status_reason === null || row.status_reason === undefined ? {} : { statusReason: String(row.status_reason) }),
    description: String(row.description),
    artifact: parsed(row.artifact),
    ...(servingArtifact ? { servingArtifact } : {}),
    signature: parsed(row.signature),
    features: parsedOrNull(row.features),
    metrics: parsed(row.metrics),
    params: parsed(row.params),
    tags: parsed(row.tags),
    lineage: parsed(row.lineage),
    modelCard: row.model_card === null || row.model_card === undefined ? null : String(row.model_card),
    referenceProfile: parsedOrNull(row.reference_profile),
    extra: parsed(row.extra),
    createdAt: time(row.created_at),
    createdBy: String(row.created_by),
    updatedAt: time(row.updated_at),
  };
}

/** Column names and values of a version row, in the order of VERSION_COLUMNS. */
export const VERSION_COLUMNS = [
  'model', 'version', 'status', 'status_reason', 'description', 'artifact', 'artifact_sha256', 'serving_artifact',
  'serving_sha256', 'signature', 'features', 'metrics', 'params', 'tags', 'lineage', 'model_card', 'reference_profile',
  'extra', 'created_at', 'created_by', 'updated_at',
] as const;

export function versionValues(v: NewVersion, version: number, createdAt: string, updatedAt: string): SqlValue[] {
  return [
    v.model, version, v.status, v.statusReason ?? null, v.description, json(v.artifact), v.artifact.sha256,
    jsonOrNull(v.servingArtifact), v.servingArtifact?.sha256 ?? null, json(v.signature), jsonOrNull(v.features),
    json(v.metrics), json(v.params), json(v.tags), json(v.lineage), v.modelCard ?? null, jsonOrNull(v.referenceProfile),
    json(v.extra), createdAt, v.createdBy, updatedAt,
  ];
}

export function toAlias(row: SqlRow): AliasRecord {
  return {
    model: String(row.model),
    alias: String(row.alias),
    version: int(row.version),
    updatedAt: time(row.updated_at),
    updatedBy: String(row.updated_by),
  };
}

export function toApproval(row: SqlRow): ApprovalRecord {
  return {
    id: int(row.id),
    model: String(row.model),
    version: int(row.version),
    alias: String(row.alias),
    decision: String(row.decision) as Decision,
    actor: String(row.actor),
    comment: String(row.comment),
    createdAt: time(row.created_at),
  };
}

export function toEvaluation(row: SqlRow): EvaluationRecord {
  return {
    id: int(row.id),
    model: String(row.model),
    version: int(row.version),
    verdict: String(row.verdict),
    report: parsed(row.report),
    createdAt: time(row.created_at),
    createdBy: String(row.created_by),
  };
}

export function toHistoryEvent(row: SqlRow): HistoryEvent {
  return {
    id: int(row.id),
    model: String(row.model),
    kind: String(row.kind) as HistoryKind,
    version: intOrNull(row.version),
    alias: row.alias === null || row.alias === undefined ? null : String(row.alias),
    previousVersion: intOrNull(row.previous_version),
    actor: String(row.actor),
    reason: row.reason === null || row.reason === undefined ? null : String(row.reason),
    data: parsed(row.data),
    at: time(row.at),
  };
}
