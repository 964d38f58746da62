/**
 * Parses a rollout plan (YAML file or API body) with strict validation:
 * unknown keys are errors naming the key and the source, durations are
 * strings like `30s`, and every default is filled in so the controller never
 * guesses. Defaults follow Argo Rollouts and Flagger: error rate at most the
 * stable's plus 2 points, p99 at most 1.5 times the stable's.
 */
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../lib/duration.ts';
import { fail } from '../lib/errors.ts';
import {
  METRICS, WEBHOOK_TYPES, type AnalysisSpec, type Bound, type Check, type MetricName, type RolloutPlan, type Step,
  type Strategy, type WebhookSpec, type WebhookType,
} from './plan-types.ts';

type Obj = Record<string, unknown>;

class PlanReader {
  readonly source: string;
  constructor(source: string) {
    this.source = source;
  }

  bad(path: string, detail: string): never {
    return fail('MG_ROLLOUT_PLAN_INVALID', { source: this.source, detail: path === '' ? detail : `${path}: ${detail}` });
  }

  obj(path: string, v: unknown, keys: readonly string[]): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.bad(path, 'expected a mapping');
    const o = v as Obj;
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.bad(path, `unknown key "${k}" (expected one of ${keys.join(', ')})`);
    return o;
  }

  num(path: string, v: unknown, min: number, max: number, integer = false): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      this.bad(path, `expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  str(path: string, v: unknown): string {
    if (typeof v !== 'string' || v === '') this.bad(path, `expected a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }

  duration(path: string, v: unknown): number {
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined) this.bad(path, `expected a duration like 500ms, 30s or 2m, got ${JSON.stringify(v)}`);
    return ms;
  }

  url(path: string, v: unknown): string {
    const s = this.str(path, v);
    if (!/^https?:\/\//.test(s)) this.bad(path, `expected an http(s) URL, got ${JSON.stringify(s)}`);
    return s;
  }
}

function step(r: PlanReader, path: string, v: unknown): Step {
  const o = r.obj(path, v, ['setWeight', 'pause', 'analysis']);
  const keys = Object.keys(o);
  if (keys.length !== 1) r.bad(path, 'a step has exactly one of setWeight, pause, analysis');
  if ('setWeight' in o) {
    const w = r.num(`${path}.setWeight`, o.setWeight, 0, 100);
    if (Math.abs(Math.round(w * 10) - w * 10) > 1e-6) r.bad(`${path}.setWeight`, 'weights go in steps of 0.1');
    return { kind: 'setWeight', weight: w };
  }
  if ('pause' in o) {
    if (typeof o.pause === 'object' && o.pause !== null) {
      const p = r.obj(`${path}.pause`, o.pause, ['duration']);
      return { kind: 'pause', durationMs: p.duration === undefined ? null : r.duration(`${path}.pause.duration`, p.duration) };
    }
    return { kind: 'pause', durationMs: r.duration(`${path}.pause`, o.pause) };
  }
  r.obj(`${path}.analysis`, o.analysis ?? {}, []);
  return { kind: 'analysis' };
}

function bound(r: PlanReader, path: string, v: unknown): Bound | null {
  if (v === undefined) return null;
  if (typeof v === 'number') return r.num(path, v, -Infinity, Infinity);
  const o = r.obj(path, v, ['relativeTo', 'plus', 'times']);
  if (o.relativeTo !== 'stable') r.bad(`${path}.relativeTo`, 'must be "stable"');
  return {
    relativeTo: 'stable',
    plus: o.plus === undefined ? 0 : r.num(`${path}.plus`, o.plus, -Infinity, Infinity),
    times: o.times === undefined ? 1 : r.num(`${path}.times`, o.times, 0, Infinity),
  };
}

function limit(r: PlanReader, path: string, v: unknown): number | null {
  return v === undefined ? null : r.num(path, v, -Infinity, Infinity);
}

