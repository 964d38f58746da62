/**
 * The registry service: the rules on top of the store (names, ingest,
 * aliases and their protection, approvals, retention). The HTTP routes and
 * the CLI's local mode call it; the HTTP client implements the same RegistryApi.
 */
import type { Readable } from 'node:stream';
import type { BlobStore } from '../blob/blob-store.ts';
import type { Config } from '../config/load.ts';
import type { Clock } from '../lib/clock.ts';
import { fail, isModelgateError } from '../lib/errors.ts';
import type { RegistryStore } from '../store/registry-store.ts';
import type {
  AliasRecord, ApprovalRecord, Decision, EvaluationRecord, HistoryEvent, HistoryQuery, ModelQuery, ModelRecord,
  NewHistoryEvent, Page, Tags, VersionQuery, VersionRecord,
} from '../store/registry-types.ts';
import type {
  CallContext, GcOptions, GcReport, ModelDetail, RegisterOptions, RegistryApi, VersionComparison, VersionMetadata,
} from './api.ts';
import { compareVersionRecords } from './compare.ts';
import { collectGarbage, type RegistryLogger } from './gc.ts';
import { abandonIngest, ingestArtifact, onnxInspector, release, type ArtifactInspector, type IngestDeps } from './ingest.ts';
import { checkMetadata, resolveFeatures } from './metadata.ts';
import { assertName, assertSettableAlias, LATEST_ALIAS } from './names.ts';
import { assertMayTakeAlias } from './protection.ts';
import { allPages } from './paging.ts';

export interface RegistryServiceDeps {
  readonly store: RegistryStore;
  readonly blobs: BlobStore;
  readonly config: Config;
  readonly clock: Clock;
  readonly logger?: RegistryLogger;
  /** Whether a rollout endpoint serves the version; retention and deletion never remove one that is. */
  readonly isDeployed?: (model: string, version: number) => Promise<boolean>;
  readonly inspector?: ArtifactInspector;
}

type EventInput = Pick<NewHistoryEvent, 'kind'> & Partial<Omit<NewHistoryEvent, 'kind'>>;

export class RegistryService implements RegistryApi {
  readonly #deps: RegistryServiceDeps;
  readonly #ingest: IngestDeps;

  constructor(deps: RegistryServiceDeps) {
    this.#deps = deps;
    this.#ingest = { blobs: deps.blobs, store: deps.store, inspector: deps.inspector ?? onnxInspector, inflight: new Map() };
  }

