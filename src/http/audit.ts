/**
 * Audit and compliance routes under /api/v1: page through the audit log,
 * verify its chain (optionally against an anchor kept elsewhere), export it
 * as JSON Lines or CSV, and the compliance report.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditExportHeader, auditExportLine } from '../security/audit-export.ts';
import type { AuditFormat } from '../security/audit-export.ts';
import { fail } from '../lib/errors.ts';
import type { SecurityRouteOptions } from './keys.ts';
import { ErrorBody } from './registry-schemas.ts';

const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  requestHash: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
});

const Verdict = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Optional(Type.Integer()),
  firstBadId: Type.Optional(Type.Integer()),
  reason: Type.Optional(Type.String()),
});

const Anchor = Type.Object({ id: Type.Integer(), hash: Type.String() });

const Rule = Type.Object({
  rule: Type.String(), subject: Type.String(), status: Type.String(), detail: Type.String(), remediation: Type.Optional(Type.String()),
});

const Report = Type.Object({
  generatedAt: Type.String(),
  score: Type.Number(),
  passed: Type.Integer(),
  failed: Type.Integer(),
  notApplicable: Type.Integer(),
  productionVersions: Type.Array(Type.Object({ model: Type.String(), version: Type.Integer() })),
  rules: Type.Array(Rule),
});

const PAGE = 1000;

export const auditRoutes: FastifyPluginAsyncTypebox<SecurityRouteOptions> = async (app, { api }) => {
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };
  app.get('/audit', {
    schema: {
      tags: ['security'],
      summary: 'Audit entries in chain order',
      querystring: Type.Object({
        afterId: Type.Optional(Type.Integer({ minimum: 0 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PAGE })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(AuditEntry), nextAfterId: Type.Union([Type.Integer(), Type.Null()]) }), ...errors },
    },
  }, async (request) => {
    const limit = request.query.limit ?? 100;
    const items = await api.listAudit({ afterId: request.query.afterId ?? 0, limit });
    return { items: [...items], nextAfterId: items.length === limit ? items[items.length - 1].id : null };
  });

  app.get('/audit/verify', {
    schema: {
      tags: ['security'],
      summary: 'Verify the audit chain; with an anchor, also detect entries removed from the end',
      querystring: Type.Object({
        anchorId: Type.Optional(Type.Integer({ minimum: 1 })),
        anchorHash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ verdict: Verdict, last: Type.Union([Anchor, Type.Null()]) }), ...errors },
    },
  }, async (request) => {
    const { anchorId, anchorHash } = request.query;
    if ((anchorId === undefined) !== (anchorHash === undefined)) fail('MG_VALIDATION_FAILED', { location: 'query', detail: 'give both anchorId and anchorHash, or neither' });
    return api.verifyAudit(anchorId !== undefined && anchorHash !== undefined ? { id: anchorId, hash: anchorHash } : undefined);
  });

  app.get('/audit/export', {
    schema: {
      tags: ['security'],
      summary: 'The whole audit log as JSON Lines or CSV',
      querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('jsonl'), Type.Literal('csv')])) }, { additionalProperties: false }),
    },
  }, async (request, reply) => {
    const format: AuditFormat = request.query.format ?? 'jsonl';
    const parts: string[] = [auditExportHeader(format)];
    for (let afterId = 0; ;) {
      const page = await api.listAudit({ afterId, limit: PAGE });
      for (const e of page) parts.push(auditExportLine(e, format));
      if (page.length < PAGE) break;
      afterId = page[page.length - 1].id;
    }
    reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    return parts.join('');
  });

  app.get('/compliance', {
    schema: { tags: ['security'], summary: 'Compliance report: production versions, prediction logging, retention, audit chain', response: { 200: Report, ...errors } },
  }, async () => {
    const report = await api.compliance();
    return { ...report, productionVersions: [...report.productionVersions], rules: [...report.rules] };
  });
};
