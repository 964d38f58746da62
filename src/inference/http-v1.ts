/** KServe V1 for endpoints: `POST /v1/models/{name}:predict` with `instances` (rows, or objects keyed by feature). */
import type { FastifyPluginAsync } from 'fastify';
import { fail } from '../lib/errors.ts';
import { observeIo, versionHeaders } from './http-common.ts';
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
    const route = router.route(target.slice(0, -VERB.length));
    versionHeaders(reply, route);
    const decoded = decodeV1(request.body, route.model, route.limits);
    const outputs = await route.run(decoded.inputs, route.model.outputs.map((o) => o.name));
    observeIo(reply, decoded.inputs, outputs);
    return encodeV1(outputs, decoded.rows);
  });
};
