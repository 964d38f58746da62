/**
 * The fast path: Open Inference Protocol V2 inference
 * (`POST /v2/models/{name}[/versions/{v}]/infer`, JSON or binary tensors)
 * served on node:http directly, in front of Fastify. At thousands of
 * single-row requests a second, Fastify's per-request machinery (routing,
 * request and reply objects, hook runners, the content-type parser, reply
 * serialisation) cost more server CPU than everything modelgate adds
 * (bench/serving); this path keeps the hot route to what it needs.
 *
 * It is the Fastify route's twin, not a second implementation: it runs the
 * same steps in the same order, through the same functions: the monitoring
 * calls, the route's security guards, the body reader and JSON parser,
 * `inferV2`, and the data-plane error answer. Anything it does not take
 * (another method, path, query string, escaped name or content type) goes
 * to Fastify unchanged, which answers it as before.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { GuardedReply, GuardedRequest, GuardsFor } from '../security/guards.ts';
import type { Principal } from '../security/principal.ts';
import { ModelgateError } from '../lib/errors.ts';
import { binaryHeaderLength, errorAnswer, parseJson, readBody, type DataPlaneReply, type DataPlaneRequest, type RequestMonitoring } from './http-common.ts';
import { inferV2 } from './http-v2.ts';
import type { Router } from './router.ts';
import { headerLengthName, type V2Response } from './v2-binary.ts';

/** Takes a request and answers it (true), or leaves it untouched for Fastify (false). */
export type FastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface FastPathOptions {
  readonly router: Router;
  readonly bodyLimit: number;
  readonly guardsFor: GuardsFor;
  readonly monitoring: RequestMonitoring | null;
  readonly log: FastifyBaseLogger;
  /** Who a request without credentials acts as (the configured user), as Fastify's request decoration has it. */
  readonly actor: string;
}

const PREFIX = '/v2/models/';
const SUFFIX = '/infer';
const VERSIONS = '/versions/';
/** The V2 route's parameter limits (http-v2.ts). */
const MAX_NAME = 256;
const MAX_VERSION = 64;

interface Params {
  readonly name: string;
  readonly v?: string;
}

/** The route parameters of a V2 inference path the fast path takes: plain segments only (no escapes, no query). */
function paramsOf(url: string): Params | undefined {
  if (!url.startsWith(PREFIX) || !url.endsWith(SUFFIX) || url.includes('%')) return undefined;
  const end = url.length - SUFFIX.length;
  const slash = url.indexOf('/', PREFIX.length);
  if (slash === end) {
    const name = url.slice(PREFIX.length, end);
    return name !== '' && name.length <= MAX_NAME ? { name } : undefined;
  }
  // {name}/versions/{v}: exactly two more segments.
  const name = url.slice(PREFIX.length, slash);
  const v = url.slice(slash + VERSIONS.length, end);
  if (name === '' || name.length > MAX_NAME || !url.startsWith(VERSIONS, slash) || v === '' || v.length > MAX_VERSION || v.includes('/')) return undefined;
  return { name, v };
}

/** How the data plane reads a body of this content type (as the Fastify parsers do); undefined: Fastify's to answer. */
function bodyKind(contentType: string | undefined): 'json' | 'bytes' | undefined {
  if (contentType === 'application/json') return 'json';
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json' ? 'json' : type === 'application/octet-stream' ? 'bytes' : undefined;
}

/** One request, in the shape the shared data-plane helpers and security guards read. */
class FastRequest implements DataPlaneRequest, GuardedRequest {
  readonly method = 'POST';
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly params: Params;
  readonly id = '';
  readonly log: FastifyBaseLogger;
  body: unknown = undefined;
  /** Set by the onRequest guard before anything reads it. */
  principal!: Principal;
  actor: string;

  readonly #req: IncomingMessage;

  constructor(req: IncomingMessage, params: Params, actor: string, log: FastifyBaseLogger) {
    this.#req = req;
    this.url = req.url!;
    this.headers = req.headers;
    this.params = params;
    this.actor = actor;
    this.log = log;
  }

