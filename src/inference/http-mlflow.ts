/**
 * MLflow scoring for endpoints: `POST /endpoints/{name}/invocations` with
 * `dataframe_split`, `dataframe_records`, `instances`, `inputs`, or text/csv.
 */
import type { FastifyPluginAsync } from 'fastify';
import { observeIo, versionHeaders } from './http-common.ts';
import { decodeMlflow, encodeMlflow } from './mlflow.ts';
import type { Router } from './router.ts';

export interface MlflowOptions {
  readonly router: Router;
}

const params = { type: 'object', properties: { name: { type: 'string', maxLength: 256 } }, required: ['name'] } as const;

export const mlflowRoutes: FastifyPluginAsync<MlflowOptions> = async (app, { router }) => {
  app.post('/endpoints/:name/invocations', { schema: { params } }, async (request, reply) => {
    const route = router.route((request.params as { name: string }).name);
    versionHeaders(reply, route);
    const type = request.headers['content-type'];
    // Octet-stream bodies are JSON sent without a content type that says so.
    const decoded = decodeMlflow(request.body, type?.startsWith('application/octet-stream') === true ? 'application/json' : type, route.model, route.limits);
    const outputs = await route.run(decoded.inputs, route.model.outputs.map((o) => o.name));
    observeIo(reply, decoded.inputs, outputs);
    return encodeMlflow(outputs, decoded.rows);
  });
};
