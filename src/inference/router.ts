/**
 * The data plane's routing table: endpoint name → the routes serving it (a
 * stable version, and per the traffic policy a weighted candidate, a shadow
 * and pinned previews), kept in memory so the hot path never reads the
 * store. A change is two-phase: prepare() loads and warms what is new (routes
 * for versions that stay are reused; the old table keeps serving, and keeps
 * serving if a load fails); commit() swaps the map entry in one synchronous
 * step, then the routes no longer used drain their in-flight requests, close
 * their batchers and let go of their sessions. Picking a version is integer
 * arithmetic on precomputed thresholds: no allocation per request.
 */
import { fail } from '../lib/errors.ts';
import type { NamedTensor } from '../runtime/tensor.ts';
import type { EndpointRecord } from '../store/endpoint-store.ts';
import type { VersionRecord } from '../store/registry-types.ts';
import { DynamicBatcher, isBatchable, type BatcherStats } from './batcher.ts';
import type { ModelPool, PooledSession } from './model-pool.ts';
import type { InputLimits, ServedModel } from './served-model.ts';
import { ShadowComparisons } from './shadow.ts';

/** One endpoint bound to one loaded version. */
export class Route {
  /** The stored record this route serves (rebound on commit, once the store has given it a revision). */
  endpoint: EndpointRecord;
  readonly model: ServedModel;
  readonly limits: InputLimits;
  readonly classLabels: readonly unknown[] | undefined;
  /** Execution provider in use, for model metadata. */
  readonly provider: string;
  /** Why a preferred execution provider (e.g. cuda) was not used, when one was not. */
  readonly providerFallback: string | undefined;
  /** Batching in effect (null when off, or when the model's first dimension is fixed). */
  readonly batching: EndpointRecord['batching'];
  readonly #pooled: PooledSession;
  readonly #batcher: DynamicBatcher | null;
  #inFlight = 0;
  #retired = false;
  #idle: (() => void) | null = null;

