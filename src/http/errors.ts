/**
 * The control plane's one error handler. Catalogue errors keep their code and
 * status; Fastify's own errors (validation, body limits, JSON syntax,
 * multipart limits) are translated to catalogue codes so clients see one
 * shape, `{error, code}`; anything else is a 500 that is logged with its
 * cause and never explains internals to the caller.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isModelgateError, ModelgateError } from '../lib/errors.ts';

interface ValidationItem {
  readonly instancePath?: string;
  readonly message?: string;
  readonly keyword?: string;
  readonly params?: Record<string, unknown>;
}

type FastifyLikeError = FastifyError & {
  validation?: readonly ValidationItem[];
  validationContext?: string;
};

/** "querystring.limit: must be <= 1000", or "body: unknown property "x"". */
function describeValidation(items: readonly ValidationItem[], context: string): { location: string; detail: string } {
  const first = items[0] ?? {};
  const path = (first.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const location = context === 'querystring' ? 'query' : context;
  let detail: string;
  if (first.keyword === 'additionalProperties' && first.params?.additionalProperty !== undefined) {
    detail = `unknown ${location === 'query' ? 'parameter' : 'property'} "${[path, String(first.params.additionalProperty)].filter(Boolean).join('.')}"`;
  } else if (first.keyword === 'required' && first.params?.missingProperty !== undefined) {
    detail = `"${[path, String(first.params.missingProperty)].filter(Boolean).join('.')}" is required`;
  } else {
    detail = `${path || location} ${first.message ?? 'is invalid'}`;
  }
  return { location, detail };
}

export interface Limits {
  readonly bodyLimit: number;
  readonly maxArtifactBytes: number;
}

/** Maps anything thrown in a request to a catalogue error. */
export function toModelgateError(err: unknown, { bodyLimit, maxArtifactBytes }: Limits): ModelgateError {
  if (isModelgateError(err)) return err;
  const e = err as FastifyLikeError;
  if (e?.validation) return new ModelgateError('MG_VALIDATION_FAILED', describeValidation(e.validation, e.validationContext ?? 'request'), { cause: err });
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ModelgateError('MG_PAYLOAD_TOO_LARGE', { limit: bodyLimit }, { cause: err });
    case 'FST_REQ_FILE_TOO_LARGE':
      return new ModelgateError('MG_REGISTRY_ARTIFACT_TOO_LARGE', { limit: maxArtifactBytes }, { cause: err });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new ModelgateError('MG_UNSUPPORTED_MEDIA_TYPE', { contentType: 'of the request', detail: e.message }, { cause: err });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ModelgateError('MG_BAD_REQUEST', { detail: 'the JSON body is empty' }, { cause: err });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ModelgateError('MG_BAD_REQUEST', { detail: 'the body is not valid JSON' }, { cause: err });
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (err instanceof SyntaxError && status === 400) {
    return new ModelgateError('MG_BAD_REQUEST', { detail: `the body is not valid JSON (${err.message})` }, { cause: err });
  }
  if (status === 413) return new ModelgateError('MG_PAYLOAD_TOO_LARGE', { limit: bodyLimit }, { cause: err });
  if (status >= 400 && status < 500) return new ModelgateError('MG_BAD_REQUEST', { detail: e.message }, { cause: err });
  return new ModelgateError('MG_INTERNAL', { detail: 'see the server log' }, { cause: err });
}

/** Installs the error and not-found handlers on the root instance, so every plugin shares them. */
export function installErrorHandlers(app: FastifyInstance, limits: Limits): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const mg = toModelgateError(err, limits);
    if (mg.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: mg.code, err: mg.message }, 'request refused');
    // Rate limits carry Retry-After and RateLimit-* headers in their context.
    const headers = mg.context.headers;
    if (typeof headers === 'object' && headers !== null) reply.headers(headers as Record<string, string>);
    return reply.status(mg.status).send({ error: mg.message, code: mg.code });
  });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const mg = new ModelgateError('MG_NOT_FOUND', { method: request.method, url: request.url.split('?')[0] });
    return reply.status(404).send({ error: mg.message, code: mg.code });
  });
}
