/**
 * Monitoring routes: `GET /metrics` (Prometheus text), and under /api/v1
 * the status of every endpoint, one endpoint's live metrics and drift, its
 * prediction log export (jsonl, csv, parquet), feedback, and alert rules.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Clock } from '../lib/clock.ts';
import { parseDuration } from '../lib/duration.ts';
import { fail } from '../lib/errors.ts';
import { submitFeedback } from '../monitoring/feedback.ts';
import { collectPredictions, encodeExport, EXPORT_FORMATS, type ExportFormat } from '../monitoring/prediction-export.ts';
import type { MonitoringView } from '../monitoring/view.ts';
import { WINDOW_1M } from '../monitoring/windows.ts';
import type { PredictionStore } from '../store/prediction-store.ts';
import { ErrorBody } from './registry-schemas.ts';

export interface MonitoringRouteOptions {
  readonly view: MonitoringView;
  readonly predictions: PredictionStore;
  readonly clock: Clock;
  readonly feedbackWindowMs: number;
}

const Params = Type.Object({ e: Type.String({ maxLength: 256 }) });
const Any = Type.Unknown();
const errors = { 200: Any, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };
const WindowQuery = Type.Object({ window: Type.Optional(Type.String({ maxLength: 16, description: 'live window, e.g. 1m, 5m, 1h' })) }, { additionalProperties: false });

function windowMs(text: string | undefined): number {
  if (text === undefined) return WINDOW_1M;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0 || ms > 3_600_000) fail('MG_BAD_REQUEST', { detail: 'window must be a duration from 1s to 1h' });
  return ms;
}

const FeedbackItem = Type.Object({
  requestId: Type.String({ minLength: 1, maxLength: 128 }),
  // Typed in submitFeedback rather than here: the validator would coerce a null label to 0.
  label: Type.Optional(Type.Unknown({ description: 'the true class label: a number or a string' })),
  value: Type.Optional(Type.Unknown({ description: 'the true value (regression): a number' })),
}, { additionalProperties: false });

/** `GET /metrics`, registered at the root. */
export const metricsRoute: FastifyPluginAsyncTypebox<{ view: MonitoringView }> = async (app, { view }) => {
  app.get('/metrics', { schema: { tags: ['monitoring'], summary: 'Prometheus metrics (all workers)', hide: true } }, async (_request, reply) => {
    const { contentType, text } = await view.metrics();
    return reply.type(contentType).send(text);
  });
};

export const monitoringRoutes: FastifyPluginAsyncTypebox<MonitoringRouteOptions> = async (app, { view, predictions, clock, feedbackWindowMs }) => {
  app.get('/status', { schema: { tags: ['monitoring'], summary: 'Live status of every endpoint and version', querystring: WindowQuery, response: { 200: Any, 400: ErrorBody, 503: ErrorBody } } },
    async (request) => ({ items: await view.status(undefined, windowMs(request.query.window)) }));

  app.get('/endpoints/:e/metrics', { schema: { tags: ['monitoring'], summary: 'Live windows of one endpoint, per version', params: Params, querystring: WindowQuery, response: { 200: Any, 400: ErrorBody, 503: ErrorBody } } },
    async (request) => ({ endpoint: request.params.e, items: await view.status(request.params.e, windowMs(request.query.window)) }));

  app.get('/endpoints/:e/drift', { schema: { tags: ['monitoring'], summary: 'Latest live drift of one endpoint, per version', params: Params, response: { 200: Any, 503: ErrorBody } } },
    async (request) => ({ endpoint: request.params.e, items: await view.drift(request.params.e) }));

  app.get('/endpoints/:e/predictions', {
    schema: {
      tags: ['monitoring'], summary: 'Export the prediction log of an endpoint', params: Params,
      querystring: Type.Object({
        format: Type.Optional(Type.Union(EXPORT_FORMATS.map((f) => Type.Literal(f)))),
        since: Type.Optional(Type.String({ format: 'date-time' })),
        until: Type.Optional(Type.String({ format: 'date-time' })),
        version: Type.Optional(Type.Integer({ minimum: 1 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
      }, { additionalProperties: false }),
      response: errors,
    },
  }, async (request, reply) => {
    const q = request.query;
    const records = await collectPredictions(predictions, {
      endpoint: request.params.e,
      ...(q.since === undefined ? {} : { since: q.since }),
      ...(q.until === undefined ? {} : { until: q.until }),
      ...(q.version === undefined ? {} : { version: q.version }),
    }, q.limit ?? 100000);
    const format: ExportFormat = q.format ?? 'jsonl';
    const out = encodeExport(records, format);
    reply.header('x-modelgate-records', String(records.length));
    reply.header('content-disposition', `attachment; filename="${request.params.e.replace(/[^\w.-]/g, '_')}-predictions.${format}"`);
    return reply.type(out.contentType).send(out.body);
  });

  app.post('/feedback', {
    schema: {
      tags: ['monitoring'], summary: 'True labels or values for logged predictions (one, or items: [...])',
      body: Type.Union([FeedbackItem, Type.Object({ items: Type.Array(FeedbackItem, { minItems: 1, maxItems: 10000 }) }, { additionalProperties: false })]),
      response: errors,
    },
  }, async (request) => {
    const body = request.body;
    const items = 'items' in body ? body.items : [body];
    const s = await submitFeedback(predictions, clock, feedbackWindowMs, items);
    return { joined: s.joined, unknown: s.unknown, late: s.late };
  });

  app.get('/alerts', { schema: { tags: ['monitoring'], summary: 'Alert rules, active alerts and their history', response: { 200: Any, 503: ErrorBody } } }, async () => view.alerts());

  app.post('/alerts', { schema: { tags: ['monitoring'], summary: 'Add an alert rule (same format as the alerts: config section)', body: Type.Object({}, { additionalProperties: true }), response: { ...errors, 201: Any } } },
    async (request, reply) => reply.status(201).send(await view.addAlert(request.body)));
};
