/**
 * Security on the request path, installed once on the root instance so that
 * every plugin's routes pass through it (hooks run in the route's own
 * context, so data-plane refusals keep the `{error}` shape and control-plane
 * ones `{error, code}`):
 *
 * - onRoute: each route's requirement is compiled once from the route table
 *   and the hooks below are added to that route alone, only those it needs;
 *   routes missing from the table are logged and fail closed.
 * - onRequest: authenticate (API key or JWT), authorise against the route's
 *   requirement, take rate-limit tokens, set `request.actor`.
 * - preValidation: JSON depth and tensor-element limits, and authorisation of
 *   routes that name their target in the body.
 * - onSend: an audit entry for every control-plane state change (allowed,
 *   denied or failed), written before the answer leaves.
 * - onResponse: an audit entry per prediction when configured.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/load.ts';
import { fail } from '../lib/errors.ts';
import { requestHash } from '../security/audit.ts';
import { describeRequest } from '../security/audit-actions.ts';
import { parsePermissions } from '../security/permissions.ts';
import { actorOf, ANONYMOUS, authorize } from '../security/principal.ts';
import type { Principal } from '../security/principal.ts';
import type { Guard, GuardedReply, GuardedRequest, GuardsFor, RouteGuards } from '../security/guards.ts';
import { rateLimitHeaders } from '../security/rate-limit.ts';
import { declaredTensorElements, jsonDeeperThan } from '../security/request-limits.ts';
import { compileRequirement, findRoute, needsBody } from '../security/route-table.ts';
import type { CompiledRequirement, Requirement } from '../security/route-table.ts';
import type { SecurityRuntime } from '../security/runtime.ts';
import type { AuditOutcome } from '../store/security-store.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request was authenticated as; `local` on a server without authentication and no credential. */
    principal: Principal;
  }
}

interface RouteInfo {
  readonly requirement: CompiledRequirement;
  readonly isPublic: boolean;
  readonly needsBody: boolean;
  readonly controlPlane: boolean;
  /** Parameter holding the endpoint name on data-plane routes, and the suffix to cut from it. */
  readonly endpointParam: string | undefined;
  readonly endpointSuffix: string | undefined;
}

export interface SecurityHttpOptions {
  readonly config: Config;
  readonly security: SecurityRuntime;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const routesSeen = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/** Every (method, URL) registered after installSecurity, for the test that no route escapes the table. */
export function securedRoutes(app: FastifyInstance): readonly { method: string; url: string }[] {
  return routesSeen.get(app) ?? [];
}

function routeInfo(method: string, url: string): RouteInfo {
  const row = findRoute(method, url);
  const dataPlane = row !== undefined && row.requires !== 'public' && row.requires.some((t) => t.startsWith('endpoint:{endpoint}:predict')) && !url.startsWith('/api/');
  const firstParam = /:([A-Za-z_][A-Za-z0-9_]*)/.exec(url)?.[1];
  return {
    requirement: compileRequirement(method, url),
    isPublic: row?.requires === 'public',
    needsBody: needsBody(method, url),
    controlPlane: url.startsWith('/api/'),
    endpointParam: dataPlane ? firstParam : undefined,
    endpointSuffix: dataPlane ? row?.suffix?.endpoint : undefined,
  };
}

function credential(request: GuardedRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth !== undefined) return auth;
  const key = request.headers['x-api-key'];
  return typeof key === 'string' ? `ApiKey ${key}` : undefined;
}

function outcomeOf(status: number): AuditOutcome {
  if (status === 401 || status === 403) return 'denied';
  return status < 400 ? 'success' : 'failed';
}

