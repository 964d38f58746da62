/**
 * How the CLI's `--url` mode talks to a server: every request carries the
 * configured credential (`token`: MODELGATE_TOKEN or file:PATH), and every
 * `{error, code}` answer comes back as the server's catalogue error.
 */
import type { Config } from '../config/load.ts';
import { errorCatalogue, ModelgateError, type ErrorCode } from '../lib/errors.ts';
import { readSecret } from '../security/secrets.ts';

export interface ServerTarget {
  /** Server root, without a trailing slash. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** `Authorization: Bearer …` from the configured token, or no header. */
export function authHeaders(config: Config): Record<string, string> {
  const token = readSecret(config.token, 'token');
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** The configured server (`--url` / MODELGATE_URL) with its credential. */
export function serverTarget(config: Config): ServerTarget {
  if (!config.url) throw new ModelgateError('MG_USAGE', { detail: 'this needs a server: pass --url or set MODELGATE_URL' });
  return { url: config.url.replace(/\/+$/, ''), headers: authHeaders(config) };
}

/** Rebuilds the server's catalogue error from a failed answer's status and body text. */
export function remoteError(status: number, text: string): ModelgateError {
  let body: { error?: unknown; code?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = { error: text };
  }
  const known = typeof body.code === 'string' && body.code in errorCatalogue;
  const code: ErrorCode = known ? (body.code as ErrorCode) : status === 404 ? 'MG_NOT_FOUND' : 'MG_INTERNAL';
  const message = typeof body.error === 'string' && body.error !== '' ? body.error : `HTTP ${status}`;
  const err = new ModelgateError(code, { detail: message, status });
  err.message = message;
  return err;
}

/** Sends one request to `/api/v1…`; a non-2xx answer throws its catalogue error. */
export async function serverResponse(target: ServerTarget, method: string, path: string, body?: unknown): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`${target.url}/api/v1${path}`, {
      method,
      headers: { ...target.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ModelgateError('MG_UNAVAILABLE', { detail: `cannot reach ${target.url}: ${(err as Error).message}` }, { cause: err });
  }
  if (!res.ok) throw remoteError(res.status, await res.text());
  return res;
}

/** serverResponse, then the JSON body (undefined for 204). */
export async function serverCall<T>(target: ServerTarget, method: string, path: string, body?: unknown): Promise<T> {
  const res = await serverResponse(target, method, path, body);
  return (res.status === 204 ? undefined : await res.json()) as T;
}
