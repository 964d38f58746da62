/**
 * The data plane's routing table: endpoint name → the route serving it, kept
 * in memory so the hot path never reads the store. A change is two-phase:
 * prepare() loads and warms the new version (the old route keeps serving, and
 * keeps serving if the load fails); commit() swaps the map entry in one
 * synchronous step, then the old route drains its in-flight requests, closes
 * its batcher and lets go of its session.
 */
import { fail } from '../lib/errors.ts';
import type { NamedTensor } from '../runtime/tensor.ts';
import type { EndpointRecord } from '../store/endpoint-store.ts';
import type { VersionRecord } from '../store/registry-types.ts';
import { DynamicBatcher, isBatchable } from './batcher.ts';
import type { ModelPool, PooledSession } from './model-pool.ts';
import type { InputLimits, ServedModel } from './served-model.ts';

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

export interface PreparedRoute {
  readonly route: Route;
  /** Routes the endpoint to the new version now (as `record` when given); resolves once the previous route has drained. */
  commit(record?: EndpointRecord): Promise<void>;
  /** Gives the loaded version back without routing to it. */
  discard(): Promise<void>;
}

export class Router {
  readonly #pool: ModelPool;
  readonly #defaults: InputLimits;
  readonly #routes = new Map<string, Route>();
  /** Endpoints that exist but could not be loaded, with why. */
  readonly #failed = new Map<string, string>();

  constructor(pool: ModelPool, defaults: InputLimits = {}) {
    this.#pool = pool;
    this.#defaults = defaults;
  }

  /** The route for an endpoint; 404 when unknown, 503 when it exists but is not loaded. */
  route(name: string): Route {
    const route = this.#routes.get(name);
    if (route !== undefined) return route;
    const reason = this.#failed.get(name);
    if (reason !== undefined) fail('MG_INFERENCE_MODEL_NOT_READY', { model: name, detail: reason });
    return fail('MG_INFERENCE_MODEL_NOT_FOUND', { model: name });
  }

  /** The route if it serves `version`; 404 otherwise. */
  routeVersion(name: string, version: string): Route {
    const route = this.route(name);
    if (route.model.version !== version) fail('MG_INFERENCE_VERSION_NOT_FOUND', { model: name, version });
    return route;
  }

  get routes(): readonly Route[] {
    return [...this.#routes.values()];
  }

  /** True when every known endpoint is routed. */
  get ready(): boolean {
    return this.#failed.size === 0;
  }

  get notReady(): ReadonlyMap<string, string> {
    return this.#failed;
  }

  /** Loads and warms the version for the endpoint without routing to it. */
  async prepare(endpoint: EndpointRecord, version: VersionRecord): Promise<PreparedRoute> {
    const pooled = await this.#pool.acquire(version);
    const route = new Route(endpoint, version, pooled, this.#defaults);
    let settled = false;
    return {
      route,
      commit: async (record) => {
        if (settled) return;
        settled = true;
        if (record !== undefined) route.endpoint = record;
        const old = this.#routes.get(endpoint.name);
        this.#routes.set(endpoint.name, route);
        this.#failed.delete(endpoint.name);
        if (old !== undefined) await old.retire();
      },
      discard: async () => {
        if (settled) return;
        settled = true;
        await route.retire();
      },
    };
  }

  /** The revision of the endpoint record being served, if routed. */
  revision(name: string): number | undefined {
    return this.#routes.get(name)?.endpoint.revision;
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
    await old.retire();
  }

  /** Drains and releases every route. */
  async close(): Promise<void> {
    const all = [...this.#routes.keys()];
    await Promise.all(all.map((name) => this.remove(name)));
  }
}
