/**
 * Where alert transitions go: a generic webhook (JSON body signed with
 * HMAC-SHA256 in `x-modelgate-signature: sha256=<hex>` when a secret is set),
 * a Slack-compatible incoming webhook (`text` plus one attachment), or the
 * log. Network errors, timeouts, 429 and 5xx are retried a few times with a
 * growing pause; what still fails is logged, never thrown into the evaluator.
 */
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fail } from '../lib/errors.ts';

export interface AlertEvent {
  readonly rule: string;
  readonly endpoint: string;
  readonly version: number;
  readonly state: 'firing' | 'resolved';
  readonly severity: string;
  readonly metric: string;
  readonly value: number | null;
  readonly threshold: number;
  readonly expr: string;
  readonly at: string;
  readonly labels: Readonly<Record<string, string>>;
}

export type NotifierSpec =
  | { readonly type: 'webhook'; readonly url: string; readonly secret: string | null }
  | { readonly type: 'slack'; readonly url: string }
  | { readonly type: 'log' };

export interface NotifierDeps {
  readonly fetch: typeof fetch;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, data: Record<string, unknown>) => void;
  /** Per attempt (default 5 s). */
  readonly timeoutMs?: number;
  /** Further attempts after a network error, a timeout, 429 or 5xx (default 2). */
  readonly retries?: number;
  /** Wait before retry n is n times this (default 500 ms). */
  readonly retryDelayMs?: number;
}

const invalid = (name: string, detail: string): never => fail('MG_CONFIG_INVALID', { key: `notifiers.${name}`, detail });

export function parseNotifiers(raw: unknown): ReadonlyMap<string, NotifierSpec> {
  const out = new Map<string, NotifierSpec>([['log', { type: 'log' }]]);
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) return invalid('', 'a mapping from name to {type, url}');
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'object' || v === null) invalid(name, 'a mapping with type and url');
    const spec = v as Record<string, unknown>;
    for (const k of Object.keys(spec)) if (!['type', 'url', 'secret'].includes(k)) invalid(name, `unknown key "${k}"`);
    if (spec.type === 'log') out.set(name, { type: 'log' });
    else if (spec.type === 'webhook' || spec.type === 'slack') {
      const url = typeof spec.url === 'string' && /^https?:\/\//.test(spec.url) ? spec.url : invalid(name, 'url must be an http(s) URL');
      if (spec.type === 'slack') out.set(name, { type: 'slack', url });
      else out.set(name, { type: 'webhook', url, secret: typeof spec.secret === 'string' && spec.secret !== '' ? spec.secret : null });
    } else invalid(name, 'type is webhook, slack or log');
  }
  return out;
}

/** The signature a receiver recomputes over the raw body. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function slackPayload(e: AlertEvent): Record<string, unknown> {
  const icon = e.state === 'firing' ? ':rotating_light:' : ':white_check_mark:';
  return {
    text: `${icon} [${e.severity}] ${e.rule} ${e.state} on ${e.endpoint} v${e.version}: ${e.metric} = ${e.value ?? 'n/a'} (${e.expr})`,
    attachments: [{
      color: e.state === 'resolved' ? 'good' : e.severity === 'critical' ? 'danger' : 'warning',
      fields: [
        { title: 'endpoint', value: e.endpoint, short: true },
        { title: 'version', value: String(e.version), short: true },
        { title: 'value', value: String(e.value ?? 'n/a'), short: true },
        { title: 'threshold', value: String(e.threshold), short: true },
        ...Object.entries(e.labels).map(([k, v]) => ({ title: k, value: v, short: true })),
      ],
      ts: Math.floor(Date.parse(e.at) / 1000),
    }],
  };
}

export async function deliver(spec: NotifierSpec, event: AlertEvent, deps: NotifierDeps): Promise<void> {
  if (spec.type === 'log') {
    deps.log(event.state === 'firing' ? 'warn' : 'info', `alert ${event.rule} ${event.state}`, { ...event });
    return;
  }
  const body = JSON.stringify(spec.type === 'slack' ? slackPayload(event) : event);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (spec.type === 'webhook' && spec.secret !== null) headers['x-modelgate-signature'] = signBody(body, spec.secret);
  const attempts = 1 + Math.max(0, deps.retries ?? 2);
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const last = attempt === attempts;
    try {
      const res = await deps.fetch(spec.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(deps.timeoutMs ?? 5000) });
      await res.body?.cancel();
      if (res.ok) return;
      // A client error other than 429 will not change on retry.
      if (last || (res.status < 500 && res.status !== 429)) {
        deps.log('error', `alert notifier answered ${res.status}`, { url: spec.url, rule: event.rule, attempts: attempt });
        return;
      }
    } catch (err) {
      if (last) {
        deps.log('error', 'alert notifier failed', { url: spec.url, rule: event.rule, attempts: attempt, err: (err as Error).message });
        return;
      }
    }
    await sleep(attempt * (deps.retryDelayMs ?? 500));
  }
}
