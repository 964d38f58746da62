/**
 * MLflow scoring for endpoints: `POST /endpoints/{name}/invocations` with
 * `dataframe_split`, `dataframe_records`, `instances`, `inputs`, or text/csv,
 * under the same traffic policy as V2.
 */
import type { FastifyPluginAsync } from 'fastify';
import { routeRequest, runRouted } from './http-common.ts';
import { decodeMlflow, encodeMlflow } from './mlflow.ts';
import type { Router } from './router.ts';

export interface MlflowOptions {
  readonly router: Router;
}

const params = { type: 'object', properties: { name: { type: 'string', maxLength: 256 } }, required: ['name'] } as const;

export const mlflowRoutes: FastifyPluginAsync<MlflowOptions> = async (app, { router }) => {
  app.post('/endpoints/:name/invocations', { schema: { params } }, async (request, reply) => {
    const routed = routeRequest(router, reply, (request.params as { name: string }).name, undefined);
    const { route } = routed;
    const type = request.headers['content-type'];
    // Octet-stream bodies are JSON sent without a content type that says so.
    const decoded = decodeMlflow(request.body, type?.startsWith('application/octet-stream') === true ? 'application/json' : type, route.model, route.limits);
    const outputs = await runRouted(router, reply, routed, decoded.inputs, route.model.outputs.map((o) => o.name));
    return encodeMlflow(outputs, decoded.rows);
  });
};
