/**
 * How each strategy advances one rollout by one move: the pending setup
 * (webhooks, initial routing, blue-green smoke tests and switch), canary
 * steps with step and background analysis, the blue-green post-promotion
 * window, shadow analysis, and promotion (new stable, alias, scale-down of
 * the old blue). `advance` returns true when it changed something and may be
 * called again at once.
 */
import { emptyPolicy, type TrafficPolicy } from '../store/endpoint-store.ts';
import type { RolloutEvent, RolloutPhase } from '../store/rollout-store.ts';
import type { Verdict } from './analysis.ts';
import type { ControllerDeps } from './controller.ts';
import type { RoutingChange } from './endpoints.ts';
import { zeroCounters, type Counters, type Rollout, type RolloutState } from './state.ts';
import { weightPermille } from './traffic-policy.ts';
import type { WebhookType } from './plan-types.ts';

export interface Stepper {
  readonly deps: ControllerDeps;
  now(): number;
  save(r: Rollout, phase: RolloutPhase, state: RolloutState): Promise<Rollout>;
  event(r: { endpoint: string; id: string | null }, kind: string, reason: string, actor: string, details?: Record<string, unknown>): Promise<RolloutEvent>;
  route(r: { endpoint: string; id: string | null }, change: RoutingChange, actor: string, reason: string): Promise<void>;
  hooks(r: Rollout, type: WebhookType, extra?: Record<string, unknown>): Promise<string | null>;
  abort(r: Rollout, actor: string, reason: string, phase?: 'aborted' | 'failed'): Promise<void>;
  measure(r: Rollout, stable: number, candidate: number): Promise<Verdict>;
}

const SYSTEM = 'rollout-controller';

function policy(r: Rollout, patch: Partial<TrafficPolicy>): TrafficPolicy {
  return { ...emptyPolicy, stickyField: r.plan.stickyField, ...patch };
}

function canaryPolicy(r: Rollout, weight: number): TrafficPolicy {
  return policy(r, { candidate: { version: r.candidateVersion, weightPermille: weightPermille(r.endpoint, weight) } });
}

async function start(s: Stepper, r: Rollout): Promise<boolean> {
  const confirm = await s.hooks(r, 'confirm-rollout');
  if (confirm !== null) {
    if (r.state.message !== `waiting: ${confirm}`) await s.save(r, 'pending', { ...r.state, message: `waiting: ${confirm}` });
    return false;
  }
  const pre = await s.hooks(r, 'pre-rollout');
  if (pre !== null) {
    await s.abort(r, SYSTEM, pre);
    return false;
  }
  const now = s.now();
  const base = { ...r.state, stepIndex: 0, stepStartedAt: now, stageStartedAt: now, step: zeroCounters(), background: zeroCounters() };
  switch (r.plan.strategy) {
    case 'direct':
      await s.save(r, 'promoting', { ...base, message: 'switching directly' });
      return true;
    case 'canary':
      await s.route(r, { version: r.stableVersion, policy: canaryPolicy(r, 0) }, SYSTEM, `canary ${r.id}: candidate ${r.candidateVersion} loaded at weight 0`);
      await s.save(r, 'progressing', { ...base, weight: 0, message: 'canary started' });
      return true;
    case 'shadow':
      await s.deps.resetShadow(r.endpoint);
      await s.route(r, { version: r.stableVersion, policy: policy(r, { shadow: { version: r.candidateVersion, percent: r.plan.shadow.percent } }) },
        SYSTEM, `shadow ${r.id}: mirroring ${r.plan.shadow.percent}% to ${r.candidateVersion}`);
      await s.save(r, 'progressing', { ...base, message: `mirroring ${r.plan.shadow.percent}%` });
      return true;
    case 'blue-green': {
      await s.route(r, { version: r.stableVersion, policy: policy(r, { previews: [r.candidateVersion] }) }, SYSTEM, `blue-green ${r.id}: ${r.candidateVersion} loaded as preview`);
      const bg = r.plan.blueGreen;
      const smoke = await s.deps.smoke(r.endpoint, r.candidateVersion, bg.previewSmokeRequests, bg.smokeLatencyMs);
      await s.event(r, 'smoke', smoke ?? `${bg.previewSmokeRequests} smoke requests passed within ${bg.smokeLatencyMs} ms`, SYSTEM, { passed: smoke === null });
      if (smoke !== null) {
        await s.abort(r, SYSTEM, `pre-promotion smoke test failed: ${smoke}`);
        return false;
      }
      await s.route(r, { version: r.candidateVersion, policy: policy(r, { previews: [r.stableVersion] }) }, SYSTEM, `blue-green ${r.id}: switched to ${r.candidateVersion}, ${r.stableVersion} kept warm`);
      await s.save(r, 'progressing', { ...base, weight: 100, stage: 'post', message: 'switched; post-promotion analysis' });
      return true;
    }
  }
}

