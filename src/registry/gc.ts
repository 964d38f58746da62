/**
 * Garbage collection: apply retention to every model (or one), delete the
 * versions it releases, then delete blobs that no version references. A blob
 * no version references may belong to a registration another process is
 * still making (its blob is written before its version): unless this run
 * released it, it is collected only once older than the grace period. A dry
 * run computes the same report without changing anything.
 */
import type { BlobStore } from '../blob/blob-store.ts';
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import type { RegistryStore } from '../store/registry-store.ts';
import type { NewHistoryEvent, VersionRecord } from '../store/registry-types.ts';
import type { GcOptions, GcReport } from './api.ts';
import { allPages } from './paging.ts';
import { planRetention, type RetentionPolicy } from './retention.ts';

/** The little of a logger the registry needs; pino and Fastify's logger both fit. */
export interface RegistryLogger {
  info(obj: object, msg: string): void;
}

export interface GcDeps {
  readonly store: RegistryStore;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  readonly isDeployed?: (model: string, version: number) => Promise<boolean>;
  /** Blobs of registrations in progress: written, not yet referenced, not garbage. */
  readonly inflight: ReadonlyMap<string, number>;
  readonly policy: RetentionPolicy;
  /** Unreferenced blobs written less than this long ago (by the wall clock) are left alone unless this run released them. */
  readonly graceMs: number;
  /** The wall clock blob write times are compared with (default Date.now). */
  readonly wallNow?: () => number;
  readonly event: (e: Pick<NewHistoryEvent, 'kind'> & Partial<NewHistoryEvent>) => NewHistoryEvent;
  readonly logger?: RegistryLogger;
}

function blobsOf(v: VersionRecord): string[] {
  return v.servingArtifact ? [v.artifact.sha256, v.servingArtifact.sha256] : [v.artifact.sha256];
}

export async function collectGarbage(deps: GcDeps, options: GcOptions): Promise<GcReport> {
  const dryRun = options.dryRun ?? false;
  const { store } = deps;
  const models = options.model !== undefined
    ? [options.model]
    : (await allPages((cursor) => store.listModels({ limit: 500, cursor }))).map((m) => m.name);
  if (options.model !== undefined && !(await store.getModel(options.model))) {
    fail('MG_REGISTRY_MODEL_NOT_FOUND', { model: options.model });
  }

  const removed: { model: string; version: number }[] = [];
  const released = new Set<string>();
  const kept: { model: string; version: number; reason: string }[] = [];
  for (const model of models) {
    const versions = await allPages((cursor) => store.listVersions(model, { limit: 500, cursor }));
    const [aliases, approvals] = await Promise.all([store.listAliases(model), store.listApprovals(model)]);
    const deployed = new Set<number>();
    if (deps.isDeployed) for (const v of versions) if (await deps.isDeployed(model, v.version)) deployed.add(v.version);
    const plan = planRetention(deps.policy, { versions, aliases, approvals, deployed, now: deps.clock.now() });
    for (const d of plan) {
      if (d.kind === 'protected') kept.push({ model, version: d.version, reason: d.reason });
      if (d.kind !== 'remove') continue;
      removed.push({ model, version: d.version });
      const record = versions.find((v) => v.version === d.version);
      if (record !== undefined) for (const sha of blobsOf(record)) released.add(sha);
      if (!dryRun) await store.deleteVersion(model, d.version, deps.event({ kind: 'version.deleted', version: d.version, data: { retention: true } }));
    }
  }

  let referenced = new Set(await store.referencedBlobs());
  if (dryRun) {
    // Nothing was deleted: what stays referenced is every blob of every version that is not in the plan.
    referenced = new Set<string>();
    const gone = new Set(removed.map((r) => `${r.model}\u0000${r.version}`));
    for (const m of (await allPages((cursor) => store.listModels({ limit: 500, cursor })))) {
      for (const v of await allPages((cursor) => store.listVersions(m.name, { limit: 500, cursor }))) {
        if (!gone.has(`${m.name}\u0000${v.version}`)) for (const sha of blobsOf(v)) referenced.add(sha);
      }
    }
  }
  const blobs: { sha256: string; size: number }[] = [];
  const youngerThan = (deps.wallNow ?? Date.now)() - deps.graceMs;
  let pendingBlobs = 0;
  for await (const blob of deps.blobs.list()) {
    if (referenced.has(blob.sha256) || deps.inflight.has(blob.sha256)) continue;
    if (!released.has(blob.sha256) && blob.writtenAt > youngerThan) {
      pendingBlobs++;
      continue;
    }
    blobs.push({ sha256: blob.sha256, size: blob.size });
    if (!dryRun) await deps.blobs.delete(blob.sha256);
  }
  const bytesFreed = blobs.reduce((n, b) => n + b.size, 0);
  deps.logger?.info({ dryRun, versions: removed.length, blobs: blobs.length, bytesFreed, pendingBlobs }, 'registry garbage collection');
  return { dryRun, versions: removed, kept, blobs, bytesFreed, pendingBlobs };
}
