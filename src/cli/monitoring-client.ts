/**
 * The monitoring routes seen from the CLI's `--url` mode: GET requests that
 * carry the configured credential and turn the server's `{error, code}`
 * answers back into catalogue errors.
 */
import type { Config } from '../config/load.ts';
import { errorCatalogue, ModelgateError, type ErrorCode } from '../lib/errors.ts';
import { authHeaders } from './security-client.ts';

/** GETs `/api/v1…` on the configured server; a non-2xx answer throws its catalogue error. */
export async function serverGet(config: Config, path: string): Promise<Response> {
  const base = (config.url ?? '').replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1${path}`, { headers: authHeaders(config) });
  } catch (err) {
    throw new ModelgateError('MG_UNAVAILABLE', { detail: `cannot reach ${base}: ${(err as Error).message}` }, { cause: err });
  }
  if (res.ok) return res;
  const text = await res.text();
  let body: { error?: unknown; code?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = { error: text };
  }
  const code = typeof body.code === 'string' && body.code in errorCatalogue ? (body.code as ErrorCode) : res.status === 404 ? 'MG_NOT_FOUND' : 'MG_INTERNAL';
  const err = new ModelgateError(code, { detail: typeof body.error === 'string' ? body.error : `HTTP ${res.status}`, method: 'GET', url: path });
  if (typeof body.error === 'string') err.message = body.error;
  throw err;
}

export async function serverJson<T>(config: Config, path: string): Promise<T> {
  return (await (await serverGet(config, path)).json()) as T;
}