/** The catalogue code of an error answer, read from the serialised body. */
function errorCode(payload: unknown): string | undefined {
  if (typeof payload !== 'string' || payload.length > 16_384) return undefined;
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

function bodyForHash(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  // Multipart uploads are streamed to the handler; their artifact is content-addressed in the registry entry.
  if (typeof (body as { pipe?: unknown }).pipe === 'function') return undefined;
  return JSON.stringify(body);
}

/** A route option's hooks plus one more, in a new array (the HEAD twin of a GET route shares the original). */
function withHook<H>(existing: H | H[] | undefined, hook: H): H[] {
  return existing === undefined ? [hook] : Array.isArray(existing) ? [...existing, hook] : [existing, hook];
}

/**
 * Installs security on the root instance; call before any route is
 * registered. Each route gets only the hooks its row needs, built when the
 * route is registered with its requirement, limits and audit settings bound:
 * a request pays no route lookup, and a GET on the data plane with security
 * off pays one synchronous call. Returns the same guards by route, for the
 * data plane's fast path.
 */
export function installSecurity(app: FastifyInstance, { config, security }: SecurityHttpOptions): GuardsFor {
  const { setup, limits, audit } = security;
  const seen: { method: string; url: string }[] = [];
  routesSeen.set(app, seen);
  // What a server without authentication grants a request that sends no credential: everything.
  const local: Principal = {
    kind: 'local', id: config.user, roles: ['admin'],
    permissions: parsePermissions(['model:*:admin', 'endpoint:*:predict', 'endpoint:*:deploy', 'alias:*:set']),
  };
  const maxDepth = config.server.maxJsonDepth;
  const maxElements = config.server.maxTensorElements;

  app.decorateRequest<Principal | null>('principal', null);

  // What the rate limits are keyed by: the principal (or the caller's address) and, on the data plane, the endpoint.
  const whoOf = (request: GuardedRequest, principal: Principal): string =>
    principal.kind === 'anonymous' ? `ip:${request.ip}` : principal.kind === 'local' ? `local:${request.ip}` : principal.id;
  const endpointOf = (request: GuardedRequest, info: RouteInfo): string | undefined => {
    if (info.endpointParam === undefined) return undefined;
    const value = (request.params as Record<string, unknown>)[info.endpointParam];
    if (typeof value !== 'string') return undefined;
    return info.endpointSuffix && value.endsWith(info.endpointSuffix) ? value.slice(0, -info.endpointSuffix.length) : value;
  };
  // Set on refusals here as well as by the error handlers, so every plugin's error shape carries them.
  const refusalHeaders = (reply: GuardedReply, err: unknown): void => {
    const headers = (err as { context?: { headers?: Record<string, string> } }).context?.headers;
    if (headers) reply.headers(headers);
  };

  const rateLimit = async (request: GuardedRequest, reply: GuardedReply, info: RouteInfo, principal: Principal): Promise<void> => {
    if (!limits) return;
    try {
      const decision = await limits.check(whoOf(request, principal), endpointOf(request, info));
      if (decision.limit > 0) reply.headers(rateLimitHeaders(decision));
    } catch (err) {
      refusalHeaders(reply, err);
      throw err;
    }
  };

  // Requirements a principal was already found to meet (principals and requirements are long-lived objects).
  const granted = new WeakMap<Principal, WeakSet<Requirement>>();
  const authorizeOnce = (principal: Principal, requirement: Requirement): void => {
    let met = granted.get(principal);
    if (met?.has(requirement)) return;
    authorize(principal, requirement);
    if (met === undefined) granted.set(principal, met = new WeakSet());
    met.add(requirement);
  };
  const authorizeEarly = (request: GuardedRequest, info: RouteInfo, principal: Principal): void => {
    if (!info.needsBody) authorizeOnce(principal, info.requirement(request.params as Record<string, unknown>));
    else if (principal.kind === 'anonymous') authorize(principal, info.requirement({}));
  };

  const authenticated = async (request: GuardedRequest, reply: GuardedReply, info: RouteInfo, header: string | undefined): Promise<void> => {
    let principal: Principal;
    if (header !== undefined) {
      principal = await security.authenticate(header);
      request.actor = actorOf(principal);
    } else {
      principal = setup.authRequired ? ANONYMOUS : local;
    }
    request.principal = principal;
    authorizeEarly(request, info, principal);
    await rateLimit(request, reply, info, principal);
  };

  /**
   * The whole onRequest check without waiting, when it can be had: a cached
   * API key (or no credential) and in-process rate limits. False when the
   * async path must run.
   */
  const admitSync = (request: GuardedRequest, reply: GuardedReply, info: RouteInfo, header: string | undefined): boolean => {
    if (limits !== undefined && limits.checkSync === undefined) return false;
    const principal = header === undefined ? (setup.authRequired ? ANONYMOUS : local) : security.authenticate.cached(header);
    if (principal === undefined) return false;
    if (header !== undefined) request.actor = actorOf(principal);
    request.principal = principal;
    authorizeEarly(request, info, principal);
    if (limits?.checkSync !== undefined) {
      try {
        const decision = limits.checkSync(whoOf(request, principal), endpointOf(request, info));
        if (decision.limit > 0) reply.headers(rateLimitHeaders(decision));
      } catch (err) {
        refusalHeaders(reply, err);
        throw err;
      }
    }
    return true;
  };

  // Callback style throughout: no promise per request where nothing is awaited.
  const onRequestFor = (info: RouteInfo): Guard => (request, reply, done) => {
    if (info.isPublic) {
      request.principal = ANONYMOUS;
      return done();
    }
    const header = credential(request);
    if (header === undefined && !setup.authRequired && !limits) {
      request.principal = local;
      return done();
    }
    try {
      if (admitSync(request, reply, info, header)) return done();
    } catch (err) {
      return done(err as Error);
    }
    authenticated(request, reply, info, header).then(() => done(), done);
  };

  const preValidationFor = (info: RouteInfo, method: string): Guard => (request, _reply, done) => {
    try {
      if (info.controlPlane) {
        if (jsonDeeperThan(request.body, maxDepth)) fail('MG_SECURITY_JSON_TOO_DEEP', { limit: maxDepth });
      } else if (method === 'POST') {
        const elements = declaredTensorElements(request.body);
        if (elements > maxElements) fail('MG_SECURITY_TENSOR_TOO_LARGE', { elements, limit: maxElements });
      }
      if (info.needsBody) authorize(request.principal ?? local, info.requirement(request.params as Record<string, unknown>, request.body));
    } catch (err) {
      return done(err as Error);
    }
    done();
  };

  const entryFor = (request: GuardedRequest, url: string, status: number, code: string | undefined) => {
    const { action, target } = describeRequest(request.method, url, (request.params ?? {}) as Record<string, unknown>, request.body);
    return {
      actor: request.actor || actorOf(request.principal ?? ANONYMOUS),
      action, target,
      requestHash: requestHash(request.method, request.url, bodyForHash(request.body)),
      outcome: outcomeOf(status),
      details: code === undefined ? { status } : { status, code },
    };
  };

  const onSendFor = (url: string) => (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: Error | null, payload?: unknown) => void): void => {
    const code = reply.statusCode >= 400 ? errorCode(payload) : undefined;
    // Written before the answer leaves, so a change the caller saw succeed is always in the log.
    audit.append(entryFor(request, url, reply.statusCode, code))
      .catch((err: unknown) => request.log.error({ err }, 'audit entry could not be written'))
      .finally(() => done(null, payload));
  };

  const onResponseFor = (url: string): NonNullable<RouteGuards['onResponse']> => (request, reply, done) => {
    audit.append(entryFor(request, url, reply.statusCode, undefined)).catch((err: unknown) => request.log.error({ err }, 'audit entry could not be written'));
    done();
  };

  const guardsFor: GuardsFor = (method, url) => {
    const info = routeInfo(method, url);
    return {
      onRequest: onRequestFor(info),
      ...(info.controlPlane || method === 'POST' || info.needsBody ? { preValidation: preValidationFor(info, method) } : {}),
      ...(setup.auditPredictions && method === 'POST' && info.endpointParam !== undefined ? { onResponse: onResponseFor(url) } : {}),
    };
  };

  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    for (const method of methods) {
      seen.push({ method, url: route.url });
      if (!findRoute(method, route.url) && method !== 'HEAD') {
        app.log.warn({ method, url: route.url }, 'route is missing from the security route table; it requires model:*:admin');
      }
    }
    // A route registered for several methods gets the hooks of its first; the route table never lists such a route.
    const method = methods[0];
    const guards = guardsFor(method, route.url);
    route.onRequest = withHook(route.onRequest, guards.onRequest);
    if (guards.preValidation) route.preValidation = withHook(route.preValidation, guards.preValidation);
    if (route.url.startsWith('/api/') && !READ_METHODS.has(method)) route.onSend = withHook(route.onSend, onSendFor(route.url));
    if (guards.onResponse) route.onResponse = withHook(route.onResponse, guards.onResponse);
  });
  return guardsFor;
}
