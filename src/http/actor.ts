/**
 * Who is making a request. Until authentication exists every request acts as
 * the configured user; the security module replaces resolveActor with the
 * authenticated principal, and nothing downstream changes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/load.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The principal the request acts as; recorded in history and approvals. */
    actor: string;
  }
}

/** The one place that decides a request's actor. */
export function resolveActor(_request: FastifyRequest, config: Config): string {
  return config.user;
}

export type ActorResolver = (request: FastifyRequest, config: Config) => string;

/** Decorates every request with `actor`; install on the root instance. `resolve` replaces the default (authentication, tests). */
export function installActor(app: FastifyInstance, config: Config, resolve: ActorResolver = resolveActor): void {
  app.decorateRequest('actor', '');
  // Callback style: an async hook would cost a promise on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    request.actor = resolve(request, config);
    done();
  });
}
