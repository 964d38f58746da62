/**
 * The security operations a transport exposes: API keys, the audit log and
 * the compliance report. The server's routes and the CLI on a data directory
 * use LocalSecurityApi; the CLI with --url uses the HTTP client with the same
 * interface, so commands never know which one they hold.
 */
import type { Clock } from '../lib/clock.ts';
import { parseDuration } from '../lib/duration.ts';
import { fail } from '../lib/errors.ts';
import type { AuditEntry, ApiKeyRecord, AuditQuery } from '../store/security-store.ts';
import type { ApiKeys } from './api-keys.ts';
import type { AuditLog, AuditVerdict } from './audit.ts';
import type { ComplianceReport } from './compliance.ts';
import { assertRole } from './roles.ts';
import type { RoleTable } from './roles.ts';

/** A key as listed: everything but the hash. */
export type KeyView = Omit<ApiKeyRecord, 'hash'>;

export interface NewKeyInput {
  readonly name: string;
  readonly role: string;
  /** ISO time, or null for a key that does not expire. */
  readonly expiresAt: string | null;
}

export interface AuditVerification {
  readonly verdict: AuditVerdict;
  /** The last entry's id and hash: keep it, and pass it as the anchor next time to catch truncation. */
  readonly last: { readonly id: number; readonly hash: string } | null;
}

export interface SecurityApi {
  createKey(input: NewKeyInput, actor: string): Promise<{ readonly key: string; readonly record: KeyView }>;
  listKeys(): Promise<readonly KeyView[]>;
  revokeKey(prefix: string, actor: string): Promise<KeyView>;
  listAudit(query?: AuditQuery): Promise<readonly AuditEntry[]>;
  verifyAudit(anchor?: { readonly id: number; readonly hash: string }): Promise<AuditVerification>;
  compliance(): Promise<ComplianceReport>;
}

/** `30d`-style durations from now, or an ISO time; null when absent. */
export function expiryFrom(expires: string | undefined, now: number): string | null {
  if (expires === undefined) return null;
  const ms = parseDuration(expires);
  if (ms !== undefined) {
    if (ms <= 0) fail('MG_VALIDATION_FAILED', { location: 'expires', detail: 'must be a positive duration' });
    return new Date(now + ms).toISOString();
  }
  const at = Date.parse(expires);
  if (Number.isNaN(at)) fail('MG_VALIDATION_FAILED', { location: 'expires', detail: `"${expires}" is neither a duration like 30d nor an ISO time` });
  if (at <= now) fail('MG_VALIDATION_FAILED', { location: 'expires', detail: 'is in the past' });
  return new Date(at).toISOString();
}

export function keyView(record: ApiKeyRecord): KeyView {
  const { hash: _hash, ...view } = record;
  return view;
}

export interface LocalSecurityApiOptions {
  readonly apiKeys: ApiKeys;
  readonly audit: AuditLog;
  readonly roles: RoleTable;
  readonly clock: Clock;
  readonly compliance: () => Promise<ComplianceReport>;
  /** Record key changes in the audit log here (the CLI on a data directory); the server's audit hook records its own. */
  readonly auditChanges: boolean;
}

export class LocalSecurityApi implements SecurityApi {
  readonly #o: LocalSecurityApiOptions;

  constructor(options: LocalSecurityApiOptions) {
    this.#o = options;
  }

  async createKey(input: NewKeyInput, actor: string): Promise<{ key: string; record: KeyView }> {
    assertRole(this.#o.roles, input.role);
    const { key, record } = await this.#o.apiKeys.create({ ...input, createdBy: actor });
    await this.#record(actor, 'key.create', record.prefix, { role: record.role, name: record.name });
    return { key, record: keyView(record) };
  }

  async listKeys(): Promise<readonly KeyView[]> {
    return (await this.#o.apiKeys.list()).map(keyView);
  }

  async revokeKey(prefix: string, actor: string): Promise<KeyView> {
    const record = await this.#o.apiKeys.revoke(prefix);
    await this.#record(actor, 'key.revoke', record.prefix, {});
    return keyView(record);
  }

  listAudit(query?: AuditQuery): Promise<readonly AuditEntry[]> {
    return this.#o.audit.list(query);
  }

  async verifyAudit(anchor?: { readonly id: number; readonly hash: string }): Promise<AuditVerification> {
    const verdict = await this.#o.audit.verify(anchor);
    const lastEntry = await this.#o.audit.last();
    return { verdict, last: lastEntry ? { id: lastEntry.id, hash: lastEntry.hash } : null };
  }

  compliance(): Promise<ComplianceReport> {
    return this.#o.compliance();
  }

  async #record(actor: string, action: string, prefix: string, details: Record<string, unknown>): Promise<void> {
    if (!this.#o.auditChanges) return;
    await this.#o.audit.append({ actor, action, target: `key:${prefix}`, requestHash: null, outcome: 'success', details });
  }
}
