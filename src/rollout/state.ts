/**
 * What the controller persists about a rollout's progress, beside its phase:
 * the step it is on and when that step started (absolute times, so a restart
 * honours time already spent), analysis counters, the latest verdicts, and
 * the blue-green stage. Stored as JSON in the rollout record.
 */
import type { RolloutPhase, RolloutRecord } from '../store/rollout-store.ts';
import type { Verdict } from './analysis.ts';
import type { RolloutPlan } from './plan-types.ts';

export interface Counters {
  passes: number;
  failures: number;
  /** Consecutive inconclusive measurements. */
  inconclusive: number;
  /** Clock time of the last measurement (0: none yet). */
  lastAt: number;
}

export type BlueGreenStage = 'preview' | 'post' | 'scale-down';

export interface RolloutState {
  stepIndex: number;
  stepStartedAt: number;
  /** Candidate weight in percent now. */
  weight: number;
  pausedAt: number | null;
  message: string;
  step: Counters;
  background: Counters;
  stage: BlueGreenStage | null;
  stageStartedAt: number;
  /** Newest last, at most 20. */
  verdicts: Verdict[];
  finishedAt: number | null;
}

export interface Rollout extends Omit<RolloutRecord, 'plan' | 'state'> {
  readonly plan: RolloutPlan;
  readonly state: RolloutState;
}

export const zeroCounters = (): Counters => ({ passes: 0, failures: 0, inconclusive: 0, lastAt: 0 });

export function initialState(now: number): RolloutState {
  return {
    stepIndex: 0, stepStartedAt: now, weight: 0, pausedAt: null, message: 'waiting to start',
    step: zeroCounters(), background: zeroCounters(), stage: null, stageStartedAt: now, verdicts: [], finishedAt: null,
  };
}

export function asRollout(r: RolloutRecord): Rollout {
  return { ...r, plan: r.plan as RolloutPlan, state: r.state as RolloutState };
}

export const isActive = (phase: RolloutPhase): boolean => phase === 'pending' || phase === 'progressing' || phase === 'paused' || phase === 'promoting';
