/**
 * SecurityApi over HTTP for the CLI's `--url` mode.
 */
import type { AuditVerification, KeyView, NewKeyInput, SecurityApi } from '../security/api.ts';
import type { ComplianceReport } from '../security/compliance.ts';
import type { AuditEntry, AuditQuery } from '../store/security-store.ts';
import { serverCall, type ServerTarget } from './server-call.ts';

export class HttpSecurityClient implements SecurityApi {
  readonly #server: ServerTarget;

  constructor(server: ServerTarget) {
    this.#server = server;
  }

  #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return serverCall<T>(this.#server, method, path, body);
  }

  createKey(input: NewKeyInput): Promise<{ key: string; record: KeyView }> {
    return this.#call('POST', '/keys', { name: input.name, role: input.role, ...(input.expiresAt ? { expires: input.expiresAt } : {}) });
  }

  async listKeys(): Promise<readonly KeyView[]> {
    return (await this.#call<{ items: KeyView[] }>('GET', '/keys')).items;
  }

  revokeKey(prefix: string): Promise<KeyView> {
    return this.#call('DELETE', `/keys/${encodeURIComponent(prefix)}`);
  }

  async listAudit(query: AuditQuery = {}): Promise<readonly AuditEntry[]> {
    const qs = new URLSearchParams();
    if (query.afterId !== undefined) qs.set('afterId', String(query.afterId));
    if (query.limit !== undefined) qs.set('limit', String(Math.min(query.limit, 1000)));
    return (await this.#call<{ items: AuditEntry[] }>('GET', `/audit?${qs}`)).items;
  }

  verifyAudit(anchor?: { readonly id: number; readonly hash: string }): Promise<AuditVerification> {
    const qs = anchor ? `?anchorId=${anchor.id}&anchorHash=${anchor.hash}` : '';
    return this.#call('GET', `/audit/verify${qs}`);
  }

  compliance(): Promise<ComplianceReport> {
    return this.#call('GET', '/compliance');
  }
}
