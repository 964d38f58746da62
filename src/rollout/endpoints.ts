/**
 * Endpoints: stable names that clients call, each serving one version of one
 * model (the rollout controller later adds traffic policies). A change is
 * made in the order that keeps traffic whole: resolve the version, load and
 * warm it, persist, switch the route atomically, drain the old one, and tell
 * the other workers. A failed load changes nothing and says why (422).
 */
import { fail, isModelgateError } from '../lib/errors.ts';
import type { Clock } from '../lib/clock.ts';
import type { CallContext } from '../registry/api.ts';
import { nameProblem } from '../registry/names.ts';
import { emptyPolicy, type BatchingSpec, type EndpointRecord, type EndpointStore, type TrafficPolicy } from '../store/endpoint-store.ts';
import type { VersionRecord } from '../store/registry-types.ts';
import { checkBatching } from './endpoints-batching.ts';
import { checkPolicy } from './traffic-policy.ts';

/** What the service needs from the registry. */
export interface VersionSource {
  getVersion(model: string, ref: number | string): Promise<VersionRecord>;
}

/** What the service needs from the data plane (the in-memory router). */
export interface RoutingTable {
  /** Loads every version the record's policy names (their registry records given) without routing to them. */
  prepare(endpoint: EndpointRecord, versions: readonly VersionRecord[]): Promise<{ commit(record?: EndpointRecord): Promise<void>; discard(): Promise<void> }>;
  remove(name: string): Promise<void>;
  markFailed(name: string, reason: string): void;
  revision(name: string): number | undefined;
  readonly notReady: ReadonlyMap<string, string>;
}

export interface DeployInput {
  readonly name: string;
  readonly model: string;
  /** A version number or an alias. */
  readonly version: number | string;
  /** Dynamic batching; maxQueueDelayUs defaults to 0. null or absent: off. */
  readonly batching?: (Omit<BatchingSpec, 'maxQueueDelayUs'> & { readonly maxQueueDelayUs?: number }) | null;
}

/** A change of stable version and traffic policy, as the rollout controller makes it. */
export interface RoutingChange {
  readonly version: number;
  readonly policy: TrafficPolicy;
}

function policyVersionList(version: number, p: TrafficPolicy): number[] {
  return [...new Set([version, ...(p.candidate ? [p.candidate.version] : []), ...(p.shadow ? [p.shadow.version] : []), ...p.previews])];
}

export type EndpointState = { readonly kind: 'serving' } | { readonly kind: 'failed'; readonly reason: string } | { readonly kind: 'pending' };

export interface EndpointView extends EndpointRecord {
  /** This process's view: serving the record's revision, failed to load it, or not loaded yet. */
  readonly state: EndpointState;
}

export type RestoreResult =
  | { readonly kind: 'loaded'; readonly endpoint: string; readonly model: string; readonly version: number }
  | { readonly kind: 'failed'; readonly endpoint: string; readonly reason: string };

export interface EndpointLogger {
  warn(obj: object, msg: string): void;
}

export interface EndpointServiceDeps {
  readonly store: EndpointStore;
  readonly registry: VersionSource;
  readonly routing: RoutingTable;
  readonly clock: Clock;
  /** Actor when the call names none. */
  readonly defaultActor: string;
  readonly logger?: EndpointLogger;
  /** Called after a change is stored and routed here, so other workers can pick it up. */
  readonly onChange?: (endpoint: string) => void;
}

export class EndpointService {
  readonly #deps: EndpointServiceDeps;
  /** One change at a time per endpoint in this process. */
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(deps: EndpointServiceDeps) {
    this.#deps = deps;
  }

  #serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(name) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.#chains.set(name, tail);
    void tail.then(() => {
      if (this.#chains.get(name) === tail) this.#chains.delete(name);
    });
    return next;
  }

