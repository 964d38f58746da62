/**
 * The listening server's request listener: the data plane's fast path
 * (inference/fast-path.ts) first, then Fastify. Fastify builds its server
 * through this factory, which applies the settings Fastify's own would;
 * the fast path is set once the data plane is open and cleared as the app
 * starts closing, so that requests arriving during shutdown get Fastify's
 * 503.
 */
import type { FastifyServerFactory } from 'fastify';
import http from 'node:http';
import https from 'node:https';
import type { FastPath } from '../inference/fast-path.ts';

interface ServerSettings {
  readonly keepAliveTimeout: number;
  readonly requestTimeout: number;
  readonly connectionTimeout: number;
  readonly maxRequestsPerSocket: number;
}

export class FrontDoor {
  fast: FastPath | null = null;

  /** A server factory for Fastify's `serverFactory` option: HTTPS when `tls` is given. */
  factory(tls: https.ServerOptions | undefined, maxHeaderSize: number): FastifyServerFactory {
    return (handler, options) => {
      const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
        if (this.fast === null || !this.fast(req, res)) handler(req, res);
      };
      const server = tls ? https.createServer({ ...tls, maxHeaderSize }, listener) : http.createServer({ maxHeaderSize }, listener);
      const settings = options as unknown as ServerSettings;
      server.keepAliveTimeout = settings.keepAliveTimeout;
      server.requestTimeout = settings.requestTimeout;
      server.setTimeout(settings.connectionTimeout);
      if (settings.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = settings.maxRequestsPerSocket;
      return server as http.Server;
    };
  }
}
