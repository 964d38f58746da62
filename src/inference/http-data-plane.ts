/**
 * The data plane as one Fastify plugin: its own body parsers and error shape
 * (encapsulated, so the control plane under /api/v1 is unaffected), then the
 * health, OIP V2, KServe V1 and MLflow routes over one router. Per-request
 * logging is at warn: at thousands of requests a second, an info line per
 * request costs more than the inference.
 */
import type { FastifyPluginAsync } from 'fastify';
import { installDataPlaneHttp, installMonitoring, type RequestMonitoring } from './http-common.ts';
import { healthRoutes } from './http-health.ts';
import { mlflowRoutes } from './http-mlflow.ts';
import { v1Routes } from './http-v1.ts';
import { v2Routes } from './http-v2.ts';
import type { Router } from './router.ts';

export interface DataPlaneOptions {
  readonly router: Router;
  readonly bodyLimit: number;
  readonly serverVersion: string;
  /** Records every answered inference request in the live windows. */
  readonly monitoring?: RequestMonitoring | null;
}

export const dataPlaneRoutes: FastifyPluginAsync<DataPlaneOptions> = async (app, { router, bodyLimit, serverVersion, monitoring }) => {
  installDataPlaneHttp(app, bodyLimit);
  if (monitoring) installMonitoring(app, monitoring);
  await app.register(healthRoutes, { router, serverVersion });
  await app.register(v2Routes, { router });
  await app.register(v1Routes, { router });
  await app.register(mlflowRoutes, { router });
};