  #event(ctx: CallContext | undefined, e: EventInput): NewHistoryEvent {
    return {
      version: null, alias: null, previousVersion: null, data: {}, ...e,
      actor: ctx?.actor ?? this.#deps.config.user,
      reason: ctx?.reason ?? null,
      at: this.#deps.clock.iso(),
    };
  }

  #actor(ctx?: CallContext): string {
    return ctx?.actor ?? this.#deps.config.user;
  }

  async #model(name: string): Promise<ModelRecord> {
    assertName('model', name);
    return (await this.#deps.store.getModel(name)) ?? fail('MG_REGISTRY_MODEL_NOT_FOUND', { model: name });
  }

  async #version(model: string, version: number): Promise<VersionRecord> {
    await this.#model(model);
    if (!Number.isInteger(version) || version < 1) fail('MG_REGISTRY_VERSION_NOT_FOUND', { model, version });
    return (await this.#deps.store.getVersion(model, version)) ?? fail('MG_REGISTRY_VERSION_NOT_FOUND', { model, version });
  }

  async createModel(input: { name: string; description?: string; tags?: Tags }, ctx?: CallContext): Promise<ModelRecord> {
    assertName('model', input.name);
    return this.#deps.store.createModel(
      { name: input.name, description: input.description ?? '', tags: input.tags ?? {}, createdBy: this.#actor(ctx) },
      this.#event(ctx, { kind: 'model.created' }),
    );
  }

  async getModel(name: string): Promise<ModelDetail> {
    const model = await this.#model(name);
    const [aliases, latestVersion, versionCount] = await Promise.all([
      this.#deps.store.listAliases(name),
      this.#deps.store.latestVersion(name),
      this.#deps.store.countVersions(name),
    ]);
    return { ...model, aliases, latestVersion, versionCount };
  }

  listModels(query: ModelQuery = {}): Promise<Page<ModelRecord>> {
    return this.#deps.store.listModels(query);
  }

  async updateModel(name: string, patch: { description?: string; tags?: Tags }, ctx?: CallContext): Promise<ModelRecord> {
    await this.#model(name);
    return this.#deps.store.updateModel(name, patch, this.#event(ctx, { kind: 'model.updated', data: { fields: Object.keys(patch) } }));
  }

  async deleteModel(name: string, ctx?: CallContext): Promise<void> {
    await this.#model(name);
    const held = new Set((await this.#deps.store.listAliases(name)).map((a) => a.version));
    if (this.#deps.isDeployed) {
      const versions = await allPages((cursor) => this.#deps.store.listVersions(name, { limit: 500, cursor }));
      for (const v of versions) if (await this.#deps.isDeployed(name, v.version)) held.add(v.version);
    }
    if (held.size > 0) fail('MG_REGISTRY_MODEL_NOT_EMPTY', { model: name, count: held.size });
    await this.#deps.store.deleteModel(name, this.#event(ctx, { kind: 'model.deleted' }));
  }

  async registerVersion(
    model: string,
    artifact: AsyncIterable<Uint8Array> | Readable,
    metadata: VersionMetadata,
    options: RegisterOptions = {},
  ): Promise<VersionRecord> {
    assertName('model', model);
    const meta = checkMetadata(metadata);
    if (meta.lineage?.parentVersion !== undefined) await this.#version(model, meta.lineage.parentVersion);
    if (!(await this.#deps.store.getModel(model))) {
      await this.createModel({ name: model }, options).catch((err: unknown) => {
        if (!isModelgateError(err, 'MG_REGISTRY_MODEL_EXISTS')) throw err;
      });
    }
    const ingested = await ingestArtifact(this.#ingest, artifact, {
      maxBytes: this.#deps.config.registry.maxArtifactBytes,
      fileName: meta.artifactName,
      onProgress: options.onProgress ? (n) => options.onProgress!(n, options.size) : undefined,
    });
    try {
      const features = resolveFeatures(meta, ingested.servingSignature ?? ingested.signature);
      return await this.#deps.store.createVersion(
        {
          model,
          status: 'ready',
          description: meta.description ?? '',
          artifact: ingested.artifact,
          ...(ingested.servingArtifact ? { servingArtifact: ingested.servingArtifact } : {}),
          signature: ingested.signature,
          features,
          metrics: meta.metrics ?? {},
          params: meta.params ?? {},
          tags: meta.tags ?? {},
          lineage: meta.lineage ?? {},
          modelCard: meta.modelCard ?? null,
          referenceProfile: meta.referenceProfile ?? null,
          extra: ingested.extra,
          createdBy: this.#actor(options),
        },
        { ...this.#event(options, { kind: 'version.registered', data: { sha256: ingested.artifact.sha256 } }) },
      );
    } catch (err) {
      await abandonIngest(this.#ingest, ingested);
      throw err;
    } finally {
      release(this.#ingest.inflight, ingested.artifact.sha256);
      if (ingested.servingArtifact) release(this.#ingest.inflight, ingested.servingArtifact.sha256);
    }
  }

  async getVersion(model: string, ref: number | string): Promise<VersionRecord> {
    return this.#version(model, await this.#resolve(model, ref));
  }

  async #resolve(model: string, ref: number | string): Promise<number> {
    if (typeof ref === 'number') return ref;
    if (/^[0-9]+$/.test(ref)) return Number(ref);
    await this.#model(model);
    if (ref === LATEST_ALIAS) {
      return (await this.#deps.store.latestVersion(model)) ?? fail('MG_REGISTRY_ALIAS_NOT_FOUND', { model, alias: ref });
    }
    assertName('alias', ref);
    const alias = await this.#deps.store.getAlias(model, ref);
    return alias?.version ?? fail('MG_REGISTRY_ALIAS_NOT_FOUND', { model, alias: ref });
  }

  async listVersions(model: string, query: VersionQuery = {}): Promise<Page<VersionRecord>> {
    await this.#model(model);
    return this.#deps.store.listVersions(model, query);
  }

  async updateVersion(
    model: string,
    version: number,
    patch: { description?: string; tags?: Tags; modelCard?: string },
    ctx?: CallContext,
  ): Promise<VersionRecord> {
    await this.#version(model, version);
    const clean = Object.fromEntries(Object.entries(patch).filter(([k, v]) => v !== undefined && ['description', 'tags', 'modelCard'].includes(k)));
    return this.#deps.store.updateVersion(model, version, clean, this.#event(ctx, { kind: 'version.updated', version, data: { fields: Object.keys(clean) } }));
  }

  async archiveVersion(model: string, version: number, ctx?: CallContext): Promise<VersionRecord> {
    const v = await this.#version(model, version);
    if (v.status === 'archived') return v;
    const aliases = (await this.#deps.store.listAliases(model)).filter((a) => a.version === version).map((a) => a.alias);
    if (aliases.length > 0) fail('MG_REGISTRY_VERSION_HAS_ALIAS', { model, version, aliases: aliases.join(', ') });
    return this.#deps.store.updateVersion(model, version, { status: 'archived' }, this.#event(ctx, { kind: 'version.archived', version }));
  }

  async downloadArtifact(model: string, version: number): Promise<{ stream: Readable; size: number; sha256: string }> {
    const v = await this.#version(model, version);
    return { stream: await this.#deps.blobs.open(v.artifact.sha256), size: v.artifact.size, sha256: v.artifact.sha256 };
  }

  async compareVersions(model: string, a: number | string, b: number | string): Promise<VersionComparison> {
    const [va, vb] = await Promise.all([this.getVersion(model, a), this.getVersion(model, b)]);
    return compareVersionRecords(va, vb);
  }

  async setAlias(model: string, alias: string, version: number, ctx?: CallContext): Promise<AliasRecord> {
    assertSettableAlias(alias);
    const target = await this.#version(model, version);
    const current = await this.#deps.store.getAlias(model, alias);
    if (current?.version === version) return current;
    await assertMayTakeAlias(this.#deps.store, this.#deps.config, target, alias);
    const record = await this.#deps.store.setAlias(model, alias, version,
      this.#event(ctx, { kind: 'alias.set', alias, version, previousVersion: current?.version ?? null }));
    if (current && this.#deps.config.registry.archivePreviousOnMove) {
      // A version still holding another alias stays live: archiving it would leave that alias on an archived version.
      const stillHeld = (await this.#deps.store.listAliases(model)).some((a) => a.version === current.version);
      if (!stillHeld) {
        await this.#deps.store.updateVersion(model, current.version, { status: 'archived' },
          this.#event(ctx, { kind: 'version.archived', version: current.version, data: { movedAlias: alias } }));
      }
    }
    return record;
  }

  async removeAlias(model: string, alias: string, ctx?: CallContext): Promise<void> {
    assertSettableAlias(alias);
    await this.#model(model);
    const current = (await this.#deps.store.getAlias(model, alias)) ?? fail('MG_REGISTRY_ALIAS_NOT_FOUND', { model, alias });
    await this.#deps.store.deleteAlias(model, alias,
      this.#event(ctx, { kind: 'alias.removed', alias, version: null, previousVersion: current.version }));
  }

  async decide(
    model: string,
    version: number,
    input: { alias: string; decision: Decision; comment?: string },
    ctx?: CallContext,
  ): Promise<ApprovalRecord> {
    assertSettableAlias(input.alias);
    if (input.decision !== 'approved' && input.decision !== 'rejected') {
      fail('MG_VALIDATION_FAILED', { location: 'body', detail: 'decision must be "approved" or "rejected"' });
    }
    const v = await this.#version(model, version);
    const actor = this.#actor(ctx);
    if (actor === v.createdBy) fail('MG_REGISTRY_SELF_APPROVAL', { actor, model, version });
    const earlier = await this.#deps.store.listApprovals(model, version, input.alias);
    if (earlier.some((d) => d.actor === actor)) fail('MG_REGISTRY_ALREADY_DECIDED', { actor, model, version, alias: input.alias });
    return this.#deps.store.addApproval(
      { model, version, alias: input.alias, decision: input.decision, actor, comment: input.comment ?? '' },
      this.#event(ctx, { kind: input.decision === 'approved' ? 'approval.approved' : 'approval.rejected', version, alias: input.alias, data: { comment: input.comment ?? '' } }),
    );
  }

  async listApprovals(model: string, version: number): Promise<readonly ApprovalRecord[]> {
    await this.#version(model, version);
    return this.#deps.store.listApprovals(model, version);
  }

  async addEvaluation(
    model: string,
    version: number,
    input: { verdict: string; report: Record<string, unknown> },
    ctx?: CallContext,
  ): Promise<EvaluationRecord> {
    await this.#version(model, version);
    return this.#deps.store.addEvaluation(
      { model, version, verdict: input.verdict, report: input.report, createdBy: this.#actor(ctx) },
      this.#event(ctx, { kind: 'evaluation.recorded', version, data: { verdict: input.verdict } }),
    );
  }

  async listEvaluations(model: string, version: number): Promise<readonly EvaluationRecord[]> {
    await this.#version(model, version);
    return this.#deps.store.listEvaluations(model, version);
  }

  async history(model: string, query: HistoryQuery = {}): Promise<Page<HistoryEvent>> {
    assertName('model', model);
    if (query.alias !== undefined) assertName('alias', query.alias);
    const page = await this.#deps.store.history(model, query);
    // History outlives a deleted model; an unknown name with no history at all is a typo.
    if (page.items.length === 0 && !query.cursor && !(await this.#deps.store.getModel(model))) {
      const any = await this.#deps.store.history(model, { limit: 1 });
      if (any.items.length === 0) fail('MG_REGISTRY_MODEL_NOT_FOUND', { model });
    }
    return page;
  }

  async aliasAt(model: string, alias: string, at: string): Promise<number | null> {
    assertSettableAlias(alias);
    if (Number.isNaN(Date.parse(at))) fail('MG_VALIDATION_FAILED', { location: 'query', detail: `at: "${at}" is not an ISO-8601 time` });
    await this.history(model, { limit: 1 });
    return this.#deps.store.aliasAt(model, alias, new Date(Date.parse(at)).toISOString());
  }

  gc(options: GcOptions = {}): Promise<GcReport> {
    if (options.model !== undefined) assertName('model', options.model);
    return collectGarbage({
      store: this.#deps.store,
      blobs: this.#deps.blobs,
      clock: this.#deps.clock,
      isDeployed: this.#deps.isDeployed,
      inflight: this.#ingest.inflight,
      policy: {
        keepLast: options.keepLast ?? this.#deps.config.registry.retention.keepLast,
        maxAgeMs: options.maxAgeMs ?? this.#deps.config.registry.retention.maxAgeMs,
      },
      graceMs: this.#deps.config.registry.gcGracePeriodMs,
      event: (e) => this.#event(options, e),
      logger: this.#deps.logger,
    }, options);
  }
}