  #view(record: EndpointRecord): EndpointView {
    const failed = this.#deps.routing.notReady.get(record.name);
    const state: EndpointState = this.#deps.routing.revision(record.name) === record.revision
      ? { kind: 'serving' }
      : failed !== undefined ? { kind: 'failed', reason: failed } : { kind: 'pending' };
    return { ...record, state };
  }

  /** Creates or updates an endpoint; resolves once the new version serves it here. */
  deploy(input: DeployInput, ctx: CallContext = {}): Promise<EndpointView> {
    const problem = nameProblem(input.name);
    if (problem !== null) fail('MG_REGISTRY_INVALID_NAME', { kind: 'endpoint', name: String(input.name ?? ''), detail: problem });
    const batching = checkBatching(input.name, input.batching ?? null);
    return this.#serial(input.name, async () => {
      const version = await this.#deps.registry.getVersion(input.model, input.version);
      if (version.status !== 'ready') fail('MG_REGISTRY_VERSION_NOT_READY', { model: version.model, version: version.version, status: version.status });
      return this.#apply(input.name, version.model, [version], { version: version.version, policy: emptyPolicy }, batching, ctx.actor ?? this.#deps.defaultActor);
    });
  }

  /**
   * Sets the endpoint's stable version and traffic policy (candidate weight,
   * shadow, previews): every version named is loaded and warmed first, then
   * stored and switched in one step. Batching stays as it is.
   */
  setRouting(name: string, change: RoutingChange, ctx: CallContext = {}): Promise<EndpointView> {
    return this.#serial(name, async () => {
      const current = await this.#deps.store.get(name);
      if (current === null) fail('MG_ENDPOINT_NOT_FOUND', { endpoint: name });
      checkPolicy(name, change);
      const versions = await Promise.all(policyVersionList(change.version, change.policy).map(async (v) => {
        const version = await this.#deps.registry.getVersion(current.model, v);
        if (version.status !== 'ready') fail('MG_REGISTRY_VERSION_NOT_READY', { model: version.model, version: version.version, status: version.status });
        return version;
      }));
      return this.#apply(name, current.model, versions, change, current.batching, ctx.actor ?? this.#deps.defaultActor);
    });
  }

  async #apply(name: string, model: string, versions: readonly VersionRecord[], change: RoutingChange, batching: BatchingSpec | null, actor: string): Promise<EndpointView> {
    const at = this.#deps.clock.iso();
    const provisional: EndpointRecord = {
      name, model, version: change.version, batching, policy: change.policy, revision: 0, createdAt: at, updatedAt: at, updatedBy: actor,
    };
    const prepared = await this.#deps.routing.prepare(provisional, versions);
    let record: EndpointRecord;
    try {
      record = await this.#deps.store.put({ name, model, version: change.version, batching, policy: change.policy, actor, at });
    } catch (err) {
      await prepared.discard();
      throw err;
    }
    await prepared.commit(record);
    this.#deps.onChange?.(record.name);
    return this.#view(record);
  }

  async list(): Promise<EndpointView[]> {
    return (await this.#deps.store.list()).map((r) => this.#view(r));
  }

  async get(name: string): Promise<EndpointView> {
    const record = await this.#deps.store.get(name);
    return record === null ? fail('MG_ENDPOINT_NOT_FOUND', { endpoint: name }) : this.#view(record);
  }

  delete(name: string): Promise<void> {
    return this.#serial(name, async () => {
      if (!(await this.#deps.store.delete(name))) fail('MG_ENDPOINT_NOT_FOUND', { endpoint: name });
      await this.#deps.routing.remove(name);
      this.#deps.onChange?.(name);
    });
  }

  /** Brings one endpoint in line with the store (another worker changed it). */
  sync(name: string): Promise<void> {
    return this.#serial(name, async () => {
      const record = await this.#deps.store.get(name);
      if (record === null) {
        await this.#deps.routing.remove(name);
        return;
      }
      if (this.#deps.routing.revision(name) === record.revision) return;
      await this.#load(record);
    });
  }

  /** Loads every stored endpoint (at start). One that fails to load answers 503 and is reported; the rest serve. */
  async restore(): Promise<RestoreResult[]> {
    const records = await this.#deps.store.list();
    const results: RestoreResult[] = [];
    for (const record of records) {
      const result = await this.#serial(record.name, () => this.#load(record));
      results.push(result);
    }
    return results;
  }

  async #load(record: EndpointRecord): Promise<RestoreResult> {
    try {
      const versions = await Promise.all(policyVersionList(record.version, record.policy).map((v) => this.#deps.registry.getVersion(record.model, v)));
      const prepared = await this.#deps.routing.prepare(record, versions);
      await prepared.commit(record);
      return { kind: 'loaded', endpoint: record.name, model: record.model, version: record.version };
    } catch (err) {
      if (!isModelgateError(err)) throw err;
      this.#deps.routing.markFailed(record.name, err.message);
      this.#deps.logger?.warn({ endpoint: record.name, code: err.code }, `endpoint ${record.name} cannot be loaded: ${err.message}`);
      return { kind: 'failed', endpoint: record.name, reason: err.message };
    }
  }
}
