/**
 * What every data-plane route shares, installed once in the data plane's own
 * encapsulated context: body parsers that hand the codecs what they need (a
 * parsed JSON value, the raw Buffer for the binary tensor extension, CSV
 * text), and an error handler that answers in the data-plane shape
 * `{"error": "…"}` with the catalogue status (and Retry-After on 503); and
 * the traffic policy every protocol follows (V2, V1 and MLflow alike):
 * pinned version, or a weighted or sticky pick, and the shadow mirror.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { isModelgateError, ModelgateError } from '../lib/errors.ts';
import type { RequestMonitor } from '../monitoring/request-monitor.ts';
import type { Protocol, VersionRole } from '../monitoring/windows.ts';
import type { NamedTensor } from '../runtime/tensor.ts';
import { queueTimeOf } from './batcher.ts';
import { installLazyRequestLogger } from './request-logger.ts';
import { stickyKeyOf, type EndpointRoutes, type Route, type Router } from './router.ts';
import { mirrorLater } from './shadow.ts';
import { headerLengthName } from './v2-binary.ts';

/**
 * What the data-plane helpers read and mark on one request: Fastify's
 * request, or the fast path's (fast-path.ts), which serves OIP V2 inference
 * on node:http directly.
 */
export interface DataPlaneRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  readonly params: unknown;
  readonly id: string;
  readonly log: FastifyBaseLogger;
}

/** What the data-plane helpers set on one answer (Fastify's reply, or the fast path's). */
export interface DataPlaneReply {
  readonly request: DataPlaneRequest;
  readonly statusCode: number;
  /** Milliseconds since the request arrived. */
  readonly elapsedTime: number;
  header(name: string, value: string): unknown;
}

/** The body parsed as JSON; one that does not parse is a 400 naming the parser's complaint. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ModelgateError('MG_INFERENCE_INVALID_REQUEST', { detail: `the body is not valid JSON (${(err as Error).message})` }, { cause: err });
  }
}

/** The binary extension's JSON header length, or 0 for a plain body (a bad value is the codec's to refuse). */
export function binaryHeaderLength(headers: IncomingHttpHeaders): number {
  const n = Number(headers[headerLengthName]);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

type BodyDone = (err: Error | null, body?: Buffer) => void;

/** One buffer holding the chunks, placed so that the bytes after a binary extension header of `headerLength` start 8-byte aligned. */
function assemble(chunks: readonly Buffer[], total: number, headerLength: number): Buffer {
  if (headerLength === 0) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  const pad = (8 - (headerLength % 8)) % 8;
  const out = Buffer.allocUnsafeSlow(pad + total);
  let at = pad;
  for (const chunk of chunks) at += chunk.copy(out, at);
  return out.subarray(pad);
}

/**
 * Reads a request body into one buffer, placed so that the bytes after the
 * binary extension's JSON header start 8-byte aligned: the tensor codecs can
 * then view them as typed arrays without a second copy. Listeners and a
 * callback rather than an async iterator, and left attached once done (a
 * flag ignores what comes after) rather than removed: this runs on every
 * request.
 */
export function readBody(payload: Readable, limit: number, headerLength: number, done: BodyDone): void {
  const chunks: Buffer[] = [];
  let total = 0;
  let finished = false;
  payload.on('data', (chunk: Buffer) => {
    if (finished) return;
    total += chunk.length;
    if (total > limit) {
      finished = true;
      done(new ModelgateError('MG_PAYLOAD_TOO_LARGE', { limit }));
      return;
    }
    chunks.push(chunk);
  });
  payload.on('end', () => {
    if (finished) return;
    finished = true;
    done(null, assemble(chunks, total, headerLength));
  });
  payload.on('error', (err: Error) => {
    if (finished) return;
    finished = true;
    done(err);
  });
}

/** Maps anything thrown while answering a data-plane request to a catalogue error. */
export function toDataPlaneError(err: unknown, bodyLimit: number): ModelgateError {
  if (isModelgateError(err)) return err;
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown; validation?: unknown } | null;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (e?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) return new ModelgateError('MG_PAYLOAD_TOO_LARGE', { limit: bodyLimit }, { cause: err });
  if (e?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return new ModelgateError('MG_UNSUPPORTED_MEDIA_TYPE', { contentType: 'of the request', detail: 'send application/json, application/octet-stream or (for invocations) text/csv' }, { cause: err });
  }
  if (e?.validation !== undefined) return new ModelgateError('MG_INFERENCE_INVALID_REQUEST', { detail: message }, { cause: err });
  if (status >= 400 && status < 500) return new ModelgateError('MG_BAD_REQUEST', { detail: message }, { cause: err });
  return new ModelgateError('MG_INTERNAL', { detail: 'see the server log' }, { cause: err });
}

