/** Administrators' API-key routes under /api/v1: create (the key is in this one answer), list (prefixes only), revoke. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { expiryFrom } from '../security/api.ts';
import type { SecurityApi } from '../security/api.ts';
import { ErrorBody } from './registry-schemas.ts';

export interface SecurityRouteOptions {
  readonly api: SecurityApi;
  readonly now: () => number;
}

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const KeyView = Type.Object({
  prefix: Type.String(),
  name: Type.String(),
  role: Type.String(),
  createdAt: Type.String(),
  createdBy: Type.String(),
  expiresAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
});

export const keyRoutes: FastifyPluginAsyncTypebox<SecurityRouteOptions> = async (app, { api, now }) => {
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
  app.post('/keys', {
    schema: {
      tags: ['security'],
      summary: 'Create an API key (the key is shown in this answer only)',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 100 }),
        role: Type.String({ minLength: 1, maxLength: 63 }),
        expires: Type.Optional(Type.String({ maxLength: 64 })),
      }, { additionalProperties: false }),
      response: { 201: Type.Object({ key: Type.String(), record: KeyView }), ...errors },
    },
  }, async (request, reply) => {
    const { name, role, expires } = request.body;
    const created = await api.createKey({ name, role, expiresAt: expiryFrom(expires, now()) }, request.actor);
    return reply.status(201).send(created);
  });

  app.get('/keys', {
    schema: { tags: ['security'], summary: 'List API keys (prefixes, never secrets)', response: { 200: Type.Object({ items: Type.Array(KeyView) }), ...errors } },
  }, async () => ({ items: [...await api.listKeys()] }));

  app.delete('/keys/:prefix', {
    schema: {
      tags: ['security'],
      summary: 'Revoke an API key',
      params: Type.Object({ prefix: Type.String({ maxLength: 64 }) }),
      response: { 200: KeyView, ...errors },
    },
  }, async (request) => api.revokeKey(request.params.prefix, request.actor));
};
