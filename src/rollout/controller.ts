/**
 * The rollout controller: each rollout is a persisted state machine
 * (pending → progressing ⇄ paused → promoting → succeeded, or aborted /
 * failed) advanced by a tick loop on an injected Clock. Every tick reads the
 * active rollouts from the store and moves each as far as it can; every
 * routing change and verdict is stored as an event with actor and reason, so
 * a restart resumes where the store says, with time already spent honoured.
 * Commands (promote, abort, pause, resume) and rollback go through the same
 * per-endpoint queue as ticks.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import type { CallContext } from '../registry/api.ts';
import type { EndpointRecord } from '../store/endpoint-store.ts';
import { emptyPolicy } from '../store/endpoint-store.ts';
import type { RolloutEvent, RolloutPhase, RolloutStore } from '../store/rollout-store.ts';
import type { ShadowStats } from '../inference/shadow.ts';
import { measure, type Verdict, type WindowSource } from './analysis.ts';
import type { RolloutPlan } from './plan-types.ts';
import { advance, type Stepper } from './controller-steps.ts';
import { asRollout, initialState, isActive, type Rollout, type RolloutState } from './state.ts';
import { runHooks, type Fetch } from './webhooks.ts';
import type { RoutingChange } from './endpoints.ts';

export interface RoutingControl {
  get(name: string): Promise<EndpointRecord>;
  setRouting(name: string, change: RoutingChange, ctx?: CallContext): Promise<unknown>;
}

export interface AliasMover {
  getVersion(model: string, ref: number | string): Promise<{ readonly version: number; readonly status: string; readonly tags: Readonly<Record<string, string>> }>;
  setAlias(model: string, alias: string, version: number, ctx?: CallContext): Promise<unknown>;
  updateVersion(model: string, version: number, patch: { tags?: Readonly<Record<string, string>> }, ctx?: CallContext): Promise<unknown>;
}

/** Smoke requests on a version loaded as preview: resolves with why it failed, or null when all passed. */
export type SmokeTest = (endpoint: string, version: number, requests: number, latencyLimitMs: number) => Promise<string | null>;

export interface ControllerDeps {
  readonly store: RolloutStore;
  readonly routing: RoutingControl;
  readonly registry: AliasMover;
  readonly windows: WindowSource;
  readonly shadow: (endpoint: string, version: number) => Promise<ShadowStats | null>;
  readonly resetShadow: (endpoint: string) => Promise<void>;
  readonly smoke: SmokeTest;
  readonly clock: Clock;
  readonly defaultActor: string;
  readonly webhookSecret: string | null;
  /** Rolling back to a stable version that served within this window skips the steps. */
  readonly rollbackWindowMs: number;
  readonly fetch?: Fetch;
  readonly onError?: (err: unknown, rollout: string) => void;
  /**
   * Another process runs the tick loop (a cluster worker that is not the
   * leader, a replica without the lease): start and commands are stored here
   * and the steps are left to that loop, so analysis only ever runs where the
   * merged windows are and no rollout is stepped by two processes. Asked at
   * each start or command.
   */
  readonly deferTicks?: () => boolean;
}

export interface StartInput {
  readonly endpoint: string;
  readonly version: number | string;
  readonly plan: RolloutPlan;
  readonly replace?: boolean;
}

export type Command = 'promote' | 'abort' | 'pause' | 'resume';

const SYSTEM = 'rollout-controller';
export { SYSTEM };

export class RolloutController {
  readonly #d: ControllerDeps;
  readonly #chains = new Map<string, Promise<unknown>>();
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;

  constructor(deps: ControllerDeps) {
    this.#d = deps;
  }

  #serial<T>(endpoint: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.#chains.get(endpoint) ?? Promise.resolve()).then(fn, fn);
    const tail = next.catch(() => undefined);
    this.#chains.set(endpoint, tail);
    void tail.then(() => {
      if (this.#chains.get(endpoint) === tail) this.#chains.delete(endpoint);
    });
    return next;
  }