function check(r: PlanReader, path: string, v: unknown): Check {
  const head = r.obj(path, v, ['metric', 'max', 'min', 'prometheus', 'webhook']);
  if ('prometheus' in head) {
    r.obj(path, v, ['prometheus']);
    const p = r.obj(`${path}.prometheus`, head.prometheus, ['url', 'query', 'max', 'min']);
    const c: Check = { kind: 'prometheus', url: r.url(`${path}.prometheus.url`, p.url), query: r.str(`${path}.prometheus.query`, p.query), max: limit(r, `${path}.prometheus.max`, p.max), min: limit(r, `${path}.prometheus.min`, p.min) };
    if (c.max === null && c.min === null) r.bad(`${path}.prometheus`, 'give max or min');
    return c;
  }
  if ('webhook' in head) {
    r.obj(path, v, ['webhook']);
    const w = r.obj(`${path}.webhook`, head.webhook, ['url', 'jsonPath', 'equals']);
    const jsonPath = r.str(`${path}.webhook.jsonPath`, w.jsonPath);
    if (!/^\$(\.[A-Za-z_][\w-]*|\[\d+\])*$/.test(jsonPath)) r.bad(`${path}.webhook.jsonPath`, `expected a simple path like $.ok or $.items[0].passed, got ${jsonPath}`);
    return { kind: 'webhook', url: r.url(`${path}.webhook.url`, w.url), jsonPath, equals: w.equals === undefined ? true : w.equals };
  }
  const metric = r.str(`${path}.metric`, head.metric);
  if (!(METRICS as readonly string[]).includes(metric)) r.bad(`${path}.metric`, `unknown metric "${metric}" (expected one of ${METRICS.join(', ')})`);
  const c: Check = { kind: 'metric', metric: metric as MetricName, max: bound(r, `${path}.max`, head.max), min: bound(r, `${path}.min`, head.min) };
  if (c.max === null && c.min === null) r.bad(path, 'give max or min');
  return c;
}

export const defaultChecks: readonly Check[] = [
  { kind: 'metric', metric: 'error_rate', max: { relativeTo: 'stable', plus: 0.02, times: 1 }, min: null },
  { kind: 'metric', metric: 'latency_p99_ms', max: { relativeTo: 'stable', plus: 0, times: 1.5 }, min: null },
];

function analysis(r: PlanReader, v: unknown, strategy: Strategy): AnalysisSpec {
  const o = v === undefined ? {} : r.obj('analysis', v, ['interval', 'window', 'count', 'minSamples', 'failureLimit', 'inconclusiveLimit', 'checks']);
  const intervalMs = o.interval === undefined ? 5000 : r.duration('analysis.interval', o.interval);
  if (intervalMs < 10) r.bad('analysis.interval', 'must be at least 10ms');
  let checks: Check[];
  if (o.checks === undefined) {
    checks = strategy === 'shadow'
      ? [{ kind: 'metric', metric: 'shadow_error_rate', max: 0.02, min: null }, { kind: 'metric', metric: 'shadow_agreement', max: null, min: 0.9 }]
      : [...defaultChecks];
  } else {
    const list: unknown = o.checks;
    if (!Array.isArray(list)) r.bad('analysis.checks', 'expected a list');
    checks = (list as unknown[]).map((c, i) => check(r, `analysis.checks[${i}]`, c));
  }
  return {
    intervalMs,
    windowMs: o.window === undefined ? Math.max(intervalMs * 6, 30_000) : r.duration('analysis.window', o.window),
    count: o.count === undefined ? 3 : r.num('analysis.count', o.count, 1, 1_000_000, true),
    minSamples: o.minSamples === undefined ? 50 : r.num('analysis.minSamples', o.minSamples, 0, 1e12, true),
    failureLimit: o.failureLimit === undefined ? 0 : r.num('analysis.failureLimit', o.failureLimit, 0, 1_000_000, true),
    inconclusiveLimit: o.inconclusiveLimit === undefined ? 6 : r.num('analysis.inconclusiveLimit', o.inconclusiveLimit, 0, 1_000_000, true),
    checks,
  };
}

function webhook(r: PlanReader, path: string, v: unknown): WebhookSpec {
  const o = r.obj(path, v, ['type', 'url', 'timeout', 'retries', 'metadata']);
  const type = r.str(`${path}.type`, o.type);
  if (!(WEBHOOK_TYPES as readonly string[]).includes(type)) r.bad(`${path}.type`, `unknown webhook type "${type}" (expected one of ${WEBHOOK_TYPES.join(', ')})`);
  const metadata = o.metadata === undefined ? {} : r.obj(`${path}.metadata`, o.metadata, Object.keys(o.metadata as Obj));
  return {
    type: type as WebhookType,
    url: r.url(`${path}.url`, o.url),
    timeoutMs: o.timeout === undefined ? 5000 : r.duration(`${path}.timeout`, o.timeout),
    retries: o.retries === undefined ? 2 : r.num(`${path}.retries`, o.retries, 0, 10, true),
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, m]) => [k, String(m)])),
  };
}

