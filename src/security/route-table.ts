/**
 * The one table of what each HTTP route requires. A row names the method and
 * the Fastify URL pattern and either `public` or permission templates whose
 * `{model}`, `{alias}` and `{endpoint}` come from the route's parameters (by
 * position, so a plugin may name its parameters as it likes) or, for routes
 * that create something named in the body, from a body field. A route missing
 * from the table fails closed: it requires `model:*:admin`.
 */
import { parsePermission } from './permissions.ts';
import type { Permission } from './permissions.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteRule {
  readonly method: HttpMethod;
  /** Fastify URL pattern; parameter names here are the template variables. */
  readonly url: string;
  /** `public`, or permission templates that must all be granted. */
  readonly requires: 'public' | readonly string[];
  /** Template variables taken from a body field when the route has no such parameter. */
  readonly body?: Readonly<Record<string, string>>;
  /** One line for docs/security.md. */
  readonly doc: string;
  /** A suffix cut from a parameter's value before it names something (KServe V1's `{name}:predict` segment). */
  readonly suffix?: Readonly<Record<string, string>>;
}

export type Requirement =
  | { readonly kind: 'public' }
  | { readonly kind: 'permissions'; readonly all: readonly Permission[] };

const V1 = '/api/v1';
const MODEL = `${V1}/models/:model`;
const VERSION = `${MODEL}/versions/:version`;
const ENDPOINT = `${V1}/endpoints/:endpoint`;
const ROLLOUT = `${ENDPOINT}/rollouts/:rollout`;
const read = ['model:{model}:read'];
const readAll = ['model:*:read'];
const write = ['model:{model}:write'];
const approve = ['model:{model}:approve'];
const admin = ['model:*:admin'];
const predict = ['endpoint:{endpoint}:predict'];
const deploy = ['endpoint:{endpoint}:deploy'];
const aliasSet = ['alias:{alias}:set', 'model:{model}:write'];

function rule(method: HttpMethod, url: string, requires: RouteRule['requires'], doc: string, body?: RouteRule['body'], suffix?: RouteRule['suffix']): RouteRule {
  return { method, url, requires, doc, ...(body ? { body } : {}), ...(suffix ? { suffix } : {}) };
}