  #now(): number {
    return this.#d.clock.now();
  }

  async #event(r: { endpoint: string; id: string | null }, kind: string, reason: string, actor: string, details: Record<string, unknown> = {}): Promise<RolloutEvent> {
    return this.#d.store.addEvent({ endpoint: r.endpoint, rolloutId: r.id, at: this.#d.clock.iso(), actor, kind, reason, details });
  }

  async #save(r: Rollout, phase: RolloutPhase, state: RolloutState): Promise<Rollout> {
    return asRollout(await this.#d.store.update(r.id, phase, state, this.#d.clock.iso()));
  }

  async #route(r: { endpoint: string; id: string | null }, change: RoutingChange, actor: string, reason: string): Promise<void> {
    await this.#d.routing.setRouting(r.endpoint, change, { actor, reason });
    await this.#event(r, 'routing', reason, actor, { stable: change.version, policy: change.policy });
  }

  async #hooks(r: Rollout, type: Parameters<typeof runHooks>[1], extra: Record<string, unknown> = {}): Promise<string | null> {
    const payload = { endpoint: r.endpoint, rolloutId: r.id, model: r.model, strategy: r.strategy, stableVersion: r.stableVersion, candidateVersion: r.candidateVersion, phase: r.phase, ...extra };
    const results = await runHooks(r.plan.webhooks, type, payload, this.#d.webhookSecret, () => this.#now(), this.#d.fetch);
    for (const { hook, result } of results) {
      await this.#event(r, 'webhook', `${type} ${hook.url}: ${result.kind === 'ok' ? `HTTP ${result.status}` : result.reason}`, SYSTEM, { type, url: hook.url, result });
      if (result.kind === 'failed') return `${type} webhook ${hook.url} failed: ${result.reason}`;
    }
    return null;
  }

  /** Starts a rollout of `version` on the endpoint; 409 when one is active unless `replace`. */
  async start(input: StartInput, ctx: CallContext = {}): Promise<Rollout> {
    const actor = ctx.actor ?? this.#d.defaultActor;
    return this.#serial(input.endpoint, async () => {
      const endpoint = await this.#d.routing.get(input.endpoint);
      const version = await this.#d.registry.getVersion(endpoint.model, input.version);
      if (version.status !== 'ready') fail('MG_REGISTRY_VERSION_NOT_READY', { model: endpoint.model, version: version.version, status: version.status });
      if (version.version === endpoint.version) fail('MG_ENDPOINT_INVALID', { endpoint: input.endpoint, detail: `version ${version.version} is already the stable version` });
      const at = this.#d.clock.iso();
      const record = {
        id: randomUUID(), endpoint: input.endpoint, model: endpoint.model, strategy: input.plan.strategy,
        stableVersion: endpoint.version, candidateVersion: version.version, plan: input.plan, phase: 'pending' as const,
        state: initialState(this.#now()), createdAt: at, createdBy: actor, updatedAt: at,
      };
      const { replaced } = await this.#d.store.create(record, input.replace ? {
        replace: { at, state: (old) => ({ ...(old.state as RolloutState), message: `replaced by ${record.id}`, finishedAt: this.#now() }) },
      } : {});
      if (replaced !== null) {
        await this.#event(replaced, 'aborted', `replaced by rollout ${record.id}`, actor);
        await this.#route(replaced, { version: endpoint.version, policy: { ...emptyPolicy, stickyField: endpoint.policy.stickyField } }, actor, `rollout ${replaced.id} replaced`);
      }
      await this.#event(record, 'created', `${input.plan.strategy} rollout of version ${version.version} (stable ${endpoint.version})`, actor, { plan: input.plan });
      return asRollout(record);
    }).then(async (r) => {
      if (this.#d.deferTicks?.() !== true) await this.tickOne(r.id);
      return this.get(r.endpoint, r.id);
    });
  }

  async list(endpoint: string): Promise<Rollout[]> {
    await this.#d.routing.get(endpoint);
    return (await this.#d.store.list(endpoint)).map(asRollout);
  }

  async get(endpoint: string, id: string): Promise<Rollout> {
    const r = await this.#d.store.get(id);
    if (r === null || r.endpoint !== endpoint) fail('MG_ROLLOUT_NOT_FOUND', { endpoint, id });
    return asRollout(r);
  }

  async events(endpoint: string, id?: string): Promise<readonly RolloutEvent[]> {
    return this.#d.store.events(endpoint, id);
  }

  /** The endpoint's active rollout, or its newest one. */
  async current(endpoint: string): Promise<Rollout> {
    const [newest] = await this.list(endpoint);
    return newest ?? fail('MG_ROLLOUT_NOT_FOUND', { endpoint, id: '(none)' });
  }

  /** Applies a command from a user (or an alert rule) to a rollout. */
  async command(endpoint: string, id: string, command: Command, ctx: CallContext = {}): Promise<Rollout> {
    const actor = ctx.actor ?? this.#d.defaultActor;
    const reason = ctx.reason ?? `${command} requested`;
    await this.#serial(endpoint, async () => {
      const r = await this.get(endpoint, id);
      const bad = (): never => fail('MG_ROLLOUT_INVALID_STATE', { id, phase: r.phase, action: command });
      if (!isActive(r.phase)) bad();
      const now = this.#now();
      const s = { ...r.state };
      switch (command) {
        case 'pause':
          if (r.phase !== 'progressing') bad();
          await this.#save(r, 'paused', { ...s, pausedAt: now, message: `paused: ${reason}` });
          await this.#event(r, 'paused', reason, actor);
          return;
        case 'resume':
          if (r.phase !== 'paused') bad();
          await this.#resume(r, actor, reason);
          return;
        case 'promote':
          await this.#save(r, 'promoting', { ...s, pausedAt: null, message: `promotion requested by ${actor}` });
          await this.#event(r, 'promote-requested', reason, actor);
          return;
        case 'abort':
          await this.#abort(r, actor, reason);
      }
    });
    if ((command === 'promote' || command === 'resume') && this.#d.deferTicks?.() !== true) await this.tickOne(id);
    return this.get(endpoint, id);
  }

  async #resume(r: Rollout, actor: string, reason: string): Promise<void> {
    const now = this.#now();
    const pausedFor = r.state.pausedAt === null ? 0 : now - r.state.pausedAt;
    const indefinite = r.plan.steps[r.state.stepIndex]?.kind === 'pause' && r.state.message.startsWith('waiting for promote');
    await this.#save(r, 'progressing', {
      ...r.state, pausedAt: null, message: `resumed by ${actor}`,
      // Time paused does not count towards a timed pause; an indefinite pause ends on resume.
      stepIndex: indefinite ? r.state.stepIndex + 1 : r.state.stepIndex,
      stepStartedAt: indefinite ? now : r.state.stepStartedAt + pausedFor,
      stageStartedAt: r.state.stageStartedAt + pausedFor,
      step: { ...r.state.step, inconclusive: 0 }, background: { ...r.state.background, inconclusive: 0 },
    });
    await this.#event(r, 'resumed', reason, actor);
  }

  /** Aborts: stable untouched, candidate off the endpoint and marked degraded. */
  async #abort(r: Rollout, actor: string, reason: string, phase: 'aborted' | 'failed' = 'aborted'): Promise<void> {
    const endpoint = await this.#d.routing.get(r.endpoint);
    await this.#route(r, { version: r.stableVersion, policy: { ...emptyPolicy, stickyField: endpoint.policy.stickyField } }, actor, `rollout ${phase}: ${reason}`);
    await this.#save(r, phase, { ...r.state, weight: 0, message: reason, finishedAt: this.#now() });
    await this.#event(r, phase, reason, actor, { weight: 0 });
    // The version's other tags are kept; a registry failure here must not undo the abort.
    await this.#d.registry.getVersion(r.model, r.candidateVersion)
      .then((v) => this.#d.registry.updateVersion(r.model, r.candidateVersion, { tags: { ...v.tags, 'modelgate.rollout': 'degraded' } }, { actor, reason }))
      .catch(() => undefined);
    await this.#hooks({ ...r, phase }, 'rollback', { reason });
  }

  /**
   * Rolls the endpoint back: aborts an active rollout (its stable never left),
   * or switches to `to` (default: the stable before the current one). A
   * version that was stable within the rollback window is switched to at
   * once; an older one goes through a default canary.
   */
  async rollback(endpoint: string, to: number | undefined, ctx: CallContext = {}): Promise<{ kind: 'aborted' | 'switched' | 'rollout'; version: number; rollout?: Rollout }> {
    const actor = ctx.actor ?? this.#d.defaultActor;
    const active = (await this.#d.store.list(endpoint, 5)).map(asRollout).find((r) => isActive(r.phase));
    if (active !== undefined && (to === undefined || to === active.stableVersion)) {
      await this.#serial(endpoint, () => this.#abort(active, actor, ctx.reason ?? `rollback requested by ${actor}`));
      return { kind: 'aborted', version: active.stableVersion };
    }
    const current = await this.#d.routing.get(endpoint);
    const stables = (await this.#d.store.events(endpoint)).filter((e) => e.kind === 'stable');
    const previous = [...stables].reverse().find((e) => Number(e.details.from) !== current.version && Number(e.details.from) > 0);
    const target = to ?? (previous === undefined ? undefined : Number(previous.details.from));
    if (target === undefined) fail('MG_ROLLOUT_NO_TARGET', { endpoint, detail: 'no earlier stable version is recorded; name one with --to' });
    if (target === current.version) fail('MG_ROLLOUT_NO_TARGET', { endpoint, detail: `version ${target} is already the stable version` });
    const lastStable = [...stables].reverse().find((e) => Number(e.details.from) === target);
    const recent = lastStable !== undefined && this.#now() - Date.parse(lastStable.at) <= this.#d.rollbackWindowMs;
    if (recent) {
      await this.#serial(endpoint, async () => {
        if (active !== undefined) await this.#abort(active, actor, `rollback to ${target}`);
        await this.#route({ endpoint, id: null }, { version: target, policy: { ...emptyPolicy, stickyField: current.policy.stickyField } }, actor, `rollback to recent stable ${target}`);
        await this.#event({ endpoint, id: null }, 'stable', `rollback from ${current.version} to ${target}`, actor, { from: current.version, to: target });
      });
      return { kind: 'switched', version: target };
    }
    const { parsePlan } = await import('./plan.ts');
    const rollout = await this.start({ endpoint, version: target, plan: parsePlan({ strategy: 'canary' }, 'rollback'), replace: true }, { actor });
    return { kind: 'rollout', version: target, rollout };
  }

  /** Advances every active rollout once. Overlapping calls share one pass. */
  tick(): Promise<void> {
    this.#ticking ??= (async () => {
      try {
        for (const r of await this.#d.store.active()) await this.tickOne(r.id);
      } finally {
        this.#ticking = null;
      }
    })();
    return this.#ticking;
  }

  /** Advances one rollout as far as it can go now. */
  async tickOne(id: string): Promise<void> {
    const first = await this.#d.store.get(id);
    if (first === null) return;
    await this.#serial(first.endpoint, async () => {
      for (let guard = 0; guard < 50; guard++) {
        const raw = await this.#d.store.get(id);
        if (raw === null || !isActive(raw.phase)) return;
        try {
          if (!(await advance(this.#stepper(), asRollout(raw)))) return;
        } catch (err) {
          this.#d.onError?.(err, id);
          return;
        }
      }
    });
  }

  #stepper(): Stepper {
    return {
      deps: this.#d,
      now: () => this.#now(),
      save: (r, phase, state) => this.#save(r, phase, state),
      event: (r, kind, reason, actor, details) => this.#event(r, kind, reason, actor, details),
      route: (r, change, actor, reason) => this.#route(r, change, actor, reason),
      hooks: (r, type, extra) => this.#hooks(r, type, extra),
      abort: (r, actor, reason, phase) => this.#abort(r, actor, reason, phase),
      measure: (r, stable, candidate) => this.#measure(r, stable, candidate),
    };
  }

  async #measure(r: Rollout, stable: number, candidate: number): Promise<Verdict> {
    const spec = r.plan.analysis!;
    const shadow = r.strategy === 'shadow' ? await this.#d.shadow(r.endpoint, r.candidateVersion) : null;
    return measure({
      endpoint: r.endpoint, stableVersion: stable, candidateVersion: candidate, spec, windows: this.#d.windows, shadow,
      at: this.#d.clock.iso(), fetch: this.#d.fetch, secret: this.#d.webhookSecret, now: () => this.#now(),
    });
  }

  /** Ticks every `intervalMs` until stopped. */
  startLoop(intervalMs: number): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => {
      this.tick().catch((err: unknown) => this.#d.onError?.(err, '*'));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#ticking;
    await Promise.all([...this.#chains.values()]);
  }
}

