/**
 * Feedback: true labels or values sent after the fact, joined to logged
 * predictions by request id. Returns one result per item (joined, unknown,
 * late) rather than failing the batch on the first bad id.
 */
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import type { FeedbackResult, PredictionStore } from '../store/prediction-store.ts';

/** One item as received: label and value are checked here, so null, missing or mistyped ones get a catalogue error. */
export interface FeedbackItem {
  readonly requestId: string;
  readonly label?: unknown;
  readonly value?: unknown;
}

export interface FeedbackSummary {
  readonly joined: number;
  readonly unknown: readonly string[];
  readonly late: readonly string[];
  readonly results: readonly FeedbackResult[];
}

export async function submitFeedback(store: PredictionStore, clock: Clock, lateAfterMs: number, items: readonly FeedbackItem[]): Promise<FeedbackSummary> {
  if (items.length === 0) fail('MG_MONITORING_FEEDBACK_INVALID', { detail: 'no items' });
  const values = items.map((it, i) => {
    const has = (k: 'label' | 'value'): boolean => Object.hasOwn(it, k);
    if (has('label') === has('value')) fail('MG_MONITORING_FEEDBACK_INVALID', { detail: `item ${i} needs exactly one of label or value` });
    const v = has('label') ? it.label : it.value;
    if (v === null || v === undefined) fail('MG_MONITORING_FEEDBACK_INVALID', { detail: `item ${i} has a null ${has('label') ? 'label' : 'value'}` });
    if (has('label') && !(typeof v === 'number' || (typeof v === 'string' && v.length > 0 && v.length <= 256))) {
      fail('MG_MONITORING_FEEDBACK_INVALID', { detail: `item ${i}: label must be a number or a string of 1–256 characters` });
    }
    if (has('value') && typeof v !== 'number') fail('MG_MONITORING_FEEDBACK_INVALID', { detail: `item ${i}: value must be a number` });
    if (typeof v === 'number' && !Number.isFinite(v)) fail('MG_MONITORING_FEEDBACK_INVALID', { detail: `item ${i} has a non-finite value` });
    return { requestId: it.requestId, value: v as number | string };
  });
  const now = clock.now();
  const results = await store.feedback(values, new Date(now).toISOString(), new Date(now - lateAfterMs).toISOString());
  return {
    joined: results.filter((r) => r.kind === 'joined').length,
    unknown: results.filter((r) => r.kind === 'unknown').map((r) => r.requestId),
    late: results.filter((r) => r.kind === 'late').map((r) => r.requestId),
    results,
  };
}
