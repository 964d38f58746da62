/**
 * Rollout records, their history of events, and published shadow
 * comparisons, as the store keeps them; the repository interface the rollout
 * controller receives. Plans and controller state are JSON owned by the
 * rollout module (the store does not interpret them).
 */

export type RolloutPhase = 'pending' | 'progressing' | 'paused' | 'promoting' | 'succeeded' | 'aborted' | 'failed';

export const ACTIVE_PHASES: readonly RolloutPhase[] = ['pending', 'progressing', 'paused', 'promoting'];

export interface RolloutRecord {
  readonly id: string;
  readonly endpoint: string;
  readonly model: string;
  readonly strategy: string;
  readonly stableVersion: number;
  readonly candidateVersion: number;
  /** The parsed plan (rollout/plan-types RolloutPlan). */
  readonly plan: unknown;
  readonly phase: RolloutPhase;
  /** The controller's progress (rollout/state RolloutState). */
  readonly state: unknown;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
}

export interface RolloutEvent {
  readonly id: number;
  readonly endpoint: string;
  readonly rolloutId: string | null;
  readonly at: string;
  readonly actor: string;
  /** e.g. created, weight, verdict, paused, promoted, aborted, rollback, webhook. */
  readonly kind: string;
  readonly reason: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export type RolloutEventWrite = Omit<RolloutEvent, 'id'>;

export interface RolloutStore {
  /** Inserts a rollout; MG_ROLLOUT_ACTIVE when the endpoint already has an active one. `replace`: that one is aborted first, atomically. */
  create(record: RolloutRecord, options?: { replace?: { at: string; state: (old: RolloutRecord) => unknown } }): Promise<{ replaced: RolloutRecord | null }>;
  /** Stores a new phase and state; the active flag follows the phase. */
  update(id: string, phase: RolloutPhase, state: unknown, at: string): Promise<RolloutRecord>;
  get(id: string): Promise<RolloutRecord | null>;
  /** An endpoint's rollouts, newest first. */
  list(endpoint: string, limit?: number): Promise<readonly RolloutRecord[]>;
  /** Every rollout in an active phase. */
  active(): Promise<readonly RolloutRecord[]>;
  addEvent(event: RolloutEventWrite): Promise<RolloutEvent>;
  /** Events of an endpoint (or of one rollout), oldest first. */
  events(endpoint: string, rolloutId?: string): Promise<readonly RolloutEvent[]>;
  /** One serving process's shadow sums for an endpoint (replaces what it published before). */
  putShadowSums(endpoint: string, source: string, shadowVersion: number, sums: unknown, at: string): Promise<void>;
  /** Every process's published sums for an endpoint's shadow version. */
  shadowSums(endpoint: string, shadowVersion: number): Promise<readonly unknown[]>;
  /** Forgets published sums (a new shadow rollout starts from zero). */
  clearShadowSums(endpoint: string): Promise<void>;
  close(): Promise<void>;
}