  constructor(endpoint: EndpointRecord, version: VersionRecord, pooled: PooledSession, defaults: InputLimits) {
    const { session } = pooled;
    this.endpoint = endpoint;
    this.#pooled = pooled;
    this.model = { name: endpoint.name, version: String(version.version), inputs: session.inputs, outputs: session.outputs, features: version.features };
    const labels = version.extra.classLabels;
    this.classLabels = Array.isArray(labels) ? labels : undefined;
    this.provider = session.provider.provider;
    this.providerFallback = session.provider.fallbackReason;
    const batching = endpoint.batching !== null && isBatchable(this.model) ? endpoint.batching : null;
    this.batching = batching;
    this.limits = batching === null ? defaults : { ...defaults, maxBatchSize: batching.maxBatchSize };
    this.#batcher = batching === null ? null : new DynamicBatcher((inputs, outputs) => session.run(inputs, outputs), {
      model: endpoint.name,
      maxBatchSize: batching.maxBatchSize,
      maxQueueDelayUs: batching.maxQueueDelayUs,
      preferredBatchSizes: batching.preferredBatchSizes,
      maxQueueSize: batching.maxQueueSize,
      timeoutMs: batching.timeoutMs,
    });
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** The batcher's counters (null when batching is off). */
  get batchStats(): BatcherStats | null {
    return this.#batcher?.stats ?? null;
  }

  /** Runs one request (through the batcher when batching is on). */
  async run(inputs: NamedTensor[], outputs: readonly string[]): Promise<NamedTensor[]> {
    this.#inFlight++;
    try {
      return this.#batcher === null
        ? await this.#pooled.session.run(inputs, outputs)
        : await this.#batcher.submit(inputs, outputs);
    } finally {
      if (--this.#inFlight === 0 && this.#idle !== null) this.#idle();
    }
  }

  /** Waits for in-flight requests, closes the batcher and releases the session reference. */
  async retire(): Promise<void> {
    if (this.#retired) return;
    this.#retired = true;
    if (this.#inFlight > 0) await new Promise<void>((resolve) => { this.#idle = resolve; });
    await this.#batcher?.close();
    await this.#pooled.release();
  }
}

/** Header naming the sticky key: one key sees one version while the weight stands. */
export const stickyHeader = 'x-modelgate-key';

/** FNV-1a then murmur3's finaliser: a well-spread 32-bit hash of a key, the same in every process. */
export function keyBucket(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 1000;
}

/** The sticky key of a request: the header, else the configured field of a JSON body (top level or `parameters`). */
export function stickyKeyOf(headers: Record<string, unknown>, body: unknown, field: string | null): string | undefined {
  const header = headers[stickyHeader];
  if (typeof header === 'string' && header !== '') return header;
  if (field === null || typeof body !== 'object' || body === null || Buffer.isBuffer(body)) return undefined;
  const b = body as Record<string, unknown>;
  const params = b.parameters;
  const v = b[field] ?? (typeof params === 'object' && params !== null ? (params as Record<string, unknown>)[field] : undefined);
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/** Everything that serves one endpoint under its current traffic policy. */
export class EndpointRoutes {
  readonly stable: Route;
  readonly candidate: Route | null;
  /** Buckets (of 1000) below this go to the candidate. */
  readonly candidateThreshold: number;
  readonly shadow: Route | null;
  /** Requests (per 1000) mirrored to the shadow. */
  readonly shadowThreshold: number;
  readonly stickyField: string | null;
  /** Every version on the endpoint, by version string, for pinned requests. */
  readonly versions: ReadonlyMap<string, Route>;
  readonly #router: Router;

  constructor(router: Router, record: EndpointRecord, byVersion: ReadonlyMap<number, Route>) {
    this.#router = router;
    const p = record.policy;
    this.stable = byVersion.get(record.version)!;
    this.candidate = p.candidate === null ? null : byVersion.get(p.candidate.version)!;
    this.candidateThreshold = p.candidate === null ? 0 : p.candidate.weightPermille;
    this.shadow = p.shadow === null ? null : byVersion.get(p.shadow.version)!;
    this.shadowThreshold = p.shadow === null ? 0 : Math.round(p.shadow.percent * 10);
    this.stickyField = p.stickyField;
    this.versions = new Map([...byVersion].map(([v, r]) => [String(v), r]));
  }

  /** The route for one request: by sticky key bucket when a key is given, else by a random bucket. */
  pick(key?: string): Route {
    if (this.candidate === null || this.candidateThreshold === 0) return this.stable;
    const bucket = key === undefined ? this.#router.nextBucket() : keyBucket(key);
    return bucket < this.candidateThreshold ? this.candidate : this.stable;
  }

  /** Whether this request is mirrored to the shadow (null: not mirrored). */
  mirror(): Route | null {
    if (this.shadow === null || this.shadowThreshold === 0) return null;
    return this.#router.nextBucket() < this.shadowThreshold ? this.shadow : null;
  }
}

export interface PreparedRoute {
  /** The stable version's route. */
  readonly route: Route;
  /** Routes the endpoint to the new table now (as `record` when given); resolves once routes no longer used have drained. */
  commit(record?: EndpointRecord): Promise<void>;
  /** Gives the newly loaded versions back without routing to them. */
  discard(): Promise<void>;
}

/** Versions an endpoint record needs loaded: stable, candidate, shadow, previews. */
export function policyVersions(record: EndpointRecord): number[] {
  const p = record.policy;
  const all = [record.version, ...(p.candidate ? [p.candidate.version] : []), ...(p.shadow ? [p.shadow.version] : []), ...p.previews];
  return [...new Set(all)];
}

function sameBatching(a: EndpointRecord['batching'], b: EndpointRecord['batching']): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class Router {
  readonly #pool: ModelPool;
  readonly #defaults: InputLimits;
  readonly #routes = new Map<string, EndpointRoutes>();
  /** Endpoints that exist but could not be loaded, with why. */
  readonly #failed = new Map<string, string>();
  /** Shadow comparisons made by this process. */
  readonly shadows = new ShadowComparisons();
  /** xorshift32 state for weighted and mirrored picks (quality is ample for traffic splitting). */
  #state = 0x9e3779b9;

  constructor(pool: ModelPool, defaults: InputLimits = {}, seed?: number) {
    this.#pool = pool;
    this.#defaults = defaults;
    if (seed !== undefined && seed !== 0) this.#state = seed >>> 0;
  }

  /** A pseudo-random bucket in [0, 1000). */
  nextBucket(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state % 1000;
  }

  /** The routes of an endpoint; 404 when unknown, 503 when it exists but is not loaded. */
  endpoint(name: string): EndpointRoutes {
    const routes = this.#routes.get(name);
    if (routes !== undefined) return routes;
    const reason = this.#failed.get(name);
    if (reason !== undefined) fail('MG_INFERENCE_MODEL_NOT_READY', { model: name, detail: reason });
    return fail('MG_INFERENCE_MODEL_NOT_FOUND', { model: name });
  }

  /** The route for one request to an endpoint (weighted, or sticky by `key`). */
  route(name: string, key?: string): Route {
    return this.endpoint(name).pick(key);
  }

  /** The route serving `version` on the endpoint (stable, candidate, shadow or preview); 404 otherwise. */
  routeVersion(name: string, version: string): Route {
    const route = this.endpoint(name).versions.get(version);
    return route ?? fail('MG_INFERENCE_VERSION_NOT_FOUND', { model: name, version });
  }

  /** The stable route of every endpoint. */
  get routes(): readonly Route[] {
    return [...this.#routes.values()].map((r) => r.stable);
  }

  /** True when every known endpoint is routed. */
  get ready(): boolean {
    return this.#failed.size === 0;
  }

  get notReady(): ReadonlyMap<string, string> {
    return this.#failed;
  }

  /**
   * Loads and warms every version the record's policy needs without routing
   * to them; versions already served with the same batching are reused.
   * `versions` holds the registry records of those versions.
   */
  async prepare(endpoint: EndpointRecord, versions: readonly VersionRecord[]): Promise<PreparedRoute> {
    const current = this.#routes.get(endpoint.name);
    const byVersion = new Map<number, Route>();
    const fresh: Route[] = [];
    try {
      for (const v of policyVersions(endpoint)) {
        const reuse = current?.versions.get(String(v));
        if (reuse !== undefined && sameBatching(reuse.endpoint.batching, endpoint.batching)) {
          byVersion.set(v, reuse);
          continue;
        }
        const record = versions.find((r) => r.version === v);
        if (record === undefined) fail('MG_REGISTRY_VERSION_NOT_FOUND', { model: endpoint.model, version: v });
        const route = new Route(endpoint, record, await this.#pool.acquire(record), this.#defaults);
        fresh.push(route);
        byVersion.set(v, route);
      }
    } catch (err) {
      await Promise.all(fresh.map((r) => r.retire()));
      throw err;
    }
    let settled = false;
    return {
      route: byVersion.get(endpoint.version)!,
      commit: async (record) => {
        if (settled) return;
        settled = true;
        const bound = record ?? endpoint;
        const old = this.#routes.get(endpoint.name);
        // Read before the rebinding below, which may touch the old table's routes too.
        const previousShadow = old?.shadow === null || old === undefined || old.shadowThreshold === 0 ? undefined : Number(old.shadow.model.version);
        for (const route of byVersion.values()) route.endpoint = bound;
        const shadow = bound.policy.shadow?.version;
        // A newly mirrored shadow version counts from zero in every process that applies the change.
        if (shadow !== undefined && previousShadow !== shadow) this.shadows.restart(endpoint.name, shadow);
        this.#routes.set(endpoint.name, new EndpointRoutes(this, bound, byVersion));
        this.#failed.delete(endpoint.name);
        if (old === undefined) return;
        const kept = new Set(byVersion.values());
        await Promise.all([...old.versions.values()].filter((r) => !kept.has(r)).map((r) => r.retire()));
      },
      discard: async () => {
        if (settled) return;
        settled = true;
        await Promise.all(fresh.map((r) => r.retire()));
      },
    };
  }

  /** The revision of the endpoint record being served, if routed. */
  /** Every endpoint this router knows: routed, or failed to load. */
  get names(): string[] {
    return [...new Set([...this.#routes.keys(), ...this.#failed.keys()])];
  }

  revision(name: string): number | undefined {
    return this.#routes.get(name)?.stable.endpoint.revision;
  }

  /** Records that an endpoint exists but could not be loaded (it answers 503 until fixed). */
  markFailed(name: string, reason: string): void {
    if (!this.#routes.has(name)) this.#failed.set(name, reason);
  }

  /** Stops routing the endpoint and drains what it was serving. */
  async remove(name: string): Promise<void> {
    this.#failed.delete(name);
    const old = this.#routes.get(name);
    if (old === undefined) return;
    this.#routes.delete(name);
    await Promise.all([...old.versions.values()].map((r) => r.retire()));
  }

  /** Drains and releases every route. */
  async close(): Promise<void> {
    const all = [...this.#routes.keys()];
    await Promise.all(all.map((name) => this.remove(name)));
  }
}
