/**
 * The request-path checks of one route, as functions over the few request
 * and reply fields they read and set: http/security.ts builds them from the
 * route table and installs them as Fastify hooks; the data plane's fast path
 * (inference/fast-path.ts) runs the same ones on node:http.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from './principal.ts';

/** What the hooks read and set on a request: Fastify's, or the data plane's fast path's (inference/fast-path.ts). */
export interface GuardedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly ip: string;
  readonly params: unknown;
  readonly body: unknown;
  readonly log: FastifyBaseLogger;
  principal: Principal;
  actor: string;
}

/** What the hooks set on an answer. */
export interface GuardedReply {
  readonly statusCode: number;
  headers(values: Record<string, string>): unknown;
}

export type Guard = (request: GuardedRequest, reply: GuardedReply, done: (err?: Error) => void) => void;

/** One route's checks, in Fastify's hook order; the fast path runs the same ones. */
export interface RouteGuards {
  /** Authenticate, authorise, take rate-limit tokens. */
  readonly onRequest: Guard;
  /** Body limits (JSON depth, tensor elements) and authorisation by body; after the body is read. */
  readonly preValidation?: Guard;
  /** The prediction audit entry, once answered. */
  readonly onResponse?: (request: GuardedRequest, reply: GuardedReply, done: () => void) => void;
}

/** The guards of a route in the route table, by method and Fastify URL pattern. */
export type GuardsFor = (method: string, url: string) => RouteGuards;
