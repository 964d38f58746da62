/**
 * Alert rules as users write them (config `alerts:` or POST /api/v1/alerts):
 * parsed and validated once into frozen rules. An expression is
 * `metric op threshold` over the live windows; unknown keys are errors that
 * name the key. The built-in pack follows the seed documents.
 */
import { parseDuration } from '../lib/duration.ts';
import { fail } from '../lib/errors.ts';

export const ALERT_METRICS = ['error_rate', 'latency_p99_ms', 'latency_p95_ms', 'latency_p50_ms', 'rps', 'drift_score', 'live_accuracy', 'accuracy_drop'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];
const ALIASES: Readonly<Record<string, AlertMetric>> = { latency_p99: 'latency_p99_ms', latency_p95: 'latency_p95_ms', latency_p50: 'latency_p50_ms', accuracy: 'live_accuracy' };
export type Comparison = '>' | '>=' | '<' | '<=';
export type Severity = 'info' | 'warning' | 'critical';

export interface AlertRule {
  readonly name: string;
  /** An endpoint name, or "*" for every endpoint. */
  readonly endpoint: string;
  readonly expr: string;
  readonly metric: AlertMetric;
  readonly op: Comparison;
  readonly threshold: number;
  readonly forMs: number;
  /** Live window the metric is read over. */
  readonly windowMs: number;
  readonly severity: Severity;
  readonly labels: Readonly<Record<string, string>>;
  readonly notify: readonly string[];
  readonly run: string | null;
  readonly rollout: 'pause' | 'abort' | null;
  readonly builtin: boolean;
}

const KEYS = new Set(['name', 'endpoint', 'expr', 'for', 'window', 'severity', 'labels', 'notify', 'run', 'rollout']);
const EXPR = /^\s*([a-z_0-9]+)\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i;

function invalid(name: string, detail: string): never {
  return fail('MG_MONITORING_ALERT_INVALID', { name: JSON.stringify(name), detail });
}

function duration(name: string, key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined;
  if (ms === undefined || ms < 0) invalid(name, `${key} must be a duration like 30s or 2m`);
  return ms;
}

/** Validates one rule; `notifiers` are the names rules may notify. */
export function parseAlertRule(raw: unknown, notifiers: ReadonlySet<string>, builtin = false): AlertRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid('?', 'a rule is a mapping with name, endpoint and expr');
  const r = raw as Record<string, unknown>;
  const name = typeof r.name === 'string' && /^[A-Za-z0-9_.-]{1,100}$/.test(r.name) ? r.name : invalid(String(r.name ?? '?'), 'name must be 1–100 letters, digits, ., _ or -');
  for (const k of Object.keys(r)) if (!KEYS.has(k)) invalid(name, `unknown key "${k}"`);
  const endpoint = r.endpoint === undefined ? '*' : typeof r.endpoint === 'string' && r.endpoint.length > 0 ? r.endpoint : invalid(name, 'endpoint must be a name or "*"');
  const expr = typeof r.expr === 'string' ? r.expr : invalid(name, 'expr is required, e.g. "error_rate > 0.05"');
  const m = EXPR.exec(expr) ?? invalid(name, `expr "${expr}" is not "metric op number" (metrics: ${ALERT_METRICS.join(', ')})`);
  const metricName = m[1].toLowerCase();
  const metric = ALIASES[metricName] ?? ((ALERT_METRICS as readonly string[]).includes(metricName) ? (metricName as AlertMetric) : invalid(name, `unknown metric "${m[1]}"; one of ${ALERT_METRICS.join(', ')}`));
  const severity = r.severity === undefined ? 'warning' : r.severity === 'info' || r.severity === 'warning' || r.severity === 'critical' ? r.severity : invalid(name, 'severity is info, warning or critical');
  const labels: Record<string, string> = {};
  if (r.labels !== undefined) {
    if (typeof r.labels !== 'object' || r.labels === null || Array.isArray(r.labels)) invalid(name, 'labels is a mapping of strings');
    for (const [k, v] of Object.entries(r.labels)) labels[k] = typeof v === 'string' || typeof v === 'number' ? String(v) : invalid(name, `label ${k} must be a string`);
  }
  const notify = r.notify === undefined ? [] : Array.isArray(r.notify) && r.notify.every((n) => typeof n === 'string') ? (r.notify as string[]) : invalid(name, 'notify is a list of notifier names');
  for (const n of notify) if (!notifiers.has(n)) invalid(name, `notifier "${n}" is not defined under notifiers (known: ${[...notifiers].join(', ') || 'none'})`);
  const run = r.run === undefined ? null : typeof r.run === 'string' && r.run.trim() !== '' ? r.run : invalid(name, 'run is a command line');
  const rollout = r.rollout === undefined ? null : r.rollout === 'pause' || r.rollout === 'abort' ? r.rollout : invalid(name, 'rollout is pause or abort');
  return Object.freeze({
    name, endpoint, expr, metric, op: m[2] as Comparison, threshold: Number(m[3]),
    forMs: duration(name, 'for', r.for, 0), windowMs: duration(name, 'window', r.window, 60_000),
    severity, labels: Object.freeze(labels), notify: Object.freeze([...notify]), run, rollout, builtin,
  });
}

/** The built-in pack: p99 over 1 s for 2 m, errors over 5 % for 1 m, drift over 0.1 for 10 m, accuracy 10 points under the evaluation. */
export const BUILTIN_RULES: readonly Record<string, unknown>[] = [
  { name: 'builtin-high-latency', endpoint: '*', expr: 'latency_p99_ms > 1000', for: '2m', severity: 'warning' },
  { name: 'builtin-error-rate', endpoint: '*', expr: 'error_rate > 0.05', for: '1m', severity: 'critical' },
  { name: 'builtin-input-drift', endpoint: '*', expr: 'drift_score > 0.1', for: '10m', severity: 'warning' },
  { name: 'builtin-accuracy-drop', endpoint: '*', expr: 'accuracy_drop > 0.1', for: '10m', window: '1h', severity: 'critical' },
];

export function compare(value: number, op: Comparison, threshold: number): boolean {
  return op === '>' ? value > threshold : op === '>=' ? value >= threshold : op === '<' ? value < threshold : value <= threshold;
}
