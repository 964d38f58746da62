/**
 * Storage for the security module: API keys (looked up by their public
 * prefix; only a scrypt hash of the secret is kept) and the hash-chained
 * audit log. SQLite and PostgreSQL implement it over the shared SQL driver
 * (sql-security-store.ts). The store keeps the chain linear: appends are
 * serialised, and each one is sealed with the hash of the entry before it.
 *
 * Errors: MG_STORE_CONFLICT (a prefix already used), MG_SECURITY_KEY_NOT_FOUND,
 * MG_STORE_UNAVAILABLE.
 */

export interface ApiKeyRecord {
  /** Public, 8 base62 characters; the key's identity in listings and logs. */
  readonly prefix: string;
  readonly name: string;
  readonly role: string;
  /** `scrypt$N$r$p$<salt b64>$<hash b64>` of the secret part. */
  readonly hash: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

/** The prevHash of the first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);

export type AuditOutcome = 'success' | 'denied' | 'failed';

/** What a caller records; time, id and hashes are added when it is appended. */
export interface AuditDraft {
  readonly actor: string;
  /** Verb in `area.verb` form, e.g. `alias.set`, `version.register`, `endpoint.predict`. */
  readonly action: string;
  /** What was acted on, e.g. `model:fraud/alias:production`. */
  readonly target: string;
  /** SHA-256 of the request (method, URL, body), or null when there was none. */
  readonly requestHash: string | null;
  readonly outcome: AuditOutcome;
  /** Small structured context (status code, version numbers); part of the hash. */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AuditEntry extends AuditDraft {
  /** 1, 2, 3, … in chain order, without gaps. */
  readonly id: number;
  readonly at: string;
  /** The previous entry's hash; 64 zeros for the first entry. */
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditQuery {
  /** Entries with a larger id (cursor for paging and export). */
  readonly afterId?: number;
  readonly limit?: number;
}

export interface SecurityStore {
  migrate(): Promise<void>;
  close(): Promise<void>;

  createApiKey(key: ApiKeyRecord): Promise<void>;
  getApiKey(prefix: string): Promise<ApiKeyRecord | null>;
  listApiKeys(): Promise<readonly ApiKeyRecord[]>;
  /** Marks a key revoked (idempotent: the first revocation time is kept). */
  revokeApiKey(prefix: string, at: string): Promise<ApiKeyRecord>;

  /**
   * Appends one entry at the end of the chain. Under a lock held across
   * processes, reads the last entry and calls `seal(prevHash, id, at)` for
   * the new entry's hash, so concurrent appends keep a single chain.
   */
  appendAudit(draft: AuditDraft, at: string, seal: (entry: Omit<AuditEntry, 'hash'>) => string): Promise<AuditEntry>;
  /** Entries in id order. */
  listAudit(query?: AuditQuery): Promise<readonly AuditEntry[]>;
  /** The last entry, or null when the log is empty (an anchor for detecting truncation). */
  lastAudit(): Promise<AuditEntry | null>;
}
