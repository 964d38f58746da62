/**
 * Who is making a request: the configured user, unless the security hooks
 * authenticate a principal (they set `request.actor`); tests may resolve it
 * themselves.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/load.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The principal the request acts as; recorded in history and approvals. */
    actor: string;
  }
}

export type ActorResolver = (request: FastifyRequest, config: Config) => string;

/**
 * Decorates every request with `actor`; install on the root instance.
 * `resolve` replaces the default (authentication, tests). The default is the
 * decoration's own value, so requests pay no hook for it.
 */
export function installActor(app: FastifyInstance, config: Config, resolve?: ActorResolver): void {
  app.decorateRequest('actor', resolve === undefined ? config.user : '');
  if (resolve === undefined) return;
  // Callback style: an async hook would cost a promise on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    request.actor = resolve(request, config);
    done();
  });
}