/** Installs parsers and the error handler on the data plane's instance (encapsulated: the control plane keeps its own). */
export function installDataPlaneHttp(app: FastifyInstance, bodyLimit: number): void {
  installLazyRequestLogger(app);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', (request: FastifyRequest, payload: Readable, done: (err: Error | null, body?: unknown) => void) => {
    readBody(payload, bodyLimit, binaryHeaderLength(request.headers), (err, body) => {
      // The binary extension sends a JSON header followed by raw bytes: the codec splits it.
      if (err !== null || request.headers[headerLengthName] !== undefined) return done(err, body);
      let parsed: unknown;
      try {
        parsed = parseJson(body!);
      } catch (e) {
        return done(e as Error);
      }
      done(null, parsed);
    });
  });
  app.addContentTypeParser('application/octet-stream', (request: FastifyRequest, payload: Readable, done: BodyDone) =>
    readBody(payload, bodyLimit, binaryHeaderLength(request.headers), done));
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((err: unknown, _request: FastifyRequest, reply: FastifyReply) => {
    const mg = errorAnswer(err, bodyLimit, reply);
    return reply.status(mg.status).send({ error: mg.message });
  });
}

/** The catalogue error a data-plane failure answers with: logged when it is the server's fault, Retry-After set on 503. */
export function errorAnswer(err: unknown, bodyLimit: number, reply: DataPlaneReply): ModelgateError {
  const mg = toDataPlaneError(err, bodyLimit);
  if (mg.status >= 500 && mg.status !== 503) reply.request.log.error({ err }, 'inference failed');
  if (mg.status === 503) reply.header('retry-after', String(mg.context.retryAfter ?? 1));
  return mg;
}

/** A request's place in the traffic policy: the route that answers it, and the endpoint's routes when it was not pinned. */
export interface Routed {
  readonly route: Route;
  /** null for a pinned request (`/versions/{v}`), which is never mirrored. */
  readonly routes: EndpointRoutes | null;
}

/**
 * Routes one inference request: pinned to `version` when given, else by the
 * endpoint's weights, or stickily by its key (the `x-modelgate-key` header,
 * or the policy's request field in a JSON body). Names the version that
 * answers in the response headers.
 */
export function routeRequest(router: Router, reply: DataPlaneReply, name: string, version: string | undefined): Routed {
  const request = reply.request;
  let routed: Routed;
  if (version !== undefined) routed = { route: router.routeVersion(name, version), routes: null };
  else {
    const routes = router.endpoint(name);
    routed = { route: routes.pick(stickyKeyOf(request.headers, request.body, routes.stickyField)), routes };
  }
  versionHeaders(reply, routed.route);
  return routed;
}

/**
 * Runs the request on its route; when the stable answered an unpinned
 * request, mirrors it to the shadow (per the mirror percentage) once the
 * answer is on its way. Hands inputs and outputs to monitoring.
 */
export async function runRouted(router: Router, reply: DataPlaneReply, routed: Routed, inputs: NamedTensor[], outputs: readonly string[]): Promise<NamedTensor[]> {
  const { route, routes } = routed;
  const started = performance.now();
  const answer = await route.run(inputs, outputs);
  const shadow = routes !== null && route === routes.stable ? routes.mirror() : null;
  if (shadow !== null) mirrorLater(router.shadows, shadow, inputs, answer, performance.now() - started);
  observeIo(reply, inputs, answer);
  return answer;
}

