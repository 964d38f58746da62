/**
 * Validation of an endpoint's dynamic batching settings (Triton's
 * max_batch_size, max_queue_delay_microseconds, preferred_batch_size,
 * max_queue_size and a per-request queue timeout).
 */
import { fail } from '../lib/errors.ts';
import type { BatchingSpec } from '../store/endpoint-store.ts';

const KEYS = new Set(['maxBatchSize', 'maxQueueDelayUs', 'preferredBatchSizes', 'maxQueueSize', 'timeoutMs']);

function positiveInt(endpoint: string, key: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    fail('MG_ENDPOINT_INVALID', { endpoint, detail: `batching.${key} must be an integer from 1 to ${max}, got ${JSON.stringify(v)}` });
  }
  return v;
}

/** Returns the settings, normalised, or fails with MG_ENDPOINT_INVALID naming the field. */
export function checkBatching(endpoint: string, raw: unknown): BatchingSpec | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) fail('MG_ENDPOINT_INVALID', { endpoint, detail: 'batching must be an object or null' });
  const b = raw as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) fail('MG_ENDPOINT_INVALID', { endpoint, detail: `unknown batching field(s) ${unknown.join(', ')}` });
  const maxBatchSize = positiveInt(endpoint, 'maxBatchSize', b.maxBatchSize, 65536);
  const delay = b.maxQueueDelayUs ?? 0;
  if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > 10_000_000) {
    fail('MG_ENDPOINT_INVALID', { endpoint, detail: `batching.maxQueueDelayUs must be an integer from 0 to 10000000, got ${JSON.stringify(delay)}` });
  }
  let preferred: number[] | undefined;
  if (b.preferredBatchSizes !== undefined) {
    if (!Array.isArray(b.preferredBatchSizes)) fail('MG_ENDPOINT_INVALID', { endpoint, detail: 'batching.preferredBatchSizes must be an array' });
    preferred = b.preferredBatchSizes.map((p) => positiveInt(endpoint, 'preferredBatchSizes[]', p, maxBatchSize));
  }
  return {
    maxBatchSize,
    maxQueueDelayUs: delay,
    ...(preferred === undefined ? {} : { preferredBatchSizes: preferred }),
    ...(b.maxQueueSize === undefined ? {} : { maxQueueSize: positiveInt(endpoint, 'maxQueueSize', b.maxQueueSize, 1_000_000) }),
    ...(b.timeoutMs === undefined ? {} : { timeoutMs: positiveInt(endpoint, 'timeoutMs', b.timeoutMs, 3_600_000) }),
  };
}
