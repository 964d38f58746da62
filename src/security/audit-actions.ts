/**
 * How a request reads in the audit log: an `area.verb` action and a target
 * naming what was acted on (`model:fraud/version:3/alias:production`), both
 * derived from the route table row, so a new route gets a sensible entry
 * without touching this file.
 */
import { findRoute } from './route-table.ts';

const ACTIONS: Readonly<Record<string, string>> = {
  'POST /api/v1/models': 'model.create',
  'PATCH /api/v1/models/:model': 'model.update',
  'DELETE /api/v1/models/:model': 'model.delete',
  'POST /api/v1/models/:model/versions': 'version.register',
  'PATCH /api/v1/models/:model/versions/:version': 'version.update',
  'DELETE /api/v1/models/:model/versions/:version': 'version.delete',
  'POST /api/v1/models/:model/versions/:version/archive': 'version.archive',
  'POST /api/v1/models/:model/versions/:version/approvals': 'version.approve',
  'POST /api/v1/models/:model/versions/:version/evaluations': 'evaluation.store',
  'PUT /api/v1/models/:model/aliases/:alias': 'alias.set',
  'DELETE /api/v1/models/:model/aliases/:alias': 'alias.remove',
  'POST /api/v1/gc': 'registry.gc',
  'POST /api/v1/endpoints': 'endpoint.create',
  'DELETE /api/v1/endpoints/:endpoint': 'endpoint.delete',
  'POST /api/v1/endpoints/:endpoint/rollouts': 'rollout.start',
  'POST /api/v1/endpoints/:endpoint/rollback': 'rollout.rollback',
  'POST /api/v1/feedback': 'feedback.send',
  'POST /api/v1/experiments': 'experiment.start',
  'POST /api/v1/alerts': 'alert.create',
  'PUT /api/v1/alerts/:alert': 'alert.replace',
  'DELETE /api/v1/alerts/:alert': 'alert.delete',
  'POST /api/v1/keys': 'key.create',
  'DELETE /api/v1/keys/:prefix': 'key.revoke',
};

/** Parameter name in the table → the word used in targets. */
const TARGET_WORDS: Readonly<Record<string, string>> = { model: 'model', version: 'version', alias: 'alias', endpoint: 'endpoint', rollout: 'rollout', alert: 'alert', prefix: 'key' };

function paramNames(url: string): string[] {
  return [...url.replaceAll('::', '\u0000').matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
}

export interface AuditDescription {
  readonly action: string;
  readonly target: string;
}

/**
 * The action and target of a request on route `routeUrl` (Fastify's pattern)
 * with its matched params and parsed body. Data-plane calls are
 * `endpoint.predict`; routes without a named action read `http.<method>`.
 */
export function describeRequest(method: string, routeUrl: string, params: Readonly<Record<string, unknown>>, body?: unknown): AuditDescription {
  const row = findRoute(method, routeUrl);
  const tableUrl = row?.url ?? routeUrl;
  const verb = /\/rollouts\/:[^/]+\/(promote|abort|pause|resume)$/.exec(tableUrl)?.[1];
  const action = ACTIONS[`${method.toUpperCase()} ${tableUrl}`]
    ?? (verb ? `rollout.${verb}` : undefined)
    ?? (row?.requires !== 'public' && row?.requires.some((t) => t.endsWith(':predict')) ? 'endpoint.predict' : `http.${method.toLowerCase()}`);
  const actual = paramNames(routeUrl);
  const parts: string[] = [];
  paramNames(tableUrl).forEach((name, i) => {
    let value = params[actual[i] ?? name];
    const suffix = row?.suffix?.[name];
    if (typeof value === 'string' && suffix && value.endsWith(suffix)) value = value.slice(0, -suffix.length);
    if (typeof value === 'string') parts.push(`${TARGET_WORDS[name] ?? name}:${value}`);
  });
  for (const [name, field] of Object.entries(row?.body ?? {})) {
    const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
    if (typeof value === 'string' && !parts.some((p) => p.startsWith(`${name}:`))) parts.push(`${TARGET_WORDS[name] ?? name}:${value}`);
  }
  if (parts.length === 0) parts.push(tableUrl.replace(/^\/api\/v1\//, ''));
  return { action, target: parts.join('/') };
}