/** What the monitoring hook reads off a request once it is answered (set by the handlers). */
interface Observed {
  /** The `x-request-id` sent back (set by the monitoring hook when monitoring is on). */
  requestId?: string;
  route?: Route;
  inputs?: readonly NamedTensor[];
  outputs?: readonly NamedTensor[];
}
const kObserved = Symbol('modelgate.observed');
type Observable = DataPlaneRequest & { [kObserved]?: Observed };

/** Names the endpoint and version that answered (call right after the lookup, so failures are counted against the version). */
export function versionHeaders(reply: DataPlaneReply, route: Route): void {
  reply.header('x-modelgate-endpoint', route.model.name);
  reply.header('x-modelgate-version', route.model.version);
  const request = reply.request as Observable;
  const seen = request[kObserved];
  if (seen === undefined) request[kObserved] = { route };
  else seen.route = route;
}

/** Hands the decoded inputs and the outputs to monitoring (feature sample, prediction log). */
export function observeIo(reply: DataPlaneReply, inputs: readonly NamedTensor[], outputs: readonly NamedTensor[]): void {
  const request = reply.request as Observable;
  const seen = (request[kObserved] ??= {});
  seen.inputs = inputs;
  seen.outputs = outputs;
}

const protocolOf = (url: string): Protocol => (url.startsWith('/v2/') ? 'v2' : url.startsWith('/v1/') ? 'v1' : 'mlflow');

function endpointOf(request: DataPlaneRequest): string {
  const p = request.params as { name?: unknown; target?: unknown } | undefined;
  if (typeof p?.name === 'string') return p.name;
  if (typeof p?.target === 'string') return p.target.endsWith(':predict') ? p.target.slice(0, -8) : p.target;
  return '';
}

/** Generated request ids: unique per process start (random prefix) and cheap per request (a counter), unlike a UUID each. */
function requestIds(): () => string {
  const prefix = randomBytes(8).toString('hex');
  let next = 0;
  return () => `${prefix}-${(++next).toString(36)}`;
}

const roleOf = (route: Route, version: number): VersionRole =>
  route.endpoint.version === version ? 'stable' : route.endpoint.policy.candidate?.version === version ? 'candidate' : 'pinned';

/** A caller's `x-request-id` that is echoed back: visible ASCII, at most 128 characters; anything else gets a generated id. */
const SAFE_ID = /^[\x21-\x7e]{1,128}$/;

/** The monitoring calls around one inference request: `begin` as it arrives, `end` once it is answered (success or error). */
export interface RequestMonitoring {
  begin(request: DataPlaneRequest, reply: DataPlaneReply): void;
  end(request: DataPlaneRequest, reply: DataPlaneReply): void;
}

/**
 * Echoes or assigns `x-request-id` on inference requests, and after each
 * answered inference request makes one monitoring call.
 */
export function requestMonitoring(monitor: RequestMonitor): RequestMonitoring {
  const newId = requestIds();
  return {
    begin(request, reply) {
      const given = request.headers['x-request-id'];
      const requestId = typeof given === 'string' && SAFE_ID.test(given) ? given : newId();
      reply.header('x-request-id', requestId);
      // Kept on the request, so the response hook need not read the header back.
      (request as Observable)[kObserved] = { requestId, route: undefined, inputs: undefined, outputs: undefined };
    },
    end(request, reply) {
      const seen = (request as Observable)[kObserved];
      const route = seen?.route;
      const endpoint = route?.model.name ?? endpointOf(request);
      if (endpoint === '') return;
      const version = route === undefined ? 0 : Number(route.model.version);
      const outputs = seen?.outputs;
      monitor.record({
        endpoint, version, protocol: protocolOf(request.url), status: reply.statusCode, latencyMs: reply.elapsedTime,
        requestId: seen?.requestId ?? request.id,
        role: route === undefined ? undefined : roleOf(route, version),
        features: route?.model.features ?? null,
        inputs: seen?.inputs, outputs,
        queueMs: outputs === undefined ? undefined : queueTimeOf(outputs),
      });
    },
  };
}

/** Installs the monitoring calls as hooks on the data plane's (encapsulated) instance, for inference requests (POST). */
export function installMonitoring(app: FastifyInstance, monitoring: RequestMonitoring): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method === 'POST') monitoring.begin(request, reply);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.method === 'POST') monitoring.end(request, reply);
    done();
  });
}
