/**
 * The registry as its callers see it. The in-process service (service.ts)
 * and the HTTP client (src/cli/http-client, talking to /api/v1) implement
 * the same interface, so the CLI works on a local data directory or a server
 * with the same code.
 */
import type { Readable } from 'node:stream';
import type {
  AliasRecord, ApprovalRecord, Decision, EvaluationRecord, HistoryEvent, HistoryQuery, Lineage, ModelQuery,
  ModelRecord, Page, ReferenceProfile, Tags, VersionQuery, VersionRecord,
} from '../store/registry-types.ts';

/** Who is acting, and why. Until authentication exists the actor is the configured user. */
export interface CallContext {
  readonly actor?: string;
  readonly reason?: string;
}

export interface ModelDetail extends ModelRecord {
  readonly aliases: readonly AliasRecord[];
  /** Highest non-archived version, the computed `latest` alias. */
  readonly latestVersion: number | null;
  readonly versionCount: number;
}

/** Everything about a version except its artifact, as sent with a registration. */
export interface VersionMetadata {
  readonly description?: string;
  readonly features?: readonly string[];
  readonly metrics?: Readonly<Record<string, number>>;
  readonly params?: Readonly<Record<string, string>>;
  readonly tags?: Tags;
  readonly lineage?: Lineage;
  readonly modelCard?: string;
  readonly referenceProfile?: ReferenceProfile;
  readonly artifactName?: string;
}

export interface RegisterOptions extends CallContext {
  /** Total bytes, when known, for progress. */
  readonly size?: number;
  readonly onProgress?: (bytes: number, total: number | undefined) => void;
}

export type SignatureChange =
  | { readonly kind: 'compatible'; readonly detail: string }
  | { readonly kind: 'breaking'; readonly detail: string };

export interface ValueDiff<T> {
  readonly key: string;
  readonly a: T | undefined;
  readonly b: T | undefined;
  /** b - a, for numbers. */
  readonly delta?: number;
}

export interface VersionComparison {
  readonly model: string;
  readonly a: number;
  readonly b: number;
  readonly metrics: readonly ValueDiff<number>[];
  readonly params: readonly ValueDiff<string>[];
  readonly tags: readonly ValueDiff<string>[];
  readonly lineage: readonly ValueDiff<unknown>[];
  readonly signature: { readonly verdict: 'compatible' | 'breaking'; readonly changes: readonly SignatureChange[] };
}

export interface GcOptions extends CallContext {
  readonly dryRun?: boolean;
  /** Overrides of the configured retention policy. */
  readonly keepLast?: number;
  readonly maxAgeMs?: number;
  readonly model?: string;
}

export interface GcReport {
  readonly dryRun: boolean;
  /** Versions removed (or that would be). */
  readonly versions: readonly { readonly model: string; readonly version: number }[];
  /** Versions retention would remove but kept, with why (alias, deployed, awaiting approval). */
  readonly kept: readonly { readonly model: string; readonly version: number; readonly reason: string }[];
  /** Unreferenced blobs removed (or that would be), with bytes. */
  readonly blobs: readonly { readonly sha256: string; readonly size: number }[];
  readonly bytesFreed: number;
  /** Unreferenced blobs left for a later run: written within the grace period, so a registration may still be on its way. */
  readonly pendingBlobs: number;
}

export interface RegistryApi {
  createModel(input: { name: string; description?: string; tags?: Tags }, ctx?: CallContext): Promise<ModelRecord>;
  getModel(name: string): Promise<ModelDetail>;
  listModels(query?: ModelQuery): Promise<Page<ModelRecord>>;
  updateModel(name: string, patch: { description?: string; tags?: Tags }, ctx?: CallContext): Promise<ModelRecord>;
  deleteModel(name: string, ctx?: CallContext): Promise<void>;

  /** Streams the artifact in, parses it, stores it; creates the model if it does not exist. */
  registerVersion(
    model: string,
    artifact: AsyncIterable<Uint8Array> | Readable,
    metadata: VersionMetadata,
    options?: RegisterOptions,
  ): Promise<VersionRecord>;
  /** A version by number, or by alias name (including the computed `latest`). */
  getVersion(model: string, ref: number | string): Promise<VersionRecord>;
  listVersions(model: string, query?: VersionQuery): Promise<Page<VersionRecord>>;
  updateVersion(
    model: string,
    version: number,
    patch: { description?: string; tags?: Tags; modelCard?: string },
    ctx?: CallContext,
  ): Promise<VersionRecord>;
  archiveVersion(model: string, version: number, ctx?: CallContext): Promise<VersionRecord>;
  downloadArtifact(model: string, version: number): Promise<{ readonly stream: Readable; readonly size: number; readonly sha256: string }>;
  compareVersions(model: string, a: number | string, b: number | string): Promise<VersionComparison>;

  setAlias(model: string, alias: string, version: number, ctx?: CallContext): Promise<AliasRecord>;
  removeAlias(model: string, alias: string, ctx?: CallContext): Promise<void>;

  decide(
    model: string,
    version: number,
    input: { alias: string; decision: Decision; comment?: string },
    ctx?: CallContext,
  ): Promise<ApprovalRecord>;
  listApprovals(model: string, version: number): Promise<readonly ApprovalRecord[]>;

  addEvaluation(
    model: string,
    version: number,
    input: { verdict: string; report: Record<string, unknown> },
    ctx?: CallContext,
  ): Promise<EvaluationRecord>;
  listEvaluations(model: string, version: number): Promise<readonly EvaluationRecord[]>;

  history(model: string, query?: HistoryQuery): Promise<Page<HistoryEvent>>;
  /** What the alias pointed to at an ISO time; null when it pointed nowhere. */
  aliasAt(model: string, alias: string, at: string): Promise<number | null>;

  gc(options?: GcOptions): Promise<GcReport>;
}
