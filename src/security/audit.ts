/**
 * The tamper-evident audit log. Each entry's hash is SHA-256 over a canonical
 * JSON of its content (sorted keys, no id: the position is proven by the
 * chain, not by a column anyone can rewrite) joined with the previous entry's
 * hash. `verifyAuditChain` walks the entries in id order and names the first
 * one that was edited, removed or reordered.
 */
import type { Clock } from '../lib/clock.ts';
import { sha256Hex } from '../lib/hash.ts';
import { AUDIT_GENESIS } from '../store/security-store.ts';
import type { AuditDraft, AuditEntry, AuditQuery, SecurityStore } from '../store/security-store.ts';

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of an entry: its content and time, chained to the previous hash. */
export function auditHash(entry: Omit<AuditEntry, 'hash' | 'id'>): string {
  const content = {
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    requestHash: entry.requestHash,
    outcome: entry.outcome,
    details: entry.details,
  };
  return sha256Hex(`${canonicalJson(content)}\n${entry.prevHash}`);
}

/** SHA-256 of a request for the audit entry: method, URL and body, without headers (they carry credentials). */
export function requestHash(method: string, url: string, body?: string | Uint8Array): string {
  const head = `${method.toUpperCase()} ${url}\n`;
  return sha256Hex(body === undefined ? head : Buffer.concat([Buffer.from(head), Buffer.from(body)]));
}

export type AuditVerdict =
  | { readonly ok: true; readonly entries: number }
  | { readonly ok: false; readonly firstBadId: number; readonly reason: 'edited' | 'removed' | 'reordered' };

/**
 * Checks a chain given in id order. `anchor`, the last entry as recorded
 * somewhere else (a previous verification, an export), also catches entries
 * removed from the end, which the chain alone cannot show.
 */
export function verifyAuditChain(
  entries: readonly AuditEntry[],
  anchor?: { readonly id: number; readonly hash: string },
): AuditVerdict {
  const indexOfHash = new Map<string, number>();
  entries.forEach((e, i) => indexOfHash.set(e.hash, i));
  let prev: AuditEntry | undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    // Content that no longer matches its own hash was changed in place.
    if (auditHash(entry) !== entry.hash) return { ok: false, firstBadId: entry.id, reason: 'edited' };
    const expected = prev ? prev.hash : AUDIT_GENESIS;
    const expectedId = prev ? prev.id + 1 : 1;
    if (entry.prevHash === expected && entry.id === expectedId) {
      prev = entry;
      continue;
    }
    const link = indexOfHash.get(entry.prevHash);
    if (entry.prevHash === expected) {
      // Linked correctly but numbered wrongly: ids were rewritten.
      return { ok: false, firstBadId: entry.id, reason: 'reordered' };
    }
    if (link !== undefined && link > i) return { ok: false, firstBadId: entry.id, reason: 'reordered' };
    if (link !== undefined && link === i - 2 && prev) return { ok: false, firstBadId: prev.id, reason: 'edited' };
    if (link !== undefined) return { ok: false, firstBadId: entry.id, reason: 'reordered' };
    // The predecessor is nowhere: removed when its id is missing, replaced (edited and re-sealed) when not.
    if (entry.id > expectedId) return { ok: false, firstBadId: expectedId, reason: 'removed' };
    return { ok: false, firstBadId: prev ? prev.id : entry.id, reason: 'edited' };
  }
  if (anchor) {
    const last = entries.at(-1);
    if (!last || last.id < anchor.id) return { ok: false, firstBadId: last ? last.id + 1 : 1, reason: 'removed' };
    const at = entries.find((e) => e.id === anchor.id);
    if (at && at.hash !== anchor.hash) return { ok: false, firstBadId: anchor.id, reason: 'edited' };
  }
  return { ok: true, entries: entries.length };
}

/** Appends sealed entries through the store and reads them back for verification and export. */
export class AuditLog {
  readonly #store: SecurityStore;
  readonly #clock: Clock;

  constructor(store: SecurityStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  append(draft: AuditDraft): Promise<AuditEntry> {
    return this.#store.appendAudit(draft, this.#clock.iso(), (unsealed) => auditHash(unsealed));
  }

  list(query?: AuditQuery): Promise<readonly AuditEntry[]> {
    return this.#store.listAudit(query);
  }

  /** The newest entry, or null when the log is empty. */
  last(): Promise<AuditEntry | null> {
    return this.#store.lastAudit();
  }

  /** Every entry, in id order, read page by page. */
  async *all(pageSize = 1000): AsyncGenerator<AuditEntry> {
    let afterId = 0;
    for (;;) {
      const page = await this.#store.listAudit({ afterId, limit: pageSize });
      yield* page;
      if (page.length < pageSize) return;
      afterId = page[page.length - 1].id;
    }
  }

  /** Verifies the whole stored chain. */
  async verify(anchor?: { readonly id: number; readonly hash: string }): Promise<AuditVerdict> {
    const entries: AuditEntry[] = [];
    for await (const e of this.all()) entries.push(e);
    return verifyAuditChain(entries, anchor);
  }

  /** JSON Lines export, one entry per line, verifiable on its own with verifyAuditChain. */
  async *exportJsonl(): AsyncGenerator<string> {
    for await (const e of this.all()) yield `${JSON.stringify(e)}\n`;
  }
}
