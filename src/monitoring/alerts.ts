/**
 * The alert evaluator the primary runs on a timer (injected Clock): for each
 * rule and each endpoint/version it matches, the metric is read from the
 * live inputs and compared; a true condition goes pending, then firing once
 * it has held for `for`; a false one resolves a firing alert. Transitions
 * are kept in a bounded history, sent to the rule's notifiers, and on firing
 * the rule's response runs: a command (alert context in its environment) or
 * pause/abort of the endpoint's active rollout through RolloutControl.
 */
import { spawn } from 'node:child_process';
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import { deliver, type AlertEvent, type NotifierDeps, type NotifierSpec } from './alerts-notifiers.ts';
import { compare, parseAlertRule, type AlertMetric, type AlertRule } from './alerts-rules.ts';

/** Provided by the rollout controller. */
export interface RolloutControl {
  pause(endpoint: string, reason: string): Promise<void>;
  abort(endpoint: string, reason: string): Promise<void>;
}

/** What rules are evaluated over, read synchronously from already computed state. */
export interface AlertInputs {
  targets(): { endpoint: string; version: number }[];
  value(metric: AlertMetric, endpoint: string, version: number, windowMs: number): number | null;
}

export type AlertState =
  | { readonly kind: 'pending'; readonly since: string; readonly value: number }
  | { readonly kind: 'firing'; readonly since: string; readonly value: number }
  | { readonly kind: 'resolved'; readonly since: string; readonly value: number | null };

export interface AlertStatus {
  readonly rule: string;
  readonly endpoint: string;
  readonly version: number;
  readonly severity: string;
  readonly state: AlertState;
}

export interface AlertHistoryEntry {
  readonly rule: string;
  readonly endpoint: string;
  readonly version: number;
  readonly from: string;
  readonly to: string;
  readonly at: string;
  readonly value: number | null;
}

export interface AlertEngineDeps {
  readonly clock: Clock;
  readonly notifiers: ReadonlyMap<string, NotifierSpec>;
  readonly notifierDeps: NotifierDeps;
  readonly rollout?: RolloutControl;
  /** Runs a response command; default: `sh -c` with MODELGATE_ALERT_* added to the environment. */
  readonly run?: (command: string, vars: Readonly<Record<string, string>>) => void;
  readonly historyLimit?: number;
}

/** Starts a response command detached from the evaluator; `env` adds the alert context to the inherited environment. */
export function runAlertCommand(command: string, vars: Readonly<Record<string, string>>, log: NotifierDeps['log']): void {
  const child = spawn('env', [...Object.entries(vars).map(([k, v]) => `${k}=${v}`), 'sh', '-c', command], { stdio: 'ignore' });
  child.on('error', (err) => log('error', 'alert command failed to start', { command, err: err.message }));
  child.on('exit', (code) => log(code === 0 ? 'info' : 'error', `alert command exited with ${code}`, { command }));
}

export class AlertEngine {
  readonly #d: AlertEngineDeps;
  readonly #rules = new Map<string, AlertRule>();
  readonly #states = new Map<string, AlertStatus>();
  readonly #history: AlertHistoryEntry[] = [];
  readonly #sending = new Set<Promise<void>>();

  constructor(rules: readonly AlertRule[], deps: AlertEngineDeps) {
    this.#d = deps;
    for (const r of rules) this.add(r);
  }

