/**
 * The data plane's composition: model pool over the blob store, the in-memory
 * router, and the endpoint service that keeps router and store in step. The
 * HTTP app, the cluster worker and the CLI's local `deploy` all open it here.
 */
import type { Config } from '../config/load.ts';
import { fail } from '../lib/errors.ts';
import { ModelPool } from '../inference/model-pool.ts';
import { Router } from '../inference/router.ts';
import { ServingMetrics } from '../monitoring/metrics.ts';
import { RequestMonitor } from '../monitoring/request-monitor.ts';
import { LiveWindows } from '../monitoring/windows.ts';
import type { InputLimits } from '../inference/served-model.ts';
import type { WindowSource } from '../rollout/analysis.ts';
import type { RolloutControl } from '../rollout/control.ts';
import { EndpointService, type EndpointLogger, type RestoreResult } from '../rollout/endpoints.ts';
import type { ExecutionProvider, GraphOptimizationLevel, SessionOptions } from '../runtime/session.ts';
import { RoutingSync } from './routing-sync.ts';
import type { Services } from './services.ts';

export interface DataPlane {
  readonly pool: ModelPool;
  readonly router: Router;
  readonly endpoints: EndpointService;
  /** This process's live windows (per endpoint and version), fed by the monitor and by shadow comparisons. */
  readonly windows: LiveWindows;
  /** Records every answered inference request (null when monitoring is off). */
  readonly monitor: RequestMonitor | null;
  /** In a cluster worker, its link to the primary (null in a single process). */
  readonly cluster: ClusterLink | null;
  /** Starts following other processes' routing changes, then loads every stored endpoint; those that fail answer 503 and are listed. */
  restore(): Promise<RestoreResult[]>;
  /** Drains and releases every route. */
  close(): Promise<void>;
}

/**
 * What a cluster worker's rollout controller gets from the primary. The
 * leader (the worker whose controller runs the tick loop) receives every
 * worker's windows merged (the primary forwards each worker's push) and the
 * alert responses decided by the primary's alert rules; other workers get
 * neither and leave the steps to the leader.
 */
export interface ClusterLink {
  /** Merged windows in the leader; null in the other workers. */
  readonly windows: WindowSource | null;
  /** Serves the primary's pause/abort requests with this control (called by the process that runs the controller). */
  serveControl(control: RolloutControl): void;
}

export interface DataPlaneOptions {
  /** Overrides the session options derived from `config.runtime`. */
  readonly session?: SessionOptions;
  readonly logger?: EndpointLogger;
  /** Called after this process changed an endpoint (the cluster worker tells the primary). */
  readonly onChange?: (endpoint: string) => void;
  readonly cluster?: ClusterLink;
  /** On PostgreSQL: announce this process's routing changes and follow everyone else's (see routing-sync.ts). */
  readonly replicaSync?: { readonly schema?: string };
}

const providers: readonly ExecutionProvider[] = ['cpu', 'cuda'];

/** ONNX Runtime session options from `config.runtime`; 0 threads leaves the choice to the runtime. */
export function sessionOptionsFrom(runtime: Config['runtime']): SessionOptions {
  const unknown = runtime.executionProviders.find((p) => !(providers as readonly string[]).includes(p));
  if (unknown !== undefined) fail('MG_CONFIG_INVALID', { key: 'runtime.executionProviders', detail: `"${unknown}" is not one of ${providers.join(', ')}` });
  return {
    graphOptimizationLevel: runtime.graphOptimizationLevel as GraphOptimizationLevel,
    executionProviders: runtime.executionProviders as readonly ExecutionProvider[],
    ...(runtime.intraOpThreads === 0 ? {} : { intraOpNumThreads: runtime.intraOpThreads }),
    ...(runtime.interOpThreads === 0 ? {} : { interOpNumThreads: runtime.interOpThreads }),
  };
}

/**
 * Session options for a cluster worker: as configured, except that a thread
 * count left to the runtime becomes 1 when several workers share the cores,
 * so N workers do not each start one thread per core.
 */
export function workerSessionOptions(runtime: Config['runtime'], workers: number): SessionOptions {
  const options = sessionOptionsFrom(runtime);
  if (workers <= 1) return options;
  return { intraOpNumThreads: 1, interOpNumThreads: 1, ...options };
}

/** Limits every protocol applies before inference, from `config.runtime`. */
export function inputLimitsFrom(runtime: Config['runtime']): InputLimits {
  return {
    allowNonFinite: runtime.allowNonFinite,
    ...(runtime.maxBatchRows === 0 ? {} : { maxBatchSize: runtime.maxBatchRows }),
  };
}

export function openDataPlane(config: Config, services: Services, options: DataPlaneOptions = {}): DataPlane {
  const pool = new ModelPool((sha256) => services.blobs.localPath(sha256), options.session ?? sessionOptionsFrom(config.runtime));
  const router = new Router(pool, inputLimitsFrom(config.runtime));
  const endpoints = new EndpointService({
    store: services.endpoints,
    registry: services.registry,
    routing: router,
    clock: services.clock,
    defaultActor: config.user,
    logger: options.logger,
    onChange: (name) => {
      options.onChange?.(name);
      replicas?.announce(name);
    },
  });
  const replicas = options.replicaSync !== undefined && config.databaseUrl
    ? new RoutingSync({ url: config.databaseUrl, ...options.replicaSync }, {
      sync: (name) => endpoints.sync(name),
      names: async () => [...new Set([...(await services.endpoints.list()).map((e) => e.name), ...router.names])],
      onError: (err, what) => options.logger?.warn({ err, what }, 'routing sync with other replicas failed'),
    })
    : null;
  const windows = new LiveWindows(services.clock, { bucketMs: config.monitoring.bucketMs });
  const monitor = config.monitoring.enabled
    ? new RequestMonitor({ windows, metrics: new ServingMetrics(undefined, { defaults: false }), now: () => services.clock.now() })
    : null;
  if (monitor !== null) router.shadows.recorder = windows;
  let closed: Promise<void> | undefined;
  return {
    pool, router, endpoints, windows, monitor, cluster: options.cluster ?? null,
    async restore() {
      // Listening first: a change made while the stored endpoints load is not missed.
      await replicas?.start();
      return endpoints.restore();
    },
    close() {
      closed ??= Promise.all([replicas?.close(), router.close()]).then(() => undefined);
      return closed;
    },
  };
}
