/**
 * Control-plane routes for rollouts under /api/v1/endpoints/{e}: start one
 * (a rollout plan as the body), list, show (with its events), promote,
 * abort, pause, resume, and roll the endpoint back. `current` as the id
 * names the endpoint's newest rollout.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { CallContext } from '../registry/api.ts';
import type { Command, RolloutController } from '../rollout/controller.ts';
import { parsePlan } from '../rollout/plan.ts';
import type { Rollout } from '../rollout/state.ts';
import { ErrorBody } from './registry-schemas.ts';

export interface RolloutRouteOptions {
  readonly rollouts: RolloutController;
}

const Open = Type.Object({}, { additionalProperties: true });

const RolloutBody = Type.Object({
  id: Type.String(),
  endpoint: Type.String(),
  model: Type.String(),
  strategy: Type.String(),
  stableVersion: Type.Integer(),
  candidateVersion: Type.Integer(),
  phase: Type.String(),
  plan: Open,
  state: Open,
  createdAt: Type.String(),
  createdBy: Type.String(),
  updatedAt: Type.String(),
  events: Type.Optional(Type.Array(Open)),
});

const Params = Type.Object({ e: Type.String({ maxLength: 256 }) });
const IdParams = Type.Object({ e: Type.String({ maxLength: 256 }), id: Type.String({ maxLength: 64 }) });
const ActionParams = Type.Object({
  e: Type.String({ maxLength: 256 }), id: Type.String({ maxLength: 64 }),
  action: Type.Union([Type.Literal('promote'), Type.Literal('abort'), Type.Literal('pause'), Type.Literal('resume')]),
});
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

// Plans, states and events are JSON objects the schema passes through whole.
const out = (r: Rollout, events?: readonly object[]): Static<typeof RolloutBody> =>
  ({ ...r, ...(events === undefined ? {} : { events }) }) as unknown as Static<typeof RolloutBody>;

/** An action sent with no body at all (`curl -X POST …/promote`) is validated as `{}`. */
function absentBodyIsEmpty(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  request.body ??= {};
  done();
}

export const rolloutRoutes: FastifyPluginAsyncTypebox<RolloutRouteOptions> = async (app, { rollouts }) => {
  const resolveId = async (e: string, id: string): Promise<string> => (id === 'current' ? (await rollouts.current(e)).id : id);
  const ctx = (actor: string | undefined, reason?: string): CallContext => ({ ...(actor === undefined ? {} : { actor }), ...(reason === undefined ? {} : { reason }) });

  app.post('/endpoints/:e/rollouts', {
    schema: {
      tags: ['rollouts'],
      summary: 'Start a rollout of a version on the endpoint (direct, canary, blue-green or shadow, per the plan)',
      params: Params,
      body: Type.Object({
        version: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ maxLength: 256, description: 'version number or alias' })]),
        strategy: Type.Optional(Type.String({ description: 'direct | canary | blue-green | shadow (default: the plan\'s, else canary)' })),
        plan: Type.Optional(Open),
        replace: Type.Optional(Type.Boolean({ description: 'abort the active rollout and start this one' })),
      }, { additionalProperties: false }),
      response: { 200: RolloutBody, ...errors },
    },
  }, async (request) => {
    const { version, strategy, plan, replace } = request.body;
    const parsed = parsePlan({ ...(plan ?? {}), ...(strategy === undefined ? {} : { strategy }) }, 'the request body (plan)');
    const ref = typeof version === 'string' && /^\d+$/.test(version) ? Number(version) : version;
    return out(await rollouts.start({ endpoint: request.params.e, version: ref, plan: parsed, replace: replace === true }, ctx(request.actor)));
  });

  app.get('/endpoints/:e/rollouts', {
    schema: { tags: ['rollouts'], summary: 'List the endpoint\'s rollouts, newest first', params: Params, response: { 200: Type.Object({ items: Type.Array(RolloutBody) }), ...errors } },
  }, async (request) => ({ items: (await rollouts.list(request.params.e)).map((r) => out(r)) }));

  app.get('/endpoints/:e/rollouts/:id', {
    schema: { tags: ['rollouts'], summary: 'Show a rollout with its events (steps, weights, verdicts)', params: IdParams, response: { 200: RolloutBody, ...errors } },
  }, async (request) => {
    const id = await resolveId(request.params.e, request.params.id);
    const r = await rollouts.get(request.params.e, id);
    return out(r, await rollouts.events(request.params.e, id));
  });

  app.post('/endpoints/:e/rollouts/:id/:action', {
    preValidation: absentBodyIsEmpty,
    schema: {
      tags: ['rollouts'], summary: 'Promote, abort, pause or resume a rollout', params: ActionParams,
      body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false })),
      response: { 200: RolloutBody, ...errors },
    },
  }, async (request) => {
    const id = await resolveId(request.params.e, request.params.id);
    return out(await rollouts.command(request.params.e, id, request.params.action as Command, ctx(request.actor, request.body?.reason)));
  });

  app.post('/endpoints/:e/rollback', {
    preValidation: absentBodyIsEmpty,
    schema: {
      tags: ['rollouts'], summary: 'Roll back: abort the active rollout, or return to an earlier stable version', params: Params,
      body: Type.Optional(Type.Object({ to: Type.Optional(Type.Integer({ minimum: 1 })), reason: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false })),
      response: { 200: Type.Object({ kind: Type.String(), version: Type.Integer(), rollout: Type.Optional(RolloutBody) }), ...errors },
    },
  }, async (request) => {
    const result = await rollouts.rollback(request.params.e, request.body?.to, ctx(request.actor, request.body?.reason));
    return { kind: result.kind, version: result.version, ...(result.rollout === undefined ? {} : { rollout: out(result.rollout) }) };
  });
};