type Outcome = 'passed' | 'failed' | 'inconclusive' | 'pending' | 'limit-failed' | 'limit-inconclusive';

/** Takes a measurement when the interval has passed; updates counters and history. */
async function analyse(s: Stepper, r: Rollout, counters: Counters, stable: number, candidate: number, scope: string): Promise<{ outcome: Outcome; counters: Counters; verdict: Verdict | null }> {
  const spec = r.plan.analysis!;
  const now = s.now();
  if (counters.lastAt !== 0 && now - counters.lastAt < spec.intervalMs) return { outcome: 'pending', counters, verdict: null };
  const verdict = await s.measure(r, stable, candidate);
  const c: Counters = { ...counters, lastAt: now };
  if (verdict.kind === 'passed') {
    c.passes++;
    c.inconclusive = 0;
  } else if (verdict.kind === 'failed') {
    c.failures++;
  } else {
    c.inconclusive++;
  }
  await s.event(r, 'verdict', `${scope}: ${verdict.kind}${verdict.kind === 'passed' ? '' : ` (${verdict.reason})`}`, SYSTEM, { scope, verdict });
  let outcome: Outcome = verdict.kind;
  if (c.failures > spec.failureLimit) outcome = 'limit-failed';
  else if (c.inconclusive > spec.inconclusiveLimit) outcome = 'limit-inconclusive';
  return { outcome, counters: c, verdict };
}

function withVerdict(state: RolloutState, v: Verdict | null): RolloutState {
  return v === null ? state : { ...state, verdicts: [...state.verdicts, v].slice(-20) };
}

async function pauseInconclusive(s: Stepper, r: Rollout, state: RolloutState, scope: string): Promise<void> {
  const reason = `${scope} inconclusive ${r.plan.analysis!.inconclusiveLimit + 1} times in a row (too few samples?); resume or promote`;
  await s.save(r, 'paused', { ...state, pausedAt: s.now(), message: reason });
  await s.event(r, 'paused', reason, SYSTEM);
}

async function canary(s: Stepper, r: Rollout): Promise<boolean> {
  let state = r.state;
  const step = r.plan.steps[state.stepIndex];
  const spec = r.plan.analysis;
  if (spec !== null && step?.kind !== 'analysis' && state.weight > 0) {
    const bg = await analyse(s, r, state.background, r.stableVersion, r.candidateVersion, 'background analysis');
    state = withVerdict({ ...state, background: bg.counters }, bg.verdict);
    if (bg.outcome === 'limit-failed') {
      await s.save(r, 'progressing', state);
      await s.abort({ ...r, state }, SYSTEM, `background analysis failed: ${(bg.verdict as Extract<Verdict, { kind: 'failed' }>).reason}`);
      return false;
    }
    if (bg.outcome === 'limit-inconclusive') {
      await pauseInconclusive(s, r, state, 'background analysis');
      return false;
    }
  }
  const next = (extra: Partial<RolloutState> = {}): RolloutState => ({ ...state, stepIndex: state.stepIndex + 1, stepStartedAt: s.now(), step: zeroCounters(), ...extra });
  if (step === undefined) {
    await s.save(r, 'promoting', { ...state, message: 'every step done; promoting' });
    return true;
  }
  switch (step.kind) {
    case 'setWeight': {
      await s.route(r, { version: r.stableVersion, policy: canaryPolicy(r, step.weight) }, SYSTEM, `canary ${r.id} step ${state.stepIndex + 1}: weight ${step.weight}%`);
      const hook = await s.hooks(r, 'rollout', { step: state.stepIndex, weight: step.weight });
      if (hook !== null) {
        await s.abort({ ...r, state }, SYSTEM, hook);
        return false;
      }
      await s.save(r, 'progressing', next({ weight: step.weight, message: `weight ${step.weight}%` }));
      return true;
    }
    case 'pause':
      if (step.durationMs === null) {
        await s.save(r, 'paused', { ...state, pausedAt: s.now(), message: 'waiting for promote (indefinite pause step)' });
        return false;
      }
      if (s.now() - state.stepStartedAt >= step.durationMs) {
        await s.save(r, 'progressing', next({ message: `pause of ${step.durationMs} ms done` }));
        return true;
      }
      if (state !== r.state) await s.save(r, 'progressing', state);
      return false;
    case 'analysis': {
      if (spec === null) {
        await s.save(r, 'progressing', next());
        return true;
      }
      const a = await analyse(s, r, state.step, r.stableVersion, r.candidateVersion, `step ${state.stepIndex + 1} analysis`);
      state = withVerdict({ ...state, step: a.counters }, a.verdict);
      if (a.outcome === 'limit-failed') {
        await s.save(r, 'progressing', state);
        await s.abort({ ...r, state }, SYSTEM, `analysis failed: ${(a.verdict as Extract<Verdict, { kind: 'failed' }>).reason}`);
        return false;
      }
      if (a.outcome === 'limit-inconclusive') {
        await pauseInconclusive(s, r, state, `step ${state.stepIndex + 1} analysis`);
        return false;
      }
      if (a.counters.passes >= spec.count) {
        await s.save(r, 'progressing', next({ message: `analysis passed ${a.counters.passes} times` }));
        return true;
      }
      if (a.verdict !== null) await s.save(r, 'progressing', { ...state, message: `analysis ${a.counters.passes}/${spec.count} passed` });
      return false;
    }
  }
}

