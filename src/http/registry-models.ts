/** Routes for models: create, list, show, update, delete. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RegistryRouteOptions } from './registry.ts';
import { wire, wired } from './wire.ts';
import { parseTags } from './registry-query.ts';
import { ErrorBody, Limit, Model, ModelDetail, ModelParams, PageOf, TagFilter, Tags } from './registry-schemas.ts';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const modelRoutes: FastifyPluginAsyncTypebox<RegistryRouteOptions> = async (app, { registry }) => {
  app.post('/models', {
    schema: {
      tags: ['registry'],
      summary: 'Create a model',
      body: Type.Object({ name: Type.String({ maxLength: 256 }), description: Type.Optional(Type.String()), tags: Type.Optional(Tags) }, { additionalProperties: false }),
      response: { 201: Model, ...errors },
    },
  }, async (request, reply) => {
    const model = await registry.createModel(request.body, { actor: request.actor });
    return reply.status(201).send(wire(model));
  });

  app.get('/models', {
    schema: {
      tags: ['registry'],
      summary: 'List models',
      querystring: Type.Object({
        prefix: Type.Optional(Type.String()),
        tag: Type.Optional(TagFilter),
        orderBy: Type.Optional(Type.Union([Type.Literal('name'), Type.Literal('createdAt'), Type.Literal('updatedAt')])),
        desc: Type.Optional(Type.Boolean()),
        limit: Type.Optional(Limit),
        cursor: Type.Optional(Type.String()),
      }, { additionalProperties: false }),
      response: { 200: PageOf(Model), 400: ErrorBody },
    },
  }, async (request) => {
    const q = request.query;
    return wired(registry.listModels({ prefix: q.prefix, tag: parseTags(q.tag), orderBy: q.orderBy, descending: q.desc, limit: q.limit, cursor: q.cursor }));
  });

  app.get('/models/:m', {
    schema: { tags: ['registry'], summary: 'Show a model with its aliases', params: ModelParams, response: { 200: ModelDetail, ...errors } },
  }, async (request) => wired(registry.getModel(request.params.m)));

  app.patch('/models/:m', {
    schema: {
      tags: ['registry'],
      summary: 'Update a model description or tags',
      params: ModelParams,
      body: Type.Object({ description: Type.Optional(Type.String()), tags: Type.Optional(Tags) }, { additionalProperties: false }),
      response: { 200: Model, ...errors },
    },
  }, async (request) => wired(registry.updateModel(request.params.m, request.body, { actor: request.actor })));

  app.delete('/models/:m', {
    schema: { tags: ['registry'], summary: 'Delete a model and its versions', params: ModelParams, response: { 204: Type.Null(), ...errors } },
  }, async (request, reply) => {
    await registry.deleteModel(request.params.m, { actor: request.actor });
    return reply.status(204).send(null);
  });
};
