/**
 * Server-level Open Inference Protocol routes: metadata (advertising the
 * binary tensor extension), liveness, and readiness (every endpoint loaded).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Router } from './router.ts';

export interface HealthOptions {
  readonly router: Router;
  readonly serverVersion: string;
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, { router, serverVersion }) => {
  const metadata = { name: 'modelgate', version: serverVersion, extensions: ['binary_tensor_data'] };
  app.get('/v2', async () => metadata);
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_request, reply) => {
    if (router.ready) return { ready: true };
    const reasons = [...router.notReady].map(([name, reason]) => `${name}: ${reason}`);
    reply.header('retry-after', '1');
    return reply.status(503).send({ ready: false, error: `not every endpoint is loaded (${reasons.join('; ')})` });
  });
};
