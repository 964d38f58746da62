/**
 * The rollout controller's composition: its store (on its own connection to
 * the registry's database), routing through the endpoint service, analysis
 * over live windows and shadow comparisons, smoke tests on pinned previews,
 * the registry for aliases.
 *
 * With `serve --workers N` the controller runs in one worker (the leader,
 * chosen by the primary) rather than in the primary, because a routing
 * change has to be loaded and warmed where the models are: the leader
 * changes its own router first (two-phase, through the endpoint service),
 * the store, and then the primary tells every other worker to sync. What
 * the analysis reads is cluster-wide all the same: windows are the merged
 * windows the primary forwards to the leader (`dataPlane.cluster`), and
 * shadow comparisons are summed over every process's row in the store's
 * shadow_stats table, which every serving process (leader or not) publishes
 * to each push interval.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/load.ts';
import { seededRng } from '../lib/clock.ts';
import { rolloutControl } from '../rollout/control.ts';
import { RolloutController } from '../rollout/controller.ts';
import { ShadowSumsPublisher } from '../rollout/shadow-sums.ts';
import { runSmoke } from '../rollout/smoke.ts';
import { PgLease } from '../store/postgres/lease.ts';
import { SqlRolloutStore } from '../store/sql-rollout-store.ts';
import { migrated } from '../store/sql-store.ts';
import { openDriver } from './database.ts';
import type { DataPlane } from './data-plane.ts';
import type { Services } from './services.ts';

export interface Rollouts {
  readonly controller: RolloutController;
  /** This process's shadow comparisons, published to the store and summed with every other process's. */
  readonly shadowSums: ShadowSumsPublisher;
  close(): Promise<void>;
}

export interface RolloutOptions {
  readonly databaseSchema?: string;
  readonly onError?: (err: unknown, rollout: string) => void;
}

export async function openRollouts(config: Config, services: Services, dataPlane: DataPlane, options: RolloutOptions = {}): Promise<Rollouts> {
  const store = await migrated(new SqlRolloutStore(openDriver(config, { schema: options.databaseSchema, maxConnections: 2 })));
  const { router, endpoints, windows } = dataPlane;
  const rng = seededRng(0x5eed);
  const shadowSums = new ShadowSumsPublisher({
    store, source: router.shadows, sourceId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    iso: () => services.clock.iso(), onError: (err) => options.onError?.(err, 'shadow-sums'),
  });
  shadowSums.start(config.monitoring.pushIntervalMs);
  const notLeader = dataPlane.cluster !== null && dataPlane.cluster.windows === null;
  // Replicas sharing PostgreSQL: one controller among them, the one holding the lease.
  const lease = config.databaseUrl && config.rollout.controller && !notLeader
    ? new PgLease(config.databaseUrl, `modelgate.rollout-controller.${options.databaseSchema ?? 'public'}`, {
      onAcquired: () => controller.startLoop(config.rollout.tickIntervalMs),
      onLost: () => void controller.stop(),
      onError: (err) => options.onError?.(err, 'lease'),
    })
    : null;
  const controller = new RolloutController({
    store,
    routing: { get: (name) => endpoints.get(name), setRouting: (name, change, ctx) => endpoints.setRouting(name, change, ctx) },
    registry: services.registry,
    windows: dataPlane.cluster?.windows ?? windows,
    shadow: (endpoint, version) => shadowSums.stats(endpoint, version),
    resetShadow: (endpoint) => shadowSums.clear(endpoint),
    smoke: (endpoint, version, requests, limitMs) => runSmoke(router.routeVersion(endpoint, String(version)), requests, limitMs, rng, () => performance.now()),
    clock: services.clock,
    defaultActor: config.user,
    webhookSecret: config.rollout.webhookSecret ?? null,
    rollbackWindowMs: config.rollout.rollbackWindowMs,
    onError: options.onError,
    // A cluster worker that is not the leader, or a replica without the lease, stores commands and leaves the steps to the loop that runs.
    deferTicks: () => notLeader || (lease !== null && !lease.held),
  });
  if (config.rollout.controller) {
    if (lease === null) controller.startLoop(config.rollout.tickIntervalMs);
    else await lease.start();
    // The primary's alert rules reach the controller through the worker that runs it.
    dataPlane.cluster?.serveControl(rolloutControl(controller, 'alerts'));
  }
  return {
    controller,
    shadowSums,
    async close() {
      await lease?.close();
      await controller.stop();
      await shadowSums.stop();
      await store.close();
    },
  };
}
