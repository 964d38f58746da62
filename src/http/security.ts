/**
 * Security on the request path, installed once on the root instance so that
 * every plugin's routes pass through it (hooks run in the route's own
 * context, so data-plane refusals keep the `{error}` shape and control-plane
 * ones `{error, code}`):
 *
 * - onRoute: each route's requirement is compiled once from the route table;
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
import { rateLimitHeaders } from '../security/rate-limit.ts';
import { declaredTensorElements, jsonDeeperThan } from '../security/request-limits.ts';
import { compileRequirement, findRoute, needsBody } from '../security/route-table.ts';
import type { CompiledRequirement } from '../security/route-table.ts';
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

function credential(request: FastifyRequest): string | undefined {
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

/** Installs the hooks on the root instance; call before any route is registered. */
export function installSecurity(app: FastifyInstance, { config, security }: SecurityHttpOptions): void {
  const { setup, limits, audit } = security;
  const infos = new Map<string, RouteInfo>();
  const seen: { method: string; url: string }[] = [];
  routesSeen.set(app, seen);
  // What a server without authentication grants a request that sends no credential: everything.
  const local: Principal = {
    kind: 'local', id: config.user, roles: ['admin'],
    permissions: parsePermissions(['model:*:admin', 'endpoint:*:predict', 'endpoint:*:deploy', 'alias:*:set']),
  };
  const maxDepth = config.server.maxJsonDepth;
  const maxElements = config.server.maxTensorElements;

  const infoFor = (method: string, url: string): RouteInfo => {
    const key = `${method} ${url}`;
    let info = infos.get(key);
    if (info === undefined) {
      info = routeInfo(method, url);
      infos.set(key, info);
    }
    return info;
  };

  app.decorateRequest<Principal | null>('principal', null);

  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      seen.push({ method, url: route.url });
      infoFor(method, route.url);
      if (!findRoute(method, route.url) && method !== 'HEAD') {
        app.log.warn({ method, url: route.url }, 'route is missing from the security route table; it requires model:*:admin');
      }
    }
  });

  const rateLimit = async (request: FastifyRequest, reply: FastifyReply, info: RouteInfo, principal: Principal): Promise<void> => {
    if (!limits) return;
    const who = principal.kind === 'anonymous' ? `ip:${request.ip}` : principal.kind === 'local' ? `local:${request.ip}` : principal.id;
    let endpoint: string | undefined;
    if (info.endpointParam !== undefined) {
      const value = (request.params as Record<string, unknown>)[info.endpointParam];
      if (typeof value === 'string') endpoint = info.endpointSuffix && value.endsWith(info.endpointSuffix) ? value.slice(0, -info.endpointSuffix.length) : value;
    }
    try {
      const decision = await limits.check(who, endpoint);
      if (decision.limit > 0) reply.headers(rateLimitHeaders(decision));
    } catch (err) {
      // Set here as well as by the error handlers, so every plugin's error shape carries them.
      const headers = (err as { context?: { headers?: Record<string, string> } }).context?.headers;
      if (headers) reply.headers(headers);
      throw err;
    }
  };

  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    if (url === undefined) return; // no route: the not-found handler answers
    const header = credential(request);
    if (header === undefined && !setup.authRequired && !limits) {
      request.principal = local;
      return;
    }
    const info = infoFor(request.method, url);
    if (info.isPublic) {
      request.principal = ANONYMOUS;
      return;
    }
    let principal: Principal;
    if (header !== undefined) {
      principal = await security.authenticate(header);
      request.actor = actorOf(principal);
    } else {
      principal = setup.authRequired ? ANONYMOUS : local;
    }
    request.principal = principal;
    if (!info.needsBody) authorize(principal, info.requirement(request.params as Record<string, unknown>));
    else if (principal.kind === 'anonymous') authorize(principal, info.requirement({}));
    await rateLimit(request, reply, info, principal);
  });

  // Callback style: no promise per request on the hot path.
  app.addHook('preValidation', (request, _reply, done) => {
    const url = request.routeOptions.url;
    if (url === undefined) return done();
    try {
      const info = infoFor(request.method, url);
      if (info.controlPlane) {
        if (jsonDeeperThan(request.body, maxDepth)) fail('MG_SECURITY_JSON_TOO_DEEP', { limit: maxDepth });
      } else if (request.method === 'POST') {
        const elements = declaredTensorElements(request.body);
        if (elements > maxElements) fail('MG_SECURITY_TENSOR_TOO_LARGE', { elements, limit: maxElements });
      }
      if (info.needsBody) authorize(request.principal ?? local, info.requirement(request.params as Record<string, unknown>, request.body));
    } catch (err) {
      return done(err as Error);
    }
    done();
  });

  const entryFor = (request: FastifyRequest, status: number, code: string | undefined) => {
    const url = request.routeOptions.url ?? request.url;
    const { action, target } = describeRequest(request.method, url, (request.params ?? {}) as Record<string, unknown>, request.body);
    return {
      actor: request.actor || actorOf(request.principal ?? ANONYMOUS),
      action, target,
      requestHash: requestHash(request.method, request.url, bodyForHash(request.body)),
      outcome: outcomeOf(status),
      details: code === undefined ? { status } : { status, code },
    };
  };

  app.addHook('onSend', (request, reply, payload, done) => {
    const url = request.routeOptions.url;
    if (READ_METHODS.has(request.method) || url === undefined || !url.startsWith('/api/')) return done(null, payload);
    const code = reply.statusCode >= 400 ? errorCode(payload) : undefined;
    // Written before the answer leaves, so a change the caller saw succeed is always in the log.
    audit.append(entryFor(request, reply.statusCode, code))
      .catch((err: unknown) => request.log.error({ err }, 'audit entry could not be written'))
      .finally(() => done(null, payload));
  });

  if (setup.auditPredictions) {
    app.addHook('onResponse', async (request, reply) => {
      const url = request.routeOptions.url;
      if (request.method !== 'POST' || url === undefined || infoFor('POST', url).endpointParam === undefined) return;
      audit.append(entryFor(request, reply.statusCode, undefined)).catch((err: unknown) => request.log.error({ err }, 'audit entry could not be written'));
    });
  }
}
