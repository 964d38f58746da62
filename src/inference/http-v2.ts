/**
 * Open Inference Protocol REST routes for endpoints: model metadata and
 * readiness, and inference over JSON or the binary tensor extension. The
 * handler is lookup → decode → run → encode; no store reads, no copies
 * beyond what the codecs need.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TensorSpec } from '../store/registry-types.ts';
import { routeRequest, runRouted, versionHeaders, type DataPlaneReply } from './http-common.ts';
import type { Route, Router } from './router.ts';
import { decodeV2Header } from './v2-json.ts';
import { decodeV2Binary, encodeV2Response, headerLengthName, type V2Response } from './v2-binary.ts';

export interface V2Options {
  readonly router: Router;
}

interface ModelParams {
  name: string;
  v?: string;
}

const params = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 256 }, v: { type: 'string', maxLength: 64 } },
  required: ['name'],
} as const;

function tensorMetadata(spec: TensorSpec): { name: string; datatype: string; shape: number[] } {
  return { name: spec.name, datatype: spec.datatype ?? 'BYTES', shape: (spec.shape ?? [-1]).map((d) => (typeof d === 'number' ? d : -1)) };
}

function modelMetadata(route: Route): Record<string, unknown> {
  return {
    name: route.model.name,
    versions: [route.model.version],
    platform: 'onnxruntime_onnx',
    inputs: route.model.inputs.map(tensorMetadata),
    outputs: route.model.outputs.map(tensorMetadata),
    parameters: {
      model: route.endpoint.model,
      execution_provider: route.provider,
      ...(route.providerFallback === undefined ? {} : { execution_provider_fallback: route.providerFallback }),
      batching: route.batching,
      ...(route.batchStats === null ? {} : { batch_stats: route.batchStats }),
      ...(route.model.features === null ? {} : { features: route.model.features }),
      ...(route.classLabels === undefined ? {} : { class_labels: route.classLabels }),
    },
  };
}

/**
 * One V2 inference: route (pinned to `version`, or by the endpoint's
 * policy), decode the JSON or binary body, run, encode. Shared by the
 * Fastify route below and the fast path (fast-path.ts).
 */
export async function inferV2(router: Router, reply: DataPlaneReply, name: string, version: string | undefined): Promise<V2Response> {
  const { body, headers } = reply.request;
  const routed = routeRequest(router, reply, name, version);
  const { route } = routed;
  const decoded = Buffer.isBuffer(body)
    ? decodeV2Binary(body, headers[headerLengthName], route.model, route.limits)
    : decodeV2Header(body, route.model, route.limits);
  const outputs = await runRouted(router, reply, routed, decoded.inputs, decoded.outputs);
  return encodeV2Response(route.model, decoded, outputs);
}

export const v2Routes: FastifyPluginAsync<V2Options> = async (app, { router }) => {
  const lookup = (p: ModelParams): Route => (p.v === undefined ? router.route(p.name) : router.routeVersion(p.name, p.v));

  const metadata = async (request: { params: unknown }, reply: FastifyReply): Promise<unknown> => {
    const route = lookup(request.params as ModelParams);
    versionHeaders(reply, route);
    return modelMetadata(route);
  };
  const ready = async (request: { params: unknown }, reply: FastifyReply): Promise<unknown> => {
    const route = lookup(request.params as ModelParams);
    versionHeaders(reply, route);
    return { name: route.model.name, ready: true };
  };
  const infer = async (request: { params: unknown }, reply: FastifyReply): Promise<unknown> => {
    const p = request.params as ModelParams;
    const response = await inferV2(router, reply, p.name, p.v);
    if (response.kind === 'json') return reply.type('application/json; charset=utf-8').send(response.body);
    reply.header(headerLengthName, String(response.headerLength));
    reply.type('application/octet-stream');
    return reply.send(response.body);
  };

  for (const prefix of ['/v2/models/:name', '/v2/models/:name/versions/:v']) {
    app.get(prefix, { schema: { params } }, metadata);
    app.get(`${prefix}/ready`, { schema: { params } }, ready);
    app.post(`${prefix}/infer`, { schema: { params } }, infer);
  }
};
