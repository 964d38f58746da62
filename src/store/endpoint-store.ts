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

export interface EndpointRecord {
  readonly name: string;
  readonly model: string;
  readonly version: number;
  /** null: every request runs on its own. */
  readonly batching: BatchingSpec | null;
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
