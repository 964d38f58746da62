/**
 * The OpenAPI document, generated from the route schemas by @fastify/swagger
 * and served at /api/v1/openapi.json. Register before the route plugins so
 * it sees every route.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'modelgate control plane', version, description: 'Registry, rollouts and monitoring. Errors are {"error", "code"}; see docs/errors.md.' },
      tags: [{ name: 'registry', description: 'Models, versions, aliases, approvals, history' }],
    },
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
