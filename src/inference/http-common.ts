/**
 * What every data-plane route shares, installed once in the data plane's own
 * encapsulated context: body parsers that hand the codecs what they need (a
 * parsed JSON value, the raw Buffer for the binary tensor extension, CSV
 * text), and an error handler that answers in the data-plane shape
 * `{"error": "…"}` with the catalogue status (and Retry-After on 503).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isModelgateError, ModelgateError } from '../lib/errors.ts';
import type { Route } from './router.ts';
import { headerLengthName } from './v2-binary.ts';

function jsonError(err: unknown): ModelgateError {
  return new ModelgateError('MG_INFERENCE_INVALID_REQUEST', { detail: `the body is not valid JSON (${(err as Error).message})` }, { cause: err });
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
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // The binary extension sends a JSON header followed by raw bytes: the codec splits it.
    if (request.headers[headerLengthName] !== undefined) return done(null, body);
    try {
      done(null, JSON.parse((body as Buffer).toString('utf8')));
    } catch (err) {
      done(jsonError(err), undefined);
    }
  });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const mg = toDataPlaneError(err, bodyLimit);
    if (mg.status >= 500 && mg.status !== 503) request.log.error({ err }, 'inference failed');
    if (mg.status === 503) reply.header('retry-after', String(mg.context.retryAfter ?? 1));
    return reply.status(mg.status).send({ error: mg.message });
  });
}

/** Names the endpoint and version that answered. */
export function versionHeaders(reply: FastifyReply, route: Route): void {
  reply.header('x-modelgate-endpoint', route.model.name);
  reply.header('x-modelgate-version', route.model.version);
}