const STRATEGIES: readonly Strategy[] = ['direct', 'canary', 'blue-green', 'shadow'];
const TOP = ['strategy', 'steps', 'promote', 'analysis', 'shadow', 'blueGreen', 'webhooks', 'sticky'];

/** Validates a plan given as a parsed value; `source` names the file (or "request body") in errors. */
export function parsePlan(value: unknown, source: string, defaultStrategy?: Strategy): RolloutPlan {
  const r = new PlanReader(source);
  const o = r.obj('', value ?? {}, TOP);
  const strategy = (o.strategy ?? defaultStrategy ?? 'canary') as Strategy;
  if (!STRATEGIES.includes(strategy)) r.bad('strategy', `expected one of ${STRATEGIES.join(', ')}, got ${JSON.stringify(o.strategy)}`);
  let steps: Step[] = [];
  if (o.steps !== undefined) {
    if (strategy !== 'canary') r.bad('steps', `only a canary has steps (strategy is ${strategy})`);
    const list: unknown = o.steps;
    if (!Array.isArray(list)) r.bad('steps', 'expected a list');
    steps = (list as unknown[]).map((s, i) => step(r, `steps[${i}]`, s));
  } else if (strategy === 'canary') {
    steps = [{ kind: 'setWeight', weight: 10 }, { kind: 'analysis' }, { kind: 'setWeight', weight: 50 }, { kind: 'analysis' }];
  }
  const promote = o.promote === undefined ? {} : r.obj('promote', o.promote, ['alias']);
  const shadow = o.shadow === undefined ? {} : r.obj('shadow', o.shadow, ['percent', 'duration']);
  const bg = o.blueGreen === undefined ? {} : r.obj('blueGreen', o.blueGreen, ['previewSmokeRequests', 'smokeLatency', 'postPromotionWindow', 'scaleDownDelay']);
  const sticky = o.sticky === undefined ? {} : r.obj('sticky', o.sticky, ['field']);
  if (o.webhooks !== undefined && !Array.isArray(o.webhooks)) r.bad('webhooks', 'expected a list');
  const needsAnalysis = strategy === 'shadow' || o.analysis !== undefined || (strategy === 'canary' && steps.some((s) => s.kind === 'analysis'));
  return {
    strategy,
    steps,
    promote: { alias: promote.alias === undefined ? null : r.str('promote.alias', promote.alias) },
    analysis: strategy === 'direct' || !needsAnalysis ? (strategy === 'blue-green' ? analysis(r, o.analysis, strategy) : null) : analysis(r, o.analysis, strategy),
    shadow: {
      percent: shadow.percent === undefined ? 10 : r.num('shadow.percent', shadow.percent, 0.1, 100),
      durationMs: shadow.duration === undefined ? 0 : r.duration('shadow.duration', shadow.duration),
    },
    blueGreen: {
      previewSmokeRequests: bg.previewSmokeRequests === undefined ? 20 : r.num('blueGreen.previewSmokeRequests', bg.previewSmokeRequests, 0, 100_000, true),
      smokeLatencyMs: bg.smokeLatency === undefined ? 1000 : r.duration('blueGreen.smokeLatency', bg.smokeLatency),
      postPromotionWindowMs: bg.postPromotionWindow === undefined ? 120_000 : r.duration('blueGreen.postPromotionWindow', bg.postPromotionWindow),
      scaleDownDelayMs: bg.scaleDownDelay === undefined ? 300_000 : r.duration('blueGreen.scaleDownDelay', bg.scaleDownDelay),
    },
    webhooks: ((o.webhooks as unknown[] | undefined) ?? []).map((w, i) => webhook(r, `webhooks[${i}]`, w)),
    stickyField: sticky.field === undefined ? null : r.str('sticky.field', sticky.field),
  };
}

/** Parses YAML text (a plan file) and validates it. */
export function parsePlanYaml(text: string, source: string, defaultStrategy?: Strategy): RolloutPlan {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    fail('MG_ROLLOUT_PLAN_INVALID', { source, detail: `not valid YAML (${(err as Error).message.split('\n')[0]})` });
  }
  return parsePlan(value, source, defaultStrategy);
}
