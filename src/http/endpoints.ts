/**
 * Control-plane routes for endpoints under /api/v1: create or update (deploy
 * a version, by number or alias), list, show, delete. A deploy answers once
 * the new version serves the endpoint in this process; other workers follow
 * within a second.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { EndpointService } from '../rollout/endpoints.ts';
import { ErrorBody } from './registry-schemas.ts';
import { wire, wired } from './wire.ts';

export interface EndpointRouteOptions {
  readonly endpoints: EndpointService;
}

const Batching = Type.Object({
  maxBatchSize: Type.Integer({ minimum: 1, description: 'largest batch the model runs (rows)' }),
  maxQueueDelayUs: Type.Optional(Type.Integer({ minimum: 0, description: 'longest a request waits for others, in microseconds' })),
  preferredBatchSizes: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }))),
  maxQueueSize: Type.Optional(Type.Integer({ minimum: 1, description: 'requests allowed to wait; more get 503 with Retry-After' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'longest a request may wait in the queue' })),
}, { additionalProperties: false });

const State = Type.Union([
  Type.Object({ kind: Type.Literal('serving') }),
  Type.Object({ kind: Type.Literal('failed'), reason: Type.String() }),
  Type.Object({ kind: Type.Literal('pending') }),
]);

const Endpoint = Type.Object({
  name: Type.String(),
  model: Type.String(),
  version: Type.Integer(),
  batching: Type.Union([Batching, Type.Null()]),
  revision: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
  state: State,
});

const Params = Type.Object({ e: Type.String({ maxLength: 256 }) });
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

export const endpointRoutes: FastifyPluginAsyncTypebox<EndpointRouteOptions> = async (app, { endpoints }) => {
  app.post('/endpoints', {
    schema: {
      tags: ['endpoints'],
      summary: 'Create an endpoint or point it at another version (loads and warms it first)',
      body: Type.Object({
        name: Type.String({ maxLength: 256 }),
        model: Type.String({ maxLength: 256 }),
        version: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ maxLength: 256, description: 'version number or alias' })]),
        batching: Type.Optional(Type.Union([Batching, Type.Null()])),
      }, { additionalProperties: false }),
      response: { 200: Endpoint, ...errors },
    },
  }, async (request) => {
    const { name, model, version, batching } = request.body;
    const ref = typeof version === 'string' && /^\d+$/.test(version) ? Number(version) : version;
    return wired(endpoints.deploy({ name, model, version: ref, batching }, { actor: request.actor }));
  });

  app.get('/endpoints', {
    schema: { tags: ['endpoints'], summary: 'List endpoints', response: { 200: Type.Object({ items: Type.Array(Endpoint) }) } },
  }, async () => ({ items: wire(await endpoints.list()) }));

  app.get('/endpoints/:e', {
    schema: { tags: ['endpoints'], summary: 'Show an endpoint', params: Params, response: { 200: Endpoint, ...errors } },
  }, async (request) => wired(endpoints.get(request.params.e)));

  app.delete('/endpoints/:e', {
    schema: { tags: ['endpoints'], summary: 'Delete an endpoint (drains what it serves)', params: Params, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    await endpoints.delete(request.params.e);
    return reply.status(204).send(null);
  });
};