  /** Adds a validated rule; a name already used is 409. */
  add(rule: AlertRule): AlertRule {
    if (this.#rules.has(rule.name)) fail('MG_MONITORING_ALERT_EXISTS', { name: rule.name });
    this.#rules.set(rule.name, rule);
    return rule;
  }

  /** Parses and adds a rule given over the API. */
  addRaw(raw: unknown): AlertRule {
    return this.add(parseAlertRule(raw, new Set(this.#d.notifiers.keys())));
  }

  rules(): AlertRule[] {
    return [...this.#rules.values()];
  }

  statuses(): AlertStatus[] {
    return [...this.#states.values()];
  }

  history(): AlertHistoryEntry[] {
    return [...this.#history];
  }

  /** Resolves when the notifications started so far have been delivered or given up. */
  async delivered(): Promise<void> {
    while (this.#sending.size > 0) await Promise.all([...this.#sending]);
  }

  /** One evaluation pass; resolves once notifications and responses have been started. */
  async evaluate(inputs: AlertInputs): Promise<AlertEvent[]> {
    const now = this.#d.clock.now();
    const at = new Date(now).toISOString();
    const events: AlertEvent[] = [];
    const targets = inputs.targets();
    for (const rule of this.#rules.values()) {
      for (const t of targets) {
        if (rule.endpoint !== '*' && rule.endpoint !== t.endpoint) continue;
        const key = `${rule.name}\u0000${t.endpoint}\u0000${t.version}`;
        const prev = this.#states.get(key);
        const value = inputs.value(rule.metric, t.endpoint, t.version, rule.windowMs);
        const holds = value !== null && compare(value, rule.op, rule.threshold);
        let next: AlertState | null = prev?.state ?? null;
        if (holds) {
          if (next === null || next.kind === 'resolved') next = { kind: 'pending', since: at, value };
          if (next.kind === 'pending' && now - Date.parse(next.since) >= rule.forMs) next = { kind: 'firing', since: at, value };
          else next = { ...next, value };
        } else if (next !== null && next.kind === 'firing') next = { kind: 'resolved', since: at, value };
        else if (next !== null && next.kind === 'pending') next = null;
        if (next === null) {
          if (prev !== undefined) {
            this.#states.delete(key);
            this.#record({ rule: rule.name, endpoint: t.endpoint, version: t.version, from: prev.state.kind, to: 'inactive', at, value });
          }
          continue;
        }
        this.#states.set(key, { rule: rule.name, endpoint: t.endpoint, version: t.version, severity: rule.severity, state: next });
        if (prev?.state.kind !== next.kind) {
          this.#record({ rule: rule.name, endpoint: t.endpoint, version: t.version, from: prev?.state.kind ?? 'inactive', to: next.kind, at, value });
          if (next.kind === 'firing' || next.kind === 'resolved') {
            const event: AlertEvent = { rule: rule.name, endpoint: t.endpoint, version: t.version, state: next.kind, severity: rule.severity, metric: rule.metric, value, threshold: rule.threshold, expr: rule.expr, at, labels: rule.labels };
            events.push(event);
            await this.#respond(rule, event);
          }
        }
      }
    }
    return events;
  }

  #record(entry: AlertHistoryEntry): void {
    this.#history.push(entry);
    const limit = this.#d.historyLimit ?? 1000;
    if (this.#history.length > limit) this.#history.splice(0, this.#history.length - limit);
  }

  async #respond(rule: AlertRule, event: AlertEvent): Promise<void> {
    const log = this.#d.notifierDeps.log;
    const targets = rule.notify.length > 0 ? rule.notify : ['log'];
    // Deliveries (with their retries) run beside the evaluator: a slow receiver never delays the next evaluation.
    for (const n of targets) {
      const sending = deliver(this.#d.notifiers.get(n) ?? { type: 'log' }, event, this.#d.notifierDeps)
        .catch((err: unknown) => log('error', 'alert notification failed', { rule: rule.name, err: (err as Error).message }))
        .finally(() => this.#sending.delete(sending));
      this.#sending.add(sending);
    }
    if (event.state !== 'firing') return;
    if (rule.run !== null) {
      const vars = {
        MODELGATE_ALERT_RULE: rule.name, MODELGATE_ALERT_ENDPOINT: event.endpoint, MODELGATE_ALERT_VERSION: String(event.version),
        MODELGATE_ALERT_SEVERITY: rule.severity, MODELGATE_ALERT_METRIC: rule.metric, MODELGATE_ALERT_VALUE: String(event.value),
        MODELGATE_ALERT_THRESHOLD: String(rule.threshold), MODELGATE_ALERT_AT: event.at,
      };
      (this.#d.run ?? ((c, v) => runAlertCommand(c, v, log)))(rule.run, vars);
    }
    if (rule.rollout !== null) {
      const reason = `alert ${rule.name}: ${rule.expr} (value ${event.value})`;
      if (this.#d.rollout === undefined) log('warn', `alert ${rule.name} asks to ${rule.rollout} the rollout of ${event.endpoint}, but no rollout controller runs here`, { rule: rule.name });
      else {
        try {
          await (rule.rollout === 'pause' ? this.#d.rollout.pause(event.endpoint, reason) : this.#d.rollout.abort(event.endpoint, reason));
        } catch (err) {
          log('warn', `alert ${rule.name}: could not ${rule.rollout} the rollout of ${event.endpoint}`, { err: (err as Error).message });
        }
      }
    }
  }
}
