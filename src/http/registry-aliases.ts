/** Routes for aliases, approvals, evaluations, history, comparison and garbage collection. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseDuration } from '../lib/duration.ts';
import { fail } from '../lib/errors.ts';
import type { RegistryRouteOptions } from './registry.ts';
import { wire, wired } from './wire.ts';
import {
  AliasParams, AliasRecord, Approval, Comparison, Decision, ErrorBody, Evaluation, GcReport, HistoryEvent, HistoryKind,
  Limit, ModelParams, PageOf, VersionParams,
} from './registry-schemas.ts';

const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const IsoTime = Type.String({ description: 'ISO-8601 time' });

function isoOrFail(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) fail('MG_VALIDATION_FAILED', { location: 'query', detail: `${name}: "${value}" is not an ISO-8601 time` });
  return new Date(t).toISOString();
}

export const aliasRoutes: FastifyPluginAsyncTypebox<RegistryRouteOptions> = async (app, { registry }) => {
  app.put('/models/:m/aliases/:alias', {
    schema: {
      tags: ['registry'],
      summary: 'Point an alias at a version (protected aliases need approvals)',
      params: AliasParams,
      body: Type.Object({ version: Type.Integer({ minimum: 1 }), reason: Type.Optional(Type.String()) }, { additionalProperties: false }),
      response: { 200: AliasRecord, ...errors },
    },
  }, async (request) => wired(registry.setAlias(request.params.m, request.params.alias, request.body.version,
    { actor: request.actor, reason: request.body.reason })));

  app.get('/models/:m/aliases/:alias', {
    schema: {
      tags: ['registry'],
      summary: 'The version an alias points to, now or at a past time',
      params: AliasParams,
      querystring: Type.Object({ at: Type.Optional(IsoTime) }, { additionalProperties: false }),
      response: { 200: Type.Object({ model: Type.String(), alias: Type.String(), version: Type.Union([Type.Integer(), Type.Null()]) }), ...errors },
    },
  }, async (request) => {
    const { m, alias } = request.params;
    if (request.query.at !== undefined) return { model: m, alias, version: await registry.aliasAt(m, alias, request.query.at) };
    const v = await registry.getVersion(m, alias);
    return { model: m, alias, version: v.version };
  });

  app.delete('/models/:m/aliases/:alias', {
    schema: {
      tags: ['registry'],
      summary: 'Remove an alias',
      params: AliasParams,
      querystring: Type.Object({ reason: Type.Optional(Type.String()) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...errors },
    },
  }, async (request, reply) => {
    await registry.removeAlias(request.params.m, request.params.alias, { actor: request.actor, reason: request.query.reason });
    return reply.status(204).send(null);
  });

  app.get('/models/:m/versions/:v/approvals', {
    schema: { tags: ['registry'], summary: 'Approval decisions on a version', params: VersionParams, response: { 200: Type.Array(Approval), ...errors } },
  }, async (request) => {
    const v = await registry.getVersion(request.params.m, request.params.v);
    return wired(registry.listApprovals(v.model, v.version));
  });

  app.post('/models/:m/versions/:v/approvals', {
    schema: {
      tags: ['registry'],
      summary: 'Approve or reject a version for an alias',
      params: VersionParams,
      body: Type.Object({ alias: Type.String({ maxLength: 256 }), decision: Decision, comment: Type.Optional(Type.String()) }, { additionalProperties: false }),
      response: { 201: Approval, ...errors },
    },
  }, async (request, reply) => {
    const v = await registry.getVersion(request.params.m, request.params.v);
    return reply.status(201).send(wire(await registry.decide(v.model, v.version, request.body, { actor: request.actor })));
  });

  app.get('/models/:m/versions/:v/evaluations', {
    schema: { tags: ['registry'], summary: 'Evaluation reports stored on a version', params: VersionParams, response: { 200: Type.Array(Evaluation), ...errors } },
  }, async (request) => {
    const v = await registry.getVersion(request.params.m, request.params.v);
    return wired(registry.listEvaluations(v.model, v.version));
  });

  app.post('/models/:m/versions/:v/evaluations', {
    schema: {
      tags: ['registry'],
      summary: 'Store an evaluation report as evidence on a version',
      params: VersionParams,
      body: Type.Object({ verdict: Type.String({ minLength: 1 }), report: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false }),
      response: { 201: Evaluation, ...errors },
    },
  }, async (request, reply) => {
    const v = await registry.getVersion(request.params.m, request.params.v);
    return reply.status(201).send(wire(await registry.addEvaluation(v.model, v.version, request.body, { actor: request.actor })));
  });

  app.get('/models/:m/compare', {
    schema: {
      tags: ['registry'],
      summary: 'Compare two versions (numbers or aliases)',
      params: ModelParams,
      querystring: Type.Object({ a: Type.String(), b: Type.String() }, { additionalProperties: false }),
      response: { 200: Comparison, ...errors },
    },
  }, async (request) => wired(registry.compareVersions(request.params.m, request.query.a, request.query.b)));

  app.get('/models/:m/history', {
    schema: {
      tags: ['registry'],
      summary: 'The append-only change history of a model',
      params: ModelParams,
      querystring: Type.Object({
        alias: Type.Optional(Type.String()),
        version: Type.Optional(Type.Integer({ minimum: 1 })),
        kind: Type.Optional(Type.Array(HistoryKind)),
        since: Type.Optional(IsoTime),
        until: Type.Optional(IsoTime),
        at: Type.Optional(Type.String({ description: 'ISO-8601 time; events up to then (same as until)' })),
        limit: Type.Optional(Limit),
        cursor: Type.Optional(Type.String()),
      }, { additionalProperties: false }),
      response: { 200: PageOf(HistoryEvent), ...errors },
    },
  }, async (request) => {
    const q = request.query;
    return wired(registry.history(request.params.m, {
      alias: q.alias, version: q.version, kinds: q.kind, since: isoOrFail(q.since, 'since'),
      until: isoOrFail(q.at ?? q.until, q.at !== undefined ? 'at' : 'until'), limit: q.limit, cursor: q.cursor,
    }));
  });

  app.post('/gc', {
    schema: {
      tags: ['registry'],
      summary: 'Apply retention and collect unreferenced artifacts',
      body: Type.Object({
        dryRun: Type.Optional(Type.Boolean()),
        keepLast: Type.Optional(Type.Integer({ minimum: 1 })),
        maxAge: Type.Optional(Type.String({ description: 'duration such as 90d' })),
        model: Type.Optional(Type.String({ maxLength: 256 })),
      }, { additionalProperties: false }),
      response: { 200: GcReport, ...errors },
    },
  }, async (request) => {
    const b = request.body ?? {};
    const maxAgeMs = b.maxAge === undefined ? undefined : parseDuration(b.maxAge);
    if (b.maxAge !== undefined && maxAgeMs === undefined) fail('MG_VALIDATION_FAILED', { location: 'body', detail: `maxAge: "${b.maxAge}" is not a duration (e.g. 90d)` });
    return wired(registry.gc({ dryRun: b.dryRun, keepLast: b.keepLast, maxAgeMs, model: b.model, actor: request.actor }));
  });
};