export const ROUTE_TABLE: readonly RouteRule[] = [
  // Data plane: Open Inference Protocol, KServe V1, MLflow. `endpoint` is the served name.
  rule('GET', '/v2', 'public', 'OIP server metadata'),
  rule('GET', '/v2/health/live', 'public', 'liveness'),
  rule('GET', '/v2/health/ready', 'public', 'readiness'),
  rule('GET', '/v2/models/:endpoint', predict, 'model metadata'),
  rule('GET', '/v2/models/:endpoint/versions/:version', predict, 'model version metadata'),
  rule('GET', '/v2/models/:endpoint/ready', predict, 'model readiness'),
  rule('GET', '/v2/models/:endpoint/versions/:version/ready', predict, 'model version readiness'),
  rule('POST', '/v2/models/:endpoint/infer', predict, 'inference (JSON or binary tensors)'),
  rule('POST', '/v2/models/:endpoint/versions/:version/infer', predict, 'inference on a pinned version'),
  rule('POST', '/v1/models/:endpoint::predict', predict, 'KServe V1 prediction'),
  // The router cannot split `{name}:predict` inside one segment, so the V1 plugin registers the whole segment.
  rule('POST', '/v1/models/:endpoint', predict, 'KServe V1 prediction (`{name}:predict` in one segment)', undefined, { endpoint: ':predict' }),
  rule('POST', '/endpoints/:endpoint/invocations', predict, 'MLflow scoring'),
  rule('GET', '/metrics', readAll, 'Prometheus metrics'),
  rule('GET', `${V1}/openapi.json`, 'public', 'OpenAPI document'),

  // Registry
  rule('GET', `${V1}/models`, readAll, 'list models'),
  rule('POST', `${V1}/models`, write, 'create a model', { model: 'name' }),
  rule('GET', MODEL, read, 'show a model'),
  rule('PATCH', MODEL, write, 'update description or tags'),
  rule('DELETE', MODEL, ['model:{model}:admin'], 'delete a model'),
  rule('GET', `${MODEL}/versions`, read, 'list versions'),
  rule('POST', `${MODEL}/versions`, write, 'register a version'),
  rule('GET', `${MODEL}/compare`, read, 'compare versions'),
  rule('GET', VERSION, read, 'show a version'),
  rule('PATCH', VERSION, write, 'update version metadata'),
  rule('DELETE', VERSION, ['model:{model}:admin'], 'delete a version'),
  rule('GET', `${VERSION}/artifact`, read, 'download the artifact'),
  rule('POST', `${VERSION}/archive`, write, 'archive a version'),
  rule('GET', `${VERSION}/approvals`, read, 'list approvals'),
  rule('POST', `${VERSION}/approvals`, approve, 'approve or reject a version for an alias'),
  rule('GET', `${VERSION}/evaluations`, read, 'list evaluations'),
  rule('POST', `${VERSION}/evaluations`, write, 'store an evaluation'),
  rule('GET', `${MODEL}/aliases/:alias`, read, 'resolve an alias'),
  rule('PUT', `${MODEL}/aliases/:alias`, aliasSet, 'move an alias'),
  rule('DELETE', `${MODEL}/aliases/:alias`, aliasSet, 'remove an alias'),
  rule('GET', `${MODEL}/history`, read, 'registry history'),
  rule('POST', `${V1}/gc`, admin, 'garbage-collect versions and blobs'),

  // Rollout
  rule('GET', `${V1}/endpoints`, readAll, 'list endpoints'),
  rule('POST', `${V1}/endpoints`, deploy, 'create an endpoint', { endpoint: 'name' }),
  rule('GET', ENDPOINT, readAll, 'show an endpoint'),
  rule('DELETE', ENDPOINT, deploy, 'delete an endpoint'),
  rule('GET', `${ENDPOINT}/rollouts`, readAll, 'list rollouts'),
  rule('POST', `${ENDPOINT}/rollouts`, [...deploy, 'model:{model}:deploy'], 'start a rollout of a model version', { model: 'model' }),
  rule('GET', ROLLOUT, readAll, 'show a rollout'),
  rule('POST', `${ROLLOUT}/promote`, deploy, 'promote a rollout'),
  rule('POST', `${ROLLOUT}/abort`, deploy, 'abort a rollout'),
  rule('POST', `${ROLLOUT}/pause`, deploy, 'pause a rollout'),
  rule('POST', `${ROLLOUT}/resume`, deploy, 'resume a rollout'),
  rule('POST', `${ROLLOUT}/:action`, deploy, 'promote, abort, pause or resume a rollout (the verb as a parameter)'),
  rule('POST', `${ENDPOINT}/rollback`, deploy, 'roll back to the previous stable version'),
  rule('GET', `${ENDPOINT}/metrics`, readAll, 'live metrics of an endpoint'),
  rule('GET', `${ENDPOINT}/drift`, readAll, 'drift of an endpoint'),
  // The prediction log holds customers' request data: reading it is for those who run the endpoint.
  rule('GET', `${ENDPOINT}/predictions`, [...deploy, 'model:*:read'], 'export the prediction log of an endpoint'),

  // Monitoring, experiments, alerts
  rule('POST', `${V1}/feedback`, predict, 'send delayed labels', { endpoint: 'endpoint' }),
  rule('GET', `${V1}/experiments`, readAll, 'list experiments'),
  rule('POST', `${V1}/experiments`, deploy, 'start an experiment', { endpoint: 'endpoint' }),
  rule('GET', `${V1}/status`, readAll, 'live status of every endpoint and version'),
  rule('GET', `${V1}/alerts`, readAll, 'list alert rules and their state'),
  // Alert rules can run commands, so changing them is an administrator's job.
  rule('POST', `${V1}/alerts`, admin, 'create an alert rule'),
  rule('PUT', `${V1}/alerts/:alert`, admin, 'replace an alert rule'),
  rule('DELETE', `${V1}/alerts/:alert`, admin, 'delete an alert rule'),

  // Security and compliance
  rule('GET', `${V1}/audit`, admin, 'list audit entries'),
  rule('GET', `${V1}/audit/verify`, admin, 'verify the audit chain'),
  rule('GET', `${V1}/audit/export`, admin, 'export the audit log'),
  rule('GET', `${V1}/keys`, admin, 'list API keys (prefixes only)'),
  rule('POST', `${V1}/keys`, admin, 'create an API key'),
  rule('DELETE', `${V1}/keys/:prefix`, admin, 'revoke an API key'),
  rule('GET', `${V1}/compliance`, readAll, 'compliance report'),
];

