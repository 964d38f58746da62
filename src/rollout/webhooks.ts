/**
 * Rollout webhooks (Flagger's set: confirm-rollout, pre-rollout, rollout,
 * confirm-promotion, post-rollout, rollback, event). Payloads are JSON signed
 * with HMAC-SHA256 over the exact body (header `x-modelgate-signature:
 * sha256=<hex>`, with `x-modelgate-timestamp` inside the signed text so a
 * replay is detectable); each call has a timeout and retries on network
 * errors and 5xx. A non-2xx answer after the retries is a failed check.
 */
import { createHmac } from 'node:crypto';
import type { WebhookSpec } from './plan-types.ts';

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export type WebhookResult =
  | { readonly kind: 'ok'; readonly status: number; readonly body: unknown; readonly attempts: number }
  | { readonly kind: 'failed'; readonly status: number | null; readonly reason: string; readonly attempts: number };

/** The signature a receiver recomputes: HMAC-SHA256 of `${timestamp}.${body}` with the shared secret. */
export function signPayload(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export interface WebhookCall {
  readonly url: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly payload: unknown;
  /** Signs the payload when set. */
  readonly secret: string | null;
  readonly now: () => number;
  readonly fetch?: Fetch;
}

/** Sends one webhook (POST JSON) with retries; never throws. */
export async function callWebhook(call: WebhookCall): Promise<WebhookResult> {
  const body = JSON.stringify(call.payload);
  const doFetch = call.fetch ?? fetch;
  let last: WebhookResult = { kind: 'failed', status: null, reason: 'not sent', attempts: 0 };
  for (let attempt = 1; attempt <= call.retries + 1; attempt++) {
    const timestamp = String(Math.floor(call.now() / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-modelgate-timestamp': timestamp };
    if (call.secret !== null) headers['x-modelgate-signature'] = signPayload(call.secret, timestamp, body);
    try {
      const res = await doFetch(call.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(call.timeoutMs) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        // A plain-text answer is kept as text.
      }
      if (res.ok) return { kind: 'ok', status: res.status, body: parsed, attempts: attempt };
      last = { kind: 'failed', status: res.status, reason: `HTTP ${res.status}`, attempts: attempt };
      if (res.status < 500) return last;
    } catch (err) {
      last = { kind: 'failed', status: null, reason: (err as Error).name === 'TimeoutError' ? `no answer within ${call.timeoutMs} ms` : (err as Error).message, attempts: attempt };
    }
  }
  return last;
}

/** Calls every hook of one type in order; the first failure stops and is returned. */
export async function runHooks(
  hooks: readonly WebhookSpec[], type: WebhookSpec['type'], payload: Record<string, unknown>, secret: string | null, now: () => number, fetchFn?: Fetch,
): Promise<{ readonly hook: WebhookSpec; readonly result: WebhookResult }[]> {
  const done: { hook: WebhookSpec; result: WebhookResult }[] = [];
  for (const hook of hooks.filter((h) => h.type === type)) {
    const result = await callWebhook({
      url: hook.url, timeoutMs: hook.timeoutMs, retries: hook.retries, secret, now, fetch: fetchFn,
      payload: { type, ...payload, metadata: hook.metadata },
    });
    done.push({ hook, result });
    if (result.kind === 'failed') break;
  }
  return done;
}

/** Evaluates a simple JSONPath ($.a.b, $.items[0].ok) against a value; undefined when absent. */
export function jsonPathValue(value: unknown, path: string): unknown {
  const parts = path.slice(1).match(/\.[A-Za-z_][\w-]*|\[\d+\]/g) ?? [];
  let cur: unknown = value;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = p.startsWith('[') ? (cur as unknown[])[Number(p.slice(1, -1))] : (cur as Record<string, unknown>)[p.slice(1)];
  }
  return cur;
}