/** Blue-green after the switch, and shadow: measure until the window is over, abort on failure. */
async function watch(s: Stepper, r: Rollout): Promise<boolean> {
  const spec = r.plan.analysis;
  const bg = r.plan.strategy === 'blue-green';
  const windowMs = bg ? r.plan.blueGreen.postPromotionWindowMs : r.plan.shadow.durationMs;
  let state = r.state;
  if (spec !== null) {
    const a = await analyse(s, r, state.background, r.stableVersion, r.candidateVersion, bg ? 'post-promotion analysis' : 'shadow analysis');
    state = withVerdict({ ...state, background: a.counters }, a.verdict);
    if (a.outcome === 'limit-failed') {
      await s.save(r, 'progressing', state);
      const reason = `${bg ? 'post-promotion' : 'shadow'} analysis failed: ${(a.verdict as Extract<Verdict, { kind: 'failed' }>).reason}`;
      await s.abort({ ...r, state }, SYSTEM, bg ? `${reason}; switched back to ${r.stableVersion}` : reason);
      return false;
    }
    // After a blue-green switch the old version takes no traffic: relative checks stay inconclusive, so only shadow pauses.
    if (a.outcome === 'limit-inconclusive' && !bg) {
      await pauseInconclusive(s, r, state, 'shadow analysis');
      return false;
    }
  }
  const enough = spec === null || bg || state.background.passes >= spec.count;
  if (enough && s.now() - state.stageStartedAt >= windowMs) {
    await s.save(r, 'promoting', { ...state, message: bg ? 'post-promotion window passed' : 'shadow analysis passed' });
    return true;
  }
  if (state !== r.state) await s.save(r, 'progressing', state);
  return false;
}

async function promote(s: Stepper, r: Rollout): Promise<boolean> {
  const state = r.state;
  const bg = r.plan.strategy === 'blue-green';
  if (state.stage === 'scale-down') {
    if (s.now() - state.stageStartedAt < r.plan.blueGreen.scaleDownDelayMs) return false;
    await s.route(r, { version: r.candidateVersion, policy: policy(r, {}) }, SYSTEM, `blue-green ${r.id}: scaled down ${r.stableVersion}`);
    await s.save(r, 'succeeded', { ...state, finishedAt: s.now(), message: 'promoted; old version released' });
    return false;
  }
  const confirm = await s.hooks(r, 'confirm-promotion');
  if (confirm !== null) {
    if (state.message !== `waiting: ${confirm}`) await s.save(r, 'promoting', { ...state, message: `waiting: ${confirm}` });
    return false;
  }
  const keepWarm = bg && r.plan.blueGreen.scaleDownDelayMs > 0;
  await s.route(r, { version: r.candidateVersion, policy: policy(r, keepWarm ? { previews: [r.stableVersion] } : {}) }, SYSTEM, `rollout ${r.id} promoted ${r.candidateVersion} to stable`);
  await s.event(r, 'stable', `stable ${r.stableVersion} → ${r.candidateVersion}`, SYSTEM, { from: r.stableVersion, to: r.candidateVersion });
  const alias = r.plan.promote.alias;
  if (alias !== null) {
    try {
      await s.deps.registry.setAlias(r.model, alias, r.candidateVersion, { actor: SYSTEM, reason: `rollout ${r.id} promoted` });
      await s.event(r, 'alias', `${alias} → ${r.candidateVersion}`, SYSTEM, { alias, version: r.candidateVersion });
    } catch (err) {
      await s.event(r, 'alias-failed', `${alias} not moved: ${(err as Error).message}`, SYSTEM, { alias });
    }
  }
  await s.hooks(r, 'post-rollout');
  const now = s.now();
  if (keepWarm) {
    await s.save(r, 'promoting', { ...state, weight: 100, stage: 'scale-down', stageStartedAt: now, message: `promoted; ${r.stableVersion} kept warm for ${r.plan.blueGreen.scaleDownDelayMs} ms` });
    return false;
  }
  await s.save(r, 'succeeded', { ...state, weight: 100, finishedAt: now, message: 'promoted' });
  return false;
}

export async function advance(s: Stepper, r: Rollout): Promise<boolean> {
  switch (r.phase) {
    case 'pending': return start(s, r);
    case 'promoting': return promote(s, r);
    case 'progressing': return r.plan.strategy === 'canary' ? canary(s, r) : watch(s, r);
    default: return false;
  }
}
