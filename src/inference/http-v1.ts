/**
 * KServe V1 for endpoints: `POST /v1/models/{name}:predict` with `instances`
 * (rows, or objects keyed by feature), under the same traffic policy as V2.
 */
import type { FastifyPluginAsync } from 'fastify';
import { fail } from '../lib/errors.ts';
import { routeRequest, runRouted } from './http-common.ts';
import type { Router } from './router.ts';
import { decodeV1, encodeV1 } from './v1.ts';

export interface V1Options {
  readonly router: Router;
}

const params = { type: 'object', properties: { target: { type: 'string', maxLength: 300 } }, required: ['target'] } as const;
const VERB = ':predict';

export const v1Routes: FastifyPluginAsync<V1Options> = async (app, { router }) => {
  // The router cannot split "<name>:predict" inside one segment, so the handler does.
  app.post('/v1/models/:target', { schema: { params } }, async (request, reply) => {
    const target = (request.params as { target: string }).target;
    if (!target.endsWith(VERB)) fail('MG_NOT_FOUND', { method: 'POST', url: `/v1/models/${target} (expected /v1/models/{name}:predict)` });
    const routed = routeRequest(router, reply, target.slice(0, -VERB.length), undefined);
    const { route } = routed;
    const decoded = decodeV1(request.body, route.model, route.limits);
    const outputs = await runRouted(router, reply, routed, decoded.inputs, route.model.outputs.map((o) => o.name));
    return encodeV1(outputs, decoded.rows);
  });
};