  /** Read only by rate limits keyed by address. */
  get ip(): string {
    return this.#req.socket.remoteAddress ?? '';
  }
}

/** Its answer: status and headers gathered, then written in one writeHead. */
class FastReply implements DataPlaneReply, GuardedReply {
  readonly request: FastRequest;
  statusCode = 200;
  readonly outgoing: Record<string, string> = {};
  readonly #started = performance.now();

  constructor(request: FastRequest) {
    this.request = request;
  }

  get elapsedTime(): number {
    return performance.now() - this.#started;
  }

  header(name: string, value: string): this {
    this.outgoing[name] = value;
    return this;
  }

  headers(values: Record<string, string>): this {
    Object.assign(this.outgoing, values);
    return this;
  }
}

const noop = (): void => {};

/** The fast path over a data plane's router, with the V2 routes' security guards and the monitoring calls. */
export function fastPath(options: FastPathOptions): FastPath {
  const { router, bodyLimit, monitoring, log, actor } = options;
  const unpinned = options.guardsFor('POST', '/v2/models/:name/infer');
  const pinned = options.guardsFor('POST', '/v2/models/:name/versions/:v/infer');

  return (req, res) => {
    if (req.method !== 'POST') return false;
    const params = paramsOf(req.url!);
    const kind = params === undefined ? undefined : bodyKind(req.headers['content-type']);
    if (params === undefined || kind === undefined) return false;
    const guards = params.v === undefined ? unpinned : pinned;
    const request = new FastRequest(req, params, actor, log);
    const reply = new FastReply(request);

    const send = (status: number, contentType: string, body: string | Buffer): void => {
      reply.statusCode = status;
      reply.outgoing['content-type'] = contentType;
      reply.outgoing['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
      res.writeHead(status, reply.outgoing);
      res.end(body);
      monitoring?.end(request, reply);
      guards.onResponse?.(request, reply, noop);
    };
    const fail = (err: unknown): void => {
      const mg = errorAnswer(err, bodyLimit, reply);
      send(mg.status, 'application/json; charset=utf-8', JSON.stringify({ error: mg.message }));
    };
    const answer = (response: V2Response): void => {
      if (response.kind === 'json') return send(200, 'application/json; charset=utf-8', response.body);
      reply.header(headerLengthName, String(response.headerLength));
      send(200, 'application/octet-stream', response.body);
    };
    // The last resort for a failure while answering (a bug, or a header Node refuses to write): logged, and a 500
    // when nothing was sent yet; never an uncaught exception that would take the worker down.
    const broken = (err: unknown): void => {
      log.error({ err }, 'inference request failed on the fast path');
      if (res.headersSent) return void res.destroy();
      const body = JSON.stringify({ error: new ModelgateError('MG_INTERNAL', { detail: 'see the server log' }).message });
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) }).end(body);
    };
    const infer = (err?: Error): void => {
      if (err !== undefined) return fail(err);
      inferV2(router, reply, params.name, params.v).then(answer, fail).catch(broken);
    };
    const parsed = (err: Error | null, body?: Buffer): void => {
      try {
        if (err !== null) return fail(err);
        try {
          // The binary extension sends a JSON header followed by raw bytes: the codec splits it.
          request.body = kind === 'json' && req.headers[headerLengthName] === undefined ? parseJson(body!) : body;
        } catch (e) {
          return fail(e);
        }
        if (guards.preValidation === undefined) return infer();
        guards.preValidation(request, reply, infer);
      } catch (e) {
        broken(e);
      }
    };

    try {
      monitoring?.begin(request, reply);
      guards.onRequest(request, reply, (err) => {
        try {
          if (err !== undefined) return fail(err);
          readBody(req, bodyLimit, binaryHeaderLength(req.headers), parsed);
        } catch (e) {
          broken(e);
        }
      });
    } catch (e) {
      broken(e);
    }
    return true;
  };
}