/** `/a/:x/b::verb` → its parameter names in order; `::` is Fastify's escaped literal colon. */
function paramNames(url: string): string[] {
  return [...url.replaceAll('::', '\u0000').matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
}

/** The URL with parameter names erased, so rows match routes whose parameters are named differently. */
function shape(url: string): string {
  return url.replaceAll('::', '\u0000').replace(/:[A-Za-z_][A-Za-z0-9_]*/g, ':').replaceAll('\u0000', '::');
}

const byShape = new Map<string, RouteRule>(ROUTE_TABLE.map((r) => [`${r.method} ${shape(r.url)}`, r]));
if (byShape.size !== ROUTE_TABLE.length) throw new Error('route table has two rows for one route');

/** The table row for a route, or undefined when the table does not list it. */
export function findRoute(method: string, routeUrl: string): RouteRule | undefined {
  const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  return byShape.get(`${m} ${shape(routeUrl)}`);
}

const FAIL_CLOSED: Requirement = { kind: 'permissions', all: [parsePermission('model:*:admin')] };
const PUBLIC: Requirement = { kind: 'public' };

/** A route's requirement as a function of its parameters and body, prepared once per route. */
export type CompiledRequirement = (params?: Readonly<Record<string, unknown>>, body?: unknown) => Requirement;

/**
 * Prepares the requirement of one registered route (`method` and `routeUrl`
 * as Fastify has them) so a request pays only for filling in names: the row
 * lookup and parameter mapping happen here, routes with no name in their
 * templates get a constant, and filled requirements are remembered per name.
 */
export function compileRequirement(method: string, routeUrl: string): CompiledRequirement {
  const row = findRoute(method, routeUrl);
  if (!row) return () => FAIL_CLOSED;
  if (row.requires === 'public') return () => PUBLIC;
  const templates = row.requires;
  const actual = paramNames(routeUrl);
  // [template variable, request parameter, suffix to cut]
  const fromParams = paramNames(row.url).map((name, i) => [name, actual[i] ?? name, row.suffix?.[name]] as const)
    .filter(([name]) => templates.some((t) => t.includes(`{${name}}`)));
  const fromBody = Object.entries(row.body ?? {}).filter(([name]) => templates.some((t) => t.includes(`{${name}}`)));
  if (fromParams.length === 0 && fromBody.length === 0) {
    const constant: Requirement = { kind: 'permissions', all: templates.map((t) => fillTemplate(t, new Map())) };
    return () => constant;
  }
  const memo = new Map<string, Requirement>();
  // Bounded: names come from requests, so an attacker could otherwise grow it without end.
  const remember = (key: string, requirement: Requirement): Requirement => {
    if (memo.size >= 1024) memo.clear();
    memo.set(key, requirement);
    return requirement;
  };
  if (fromParams.length === 1 && fromBody.length === 0) {
    // The common case, one named thing from the path (the endpoint of a prediction): a memo hit builds nothing.
    const [name, param, suffix] = fromParams[0];
    return (params = {}) => {
      let value = params[param];
      if (typeof value === 'string' && suffix !== undefined && value.endsWith(suffix)) value = value.slice(0, -suffix.length);
      const key = typeof value === 'string' ? value : '';
      return memo.get(key) ?? remember(key, { kind: 'permissions', all: templates.map((t) => fillTemplate(t, key === '' ? new Map() : new Map([[name, key]]))) });
    };
  }
  return (params = {}, body) => {
    const vars = new Map<string, string>();
    for (const [name, param, suffix] of fromParams) {
      let value = params[param];
      if (typeof value === 'string' && suffix !== undefined && value.endsWith(suffix)) value = value.slice(0, -suffix.length);
      if (typeof value === 'string' && value !== '') vars.set(name, value);
    }
    for (const [name, field] of fromBody) {
      const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
      if (!vars.has(name) && typeof value === 'string' && value !== '') vars.set(name, value);
    }
    const key = [...vars].map(([k, v]) => `${k}=${v}`).join('\u0000');
    return memo.get(key) ?? remember(key, { kind: 'permissions', all: templates.map((t) => fillTemplate(t, vars)) });
  };
}

/**
 * What a request needs: `method` and `routeUrl` are Fastify's (the pattern,
 * not the path), `params` the matched parameters, `body` the parsed body for
 * routes that take a name from it. A variable with no value becomes `*`, the
 * strictest reading (only a wildcard grant covers it).
 */
export function requirementFor(
  method: string,
  routeUrl: string,
  params: Readonly<Record<string, unknown>> = {},
  body?: unknown,
): Requirement {
  return compileRequirement(method, routeUrl)(params, body);
}

/** Whether the row takes a name from the request body (so authorisation waits for the parsed body). */
export function needsBody(method: string, routeUrl: string): boolean {
  const row = findRoute(method, routeUrl);
  return row !== undefined && row.requires !== 'public' && row.body !== undefined;
}

function fillTemplate(template: string, vars: ReadonlyMap<string, string>): Permission {
  const [resource, name, action] = template.split(':');
  const variable = /^\{(\w+)\}$/.exec(name)?.[1];
  const given = variable === undefined ? name : vars.get(variable);
  // A request never names a wildcard: a parameter holding `*` is taken as the widest name.
  const value = given === undefined || given.includes('*') ? '*' : given;
  try {
    return parsePermission(`${resource}:${value}:${action}`);
  } catch {
    // A parameter that is not a valid name (e.g. `fraud*`, upper case) can only be covered by a wildcard grant.
    return parsePermission(`${resource}:*:${action}`);
  }
}

/** The table as text rows for docs/security.md: method, URL, requirement. */
export function routeTableRows(): readonly (readonly [string, string, string, string])[] {
  return ROUTE_TABLE.map((r) => [r.method, r.url, r.requires === 'public' ? 'public' : r.requires.join(' + '), r.doc]);
}
