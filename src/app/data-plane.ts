/**
 * The data plane's composition: model pool over the blob store, the in-memory
 * router, and the endpoint service that keeps router and store in step. The
 * HTTP app, the cluster worker and the CLI's local `deploy` all open it here.
 */
import type { Config } from '../config/load.ts';
import { ModelPool } from '../inference/model-pool.ts';
import { Router } from '../inference/router.ts';
import { EndpointService, type EndpointLogger, type RestoreResult } from '../rollout/endpoints.ts';
import type { SessionOptions } from '../runtime/session.ts';
import type { Services } from './services.ts';

export interface DataPlane {
  readonly pool: ModelPool;
  readonly router: Router;
  readonly endpoints: EndpointService;
  /** Loads every stored endpoint; those that fail answer 503 and are listed. */
  restore(): Promise<RestoreResult[]>;
  /** Drains and releases every route. */
  close(): Promise<void>;
}

export interface DataPlaneOptions {
  readonly session?: SessionOptions;
  readonly logger?: EndpointLogger;
  /** Called after this process changed an endpoint (the cluster worker tells the primary). */
  readonly onChange?: (endpoint: string) => void;
}

export function openDataPlane(config: Config, services: Services, options: DataPlaneOptions = {}): DataPlane {
  const pool = new ModelPool((sha256) => services.blobs.localPath(sha256), options.session ?? {});
  const router = new Router(pool);
  const endpoints = new EndpointService({
    store: services.endpoints,
    registry: services.registry,
    routing: router,
    clock: services.clock,
    defaultActor: config.user,
    logger: options.logger,
    onChange: options.onChange,
  });
  let closed: Promise<void> | undefined;
  return {
    pool, router, endpoints,
    restore: () => endpoints.restore(),
    close() {
      closed ??= router.close();
      return closed;
    },
  };
}
