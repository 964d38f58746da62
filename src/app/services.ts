/**
 * Opens what the control plane runs on, chosen from the config: the registry
 * store (SQLite in dataDir, or PostgreSQL with databaseUrl), the blob store
 * (dataDir/blobs), and the registry service over them. Only src/app knows
 * which implementations exist.
 */
import { join } from 'node:path';
import type { BlobStore } from '../blob/blob-store.ts';
import { openFsBlobStore } from '../blob/fs-blob-store.ts';
import type { Config } from '../config/load.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import type { RegistryLogger } from '../registry/gc.ts';
import { RegistryService } from '../registry/service.ts';
import type { EndpointStore } from '../store/endpoint-store.ts';
import { openPostgresRegistryStore } from '../store/postgres/registry-store.ts';
import type { RegistryStore } from '../store/registry-store.ts';
import type { SecurityStore } from '../store/security-store.ts';
import { SqlSecurityStore } from '../store/sql-security-store.ts';
import { SqlEndpointStore } from '../store/sql-endpoint-store.ts';
import { migrated } from '../store/sql-store.ts';
import { openSqliteRegistryStore } from '../store/sqlite/registry-store.ts';
import { openDriver, sqlitePath } from './database.ts';

export interface Services {
  readonly registry: RegistryService;
  readonly store: RegistryStore;
  readonly blobs: BlobStore;
  /** Endpoints and the version each serves (same database as the registry). */
  readonly endpoints: EndpointStore;
  /** API keys and the audit chain (same database as the registry). */
  readonly security: SecurityStore;
  readonly clock: Clock;
  /** Closes the stores; safe to call twice. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  readonly clock?: Clock;
  readonly logger?: RegistryLogger;
  /** PostgreSQL schema, for tests that isolate themselves. */
  readonly databaseSchema?: string;
  readonly isDeployed?: (model: string, version: number) => Promise<boolean>;
}

async function openBlobs(config: Config): Promise<BlobStore> {
  if (config.blobUrl !== undefined) {
    if (/^s3:\/\//i.test(config.blobUrl)) fail('MG_CONFIG_INVALID', { key: 'blobUrl', detail: 'S3 blob store is not available in this build; unset blobUrl to use dataDir/blobs' });
    fail('MG_CONFIG_INVALID', { key: 'blobUrl', detail: `unsupported scheme in "${config.blobUrl}"; expected s3://bucket/prefix` });
  }
  return openFsBlobStore(join(config.dataDir, 'blobs'));
}

export async function openServices(config: Config, options: ServiceOptions = {}): Promise<Services> {
  const clock = options.clock ?? systemClock;
  const blobs = await openBlobs(config);
  let store: RegistryStore;
  try {
    store = config.databaseUrl
      ? await openPostgresRegistryStore(config.databaseUrl, { clock, ...(options.databaseSchema ? { schema: options.databaseSchema } : {}) })
      : await openSqliteRegistryStore(sqlitePath(config), { clock });
    await blobs.cleanup();
  } catch (err) {
    await blobs.close();
    throw err;
  }
  let endpoints: SqlEndpointStore;
  try {
    endpoints = await migrated(new SqlEndpointStore(openDriver(config, { schema: options.databaseSchema })));
  } catch (err) {
    await Promise.allSettled([store.close(), blobs.close()]);
    throw err;
  }
  let security: SqlSecurityStore;
  try {
    security = await migrated(new SqlSecurityStore(openDriver(config, { schema: options.databaseSchema })));
  } catch (err) {
    await Promise.allSettled([store.close(), blobs.close(), endpoints.close()]);
    throw err;
  }
  // Deployed versions are protected from gc and deletion.
  const isDeployed = options.isDeployed ?? ((model: string, version: number) => endpoints.isDeployed(model, version));
  const registry = new RegistryService({ store, blobs, config, clock, logger: options.logger, isDeployed });
  let closed: Promise<void> | undefined;
  return {
    registry,
    store,
    blobs,
    endpoints,
    security,
    clock,
    close() {
      closed ??= Promise.allSettled([store.close(), blobs.close(), endpoints.close(), security.close()]).then((results) => {
        const failed = results.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      });
      return closed;
    },
  };
}
