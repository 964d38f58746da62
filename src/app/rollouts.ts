/**
 * The rollout controller's composition: its store (on its own connection to
 * the registry's database), routing through the endpoint service, analysis
 * over this process's live windows and shadow comparisons, smoke tests on
 * pinned previews, the registry for aliases. In a single process it runs
 * here, ticking on its interval.
 */
import { join } from 'node:path';
import type { Config } from '../config/load.ts';
import { seededRng } from '../lib/clock.ts';
import { statsOf } from '../inference/shadow.ts';
import { RolloutController } from '../rollout/controller.ts';
import { runSmoke } from '../rollout/smoke.ts';
import { PostgresDriver } from '../store/postgres/driver.ts';
import { SqlRolloutStore } from '../store/sql-rollout-store.ts';
import { SqliteDriver } from '../store/sqlite/driver.ts';
import type { DataPlane } from './data-plane.ts';
import type { Services } from './services.ts';

export interface Rollouts {
  readonly controller: RolloutController;
  close(): Promise<void>;
}

export interface RolloutOptions {
  readonly databaseSchema?: string;
  readonly onError?: (err: unknown, rollout: string) => void;
}

export async function openRollouts(config: Config, services: Services, dataPlane: DataPlane, options: RolloutOptions = {}): Promise<Rollouts> {
  const driver = config.databaseUrl
    ? new PostgresDriver(config.databaseUrl, { maxConnections: 2, ...(options.databaseSchema ? { schema: options.databaseSchema } : {}) })
    : new SqliteDriver(join(config.dataDir, 'modelgate.db'));
  const store = new SqlRolloutStore(driver);
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  const { router, endpoints, windows } = dataPlane;
  const rng = seededRng(0x5eed);
  const controller = new RolloutController({
    store,
    routing: { get: (name) => endpoints.get(name), setRouting: (name, change, ctx) => endpoints.setRouting(name, change, ctx) },
    registry: services.registry,
    windows,
    shadow: async (endpoint, version) => statsOf(router.shadows.sums(endpoint, version)),
    resetShadow: async (endpoint) => router.shadows.reset(endpoint),
    smoke: (endpoint, version, requests, limitMs) => runSmoke(router.routeVersion(endpoint, String(version)), requests, limitMs, rng, () => performance.now()),
    clock: services.clock,
    defaultActor: config.user,
    webhookSecret: config.rollout.webhookSecret ?? null,
    rollbackWindowMs: config.rollout.rollbackWindowMs,
    onError: options.onError,
  });
  if (config.rollout.controller) controller.startLoop(config.rollout.tickIntervalMs);
  return {
    controller,
    async close() {
      await controller.stop();
      await store.close();
    },
  };
}
