/**
 * External analysis providers: a Prometheus instant query (GET
 * /api/v1/query, the first sample's value compared with max/min) and a
 * webhook (POST, signed, a simple JSONPath in the answer compared with an
 * expected value). An unreachable provider or an empty result is
 * inconclusive; a webhook's non-2xx answer is a failed check.
 */
import type { Check } from './plan-types.ts';
import type { CheckResult, MeasureInput } from './analysis.ts';
import { callWebhook, jsonPathValue } from './webhooks.ts';

function firstSample(body: unknown): number | null {
  const data = (body as { data?: { resultType?: string; result?: unknown } } | null)?.data;
  if (data === undefined) return null;
  let raw: unknown;
  if (data.resultType === 'scalar') raw = (data.result as unknown[] | undefined)?.[1];
  else if (data.resultType === 'vector') raw = ((data.result as { value?: unknown[] }[] | undefined)?.[0]?.value)?.[1];
  const n = typeof raw === 'string' ? Number(raw) : NaN;
  return Number.isFinite(n) ? n : null;
}

async function prometheus(c: Extract<Check, { kind: 'prometheus' }>, input: MeasureInput): Promise<CheckResult> {
  const name = `prometheus: ${c.query}`;
  const url = `${c.url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(c.query)}`;
  let body: unknown;
  try {
    const res = await (input.fetch ?? fetch)(url, { method: 'GET', signal: AbortSignal.timeout(Math.max(1000, input.spec.intervalMs)) });
    if (!res.ok) return { kind: 'inconclusive', check: name, reason: `Prometheus answered HTTP ${res.status}` };
    body = await res.json();
  } catch (err) {
    return { kind: 'inconclusive', check: name, reason: `Prometheus unreachable: ${(err as Error).message}` };
  }
  const value = firstSample(body);
  if (value === null) return { kind: 'inconclusive', check: name, reason: 'the query returned no sample' };
  const ok = (c.max === null || value <= c.max) && (c.min === null || value >= c.min);
  const limit = [c.max === null ? '' : `≤ ${c.max}`, c.min === null ? '' : `≥ ${c.min}`].filter(Boolean).join(', ');
  return { kind: ok ? 'passed' : 'failed', check: name, value, limit };
}

async function webhook(c: Extract<Check, { kind: 'webhook' }>, input: MeasureInput): Promise<CheckResult> {
  const name = `webhook: ${c.url}`;
  const result = await callWebhook({
    url: c.url, timeoutMs: Math.max(1000, input.spec.intervalMs), retries: 1, secret: input.secret, now: input.now, fetch: input.fetch,
    payload: { type: 'analysis', endpoint: input.endpoint, stableVersion: input.stableVersion, candidateVersion: input.candidateVersion, at: input.at },
  });
  const limit = `${c.jsonPath} = ${JSON.stringify(c.equals)}`;
  if (result.kind === 'failed') {
    return result.status === null
      ? { kind: 'inconclusive', check: name, reason: result.reason }
      : { kind: 'failed', check: name, value: `HTTP ${result.status}`, limit };
  }
  const value = jsonPathValue(result.body, c.jsonPath);
  const shown = typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? value : JSON.stringify(value ?? null);
  return { kind: JSON.stringify(value) === JSON.stringify(c.equals) ? 'passed' : 'failed', check: name, value: shown, limit };
}

export function checkProvider(c: Exclude<Check, { kind: 'metric' }>, input: MeasureInput): Promise<CheckResult> {
  return c.kind === 'prometheus' ? prometheus(c, input) : webhook(c, input);
}
