/**
 * SecurityApi over HTTP for the CLI's `--url` mode, and the credential every
 * CLI request to a server carries (`token`: MODELGATE_TOKEN, or file:PATH).
 */
import type { Config } from '../config/load.ts';
import { errorCatalogue, ModelgateError, type ErrorCode } from '../lib/errors.ts';
import type { AuditVerification, KeyView, NewKeyInput, SecurityApi } from '../security/api.ts';
import type { ComplianceReport } from '../security/compliance.ts';
import { readSecret } from '../security/secrets.ts';
import type { AuditEntry, AuditQuery } from '../store/security-store.ts';

/** `Authorization: Bearer …` from the configured token, or no header. */
export function authHeaders(config: Config): Record<string, string> {
  const token = readSecret(config.token, 'token');
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

export class HttpSecurityClient implements SecurityApi {
  readonly #base: string;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(baseUrl: string, headers: Readonly<Record<string, string>> = {}) {
    this.#base = `${baseUrl.replace(/\/+$/, '')}/api/v1`;
    this.#headers = headers;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.#base + path, {
        method,
        headers: { ...this.#headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new ModelgateError('MG_UNAVAILABLE', { detail: `cannot reach ${this.#base}: ${(err as Error).message}` }, { cause: err });
    }
    const text = await res.text();
    if (!res.ok) {
      let parsed: { error?: unknown; code?: unknown } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        parsed = { error: text };
      }
      const code = typeof parsed.code === 'string' && parsed.code in errorCatalogue ? parsed.code as ErrorCode : 'MG_INTERNAL';
      const err = new ModelgateError(code, { detail: String(parsed.error ?? `HTTP ${res.status}`) });
      if (typeof parsed.error === 'string') err.message = parsed.error;
      throw err;
    }
    return JSON.parse(text) as T;
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
