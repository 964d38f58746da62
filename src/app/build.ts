/**
 * The app factory: a ready Fastify instance with every plugin registered,
 * not listening. `modelgate serve` listens (server.ts); tests call inject().
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config/load.ts';
import { installActor, type ActorResolver } from '../http/actor.ts';
import { installErrorHandlers } from '../http/errors.ts';
import { registerOpenApi } from '../http/openapi.ts';
import { auditRoutes } from '../http/audit.ts';
import { keyRoutes } from '../http/keys.ts';
import { installSecurity } from '../http/security.ts';
import { pinoRedaction } from '../security/redact.ts';
import { localSecurityApi, openSecurity } from '../security/runtime.ts';
import { tlsFromConfig } from '../security/tls.ts';
import { registryRoutes } from '../http/registry.ts';
import { endpointRoutes } from '../http/endpoints.ts';
import { rolloutRoutes } from '../http/rollouts.ts';
import { openRollouts } from './rollouts.ts';
import { rolloutControl, type RolloutControl } from '../rollout/control.ts';
import { dataPlaneRoutes } from '../inference/http-data-plane.ts';
import { fastPath } from '../inference/fast-path.ts';
import { requestMonitoring } from '../inference/http-common.ts';
import { FrontDoor } from './front-door.ts';
import { metricsRoute, monitoringRoutes } from '../http/monitoring.ts';
import { observeModelLoad, openMonitoring, type Monitoring } from './monitoring.ts';
import { openDataPlane, type DataPlane, type DataPlaneOptions } from './data-plane.ts';
import { openServices, type Services, type ServiceOptions } from './services.ts';

export interface AppDeps extends ServiceOptions {
  /** Services opened by the caller (closed by the caller); otherwise opened here and closed with the app. */
  readonly services?: Services;
  /** Who a request acts as; default: the configured user (until authentication replaces it). */
  readonly resolveActor?: ActorResolver;
  /** Data plane opened by the caller (closed by the caller); otherwise opened here, restored, and closed with the app. */
  readonly dataPlane?: DataPlane;
  /** Options for the data plane opened here. */
  readonly dataPlaneOptions?: DataPlaneOptions;
  /** Monitoring opened by the caller (a cluster worker); otherwise opened here for a single process and closed with the app. */
  readonly monitoring?: Monitoring;
}

const API_VERSION = '0.1.0';

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const tls = tlsFromConfig(config);
  const { maxHeaderSize, requestTimeoutMs, connectionTimeoutMs } = config.server;
  const frontDoor = new FrontDoor();
  const app = Fastify({
    // Credentials, keys and connection URLs never reach the log.
    logger: { level: config.logLevel, ...pinoRedaction() },
    serverFactory: frontDoor.factory(tls, maxHeaderSize),
    // Slow clients cannot hold a worker: whole requests and their headers have deadlines.
    requestTimeout: requestTimeoutMs,
    connectionTimeout: connectionTimeoutMs,
    bodyLimit: config.server.bodyLimit,
    // Unknown query and body fields are errors, not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const headersTimeout = requestTimeoutMs > 0 ? Math.min(config.server.headersTimeoutMs, requestTimeoutMs) : config.server.headersTimeoutMs;
  if (headersTimeout > 0) app.server.headersTimeout = headersTimeout;
  try {
    const services = deps.services ?? (await openServices(config, { ...deps, logger: deps.logger ?? app.log }));
    if (!deps.services) app.addHook('onClose', async () => services.close());
    installErrorHandlers(app, { bodyLimit: config.server.bodyLimit, maxArtifactBytes: config.registry.maxArtifactBytes });
    installActor(app, config, deps.resolveActor);
    const security = openSecurity(config, services.security, services.clock);
    app.addHook('onClose', async () => security.close());
    const guardsFor = installSecurity(app, { config, security });
    await registerOpenApi(app, API_VERSION);
    await app.register(registryRoutes, { prefix: '/api/v1', registry: services.registry, config });
    const securityApi = localSecurityApi(security, { registry: services.registry, endpoints: services.endpoints, config, clock: services.clock, auditChanges: false });
    const now = () => services.clock.now();
    await app.register(keyRoutes, { prefix: '/api/v1', api: securityApi, now });
    await app.register(auditRoutes, { prefix: '/api/v1', api: securityApi, now });
    const dataPlane = deps.dataPlane ?? openDataPlane(config, services, {
      logger: app.log, replicaSync: deps.databaseSchema ? { schema: deps.databaseSchema } : {}, ...deps.dataPlaneOptions,
    });
    if (!deps.dataPlane) app.addHook('onClose', async () => dataPlane.close());
    // Opened before the restore so the first model loads are timed too.
    // Alert responses reach the rollout controller, which is opened below (after the restore).
    const opened: { control?: RolloutControl } = {};
    const rollout: RolloutControl = {
      pause: async (endpoint, reason) => opened.control?.pause(endpoint, reason),
      abort: async (endpoint, reason) => opened.control?.abort(endpoint, reason),
    };
    const monitoring = deps.monitoring ?? (await openMonitoring(config, services, {
      rollout,
      windows: dataPlane.windows,
      ...(deps.databaseSchema ? { databaseSchema: deps.databaseSchema } : {}),
      log: (level, message, data) => app.log[level](data, message),
    }));
    dataPlane.pool.onLoad ??= observeModelLoad(monitoring);
    if (!deps.dataPlane) await dataPlane.restore();
    await app.register(endpointRoutes, { prefix: '/api/v1', endpoints: dataPlane.endpoints });
    const rollouts = await openRollouts(config, services, dataPlane, {
      ...(deps.databaseSchema ? { databaseSchema: deps.databaseSchema } : {}),
      onError: (err, rollout) => app.log.error({ err, rollout }, 'rollout controller step failed'),
    });
    // Registered after the data plane's onClose hook, so it runs first: the controller stops before routes drain.
    app.addHook('onClose', async () => rollouts.close());
    opened.control = rolloutControl(rollouts.controller);
    await app.register(rolloutRoutes, { prefix: '/api/v1', rollouts: rollouts.controller });
    // Tests and the serve command reach the control (ticks, flushes) through the app, and tests the fast path.
    app.decorate('monitoring', monitoring);
    app.decorate('frontDoor', frontDoor);
    if (!deps.monitoring) {
      monitoring.control?.start();
      monitoring.log?.start();
      app.addHook('onClose', async () => monitoring.close());
    }
    await app.register(metricsRoute, { view: monitoring.view });
    await app.register(monitoringRoutes, { prefix: '/api/v1', view: monitoring.view, predictions: monitoring.predictions, clock: services.clock, feedbackWindowMs: config.monitoring.predictionLog.feedbackWindowMs });
    const requests = monitoring.monitor === null ? null : requestMonitoring(monitoring.monitor);
    const bodyLimit = config.server.bodyLimit;
    await app.register(dataPlaneRoutes, { router: dataPlane.router, bodyLimit, serverVersion: API_VERSION, monitoring: requests });
    // A custom actor resolver reads Fastify's request: the fast path then leaves inference to Fastify too.
    if (deps.resolveActor === undefined) {
      frontDoor.fast = fastPath({ router: dataPlane.router, bodyLimit, guardsFor, monitoring: requests, log: app.log, actor: config.user });
      app.addHook('preClose', (done) => {
        frontDoor.fast = null;
        done();
      });
    }
    await app.ready();
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}
