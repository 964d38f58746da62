/**
 * Endpoint records as the store keeps them, and the repository interface the
 * rollout service receives. An endpoint is a stable name clients call; here
 * it routes to one version of one model (the rollout controller later adds
 * traffic policies on top).
 */

/** Dynamic batching settings for the version an endpoint serves (Triton's semantics). */
export interface BatchingSpec {
  readonly maxBatchSize: number;
  readonly maxQueueDelayUs: number;
  readonly preferredBatchSizes?: readonly number[];
  readonly maxQueueSize?: number;
  readonly timeoutMs?: number;
}

/**
 * How an endpoint splits traffic beside its stable version. Weights are in
 * tenths of a percent (0–1000) so routing compares integers.
 */
export interface TrafficPolicy {
  /** Takes `weightPermille` of live traffic (sticky by key when a key is present). */
  readonly candidate: { readonly version: number; readonly weightPermille: number } | null;
  /** Receives a mirror of `percent` % of requests off the request path; its answers are discarded. */
  readonly shadow: { readonly version: number; readonly percent: number } | null;
  /** Versions loaded and reachable only pinned (/versions/{v}/infer): the blue-green preview, a warm previous stable. */
  readonly previews: readonly number[];
  /** A request field whose value is the sticky key when the x-modelgate-key header is absent. */
  readonly stickyField: string | null;
}

export const emptyPolicy: TrafficPolicy = Object.freeze({ candidate: null, shadow: null, previews: Object.freeze([]), stickyField: null });

export interface EndpointRecord {
  readonly name: string;
  readonly model: string;
  readonly version: number;
  /** null: every request runs on its own. */
  readonly batching: BatchingSpec | null;
  readonly policy: TrafficPolicy;
  /** Increases with every change; workers compare it to decide whether to reload. */
  readonly revision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

export interface EndpointWrite {
  readonly name: string;
  readonly model: string;
  readonly version: number;
  readonly batching: BatchingSpec | null;
  /** Absent: no candidate, shadow or preview. */
  readonly policy?: TrafficPolicy;
  readonly actor: string;
  readonly at: string;
}

export interface EndpointStore {
  /** Creates the endpoint or replaces its target, bumping the revision. */
  put(write: EndpointWrite): Promise<EndpointRecord>;
  get(name: string): Promise<EndpointRecord | null>;
  list(): Promise<readonly EndpointRecord[]>;
  /** True when the endpoint existed. */
  delete(name: string): Promise<boolean>;
  /** Whether any endpoint serves this version (the registry keeps such versions). */
  isDeployed(model: string, version: number): Promise<boolean>;
  close(): Promise<void>;
}
