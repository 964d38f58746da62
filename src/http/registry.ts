/** The registry API under /api/v1: models, versions, aliases, approvals, evaluations, history, gc. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import type { Config } from '../config/load.ts';
import type { RegistryApi } from '../registry/api.ts';
import { aliasRoutes } from './registry-aliases.ts';
import { modelRoutes } from './registry-models.ts';
import { METADATA_LIMIT, versionRoutes } from './registry-versions.ts';

export interface RegistryRouteOptions {
  readonly registry: RegistryApi;
  readonly config: Config;
}

export const registryRoutes: FastifyPluginAsyncTypebox<RegistryRouteOptions> = async (app, options) => {
  await app.register(multipart, {
    limits: { fileSize: options.config.registry.maxArtifactBytes + 1, files: 1, fields: 1, fieldSize: METADATA_LIMIT },
  });
  // Pass only our own options on: the prefix in `options` is already applied to this instance.
  const own: RegistryRouteOptions = { registry: options.registry, config: options.config };
  await app.register(modelRoutes, own);
  await app.register(versionRoutes, own);
  await app.register(aliasRoutes, own);
};
