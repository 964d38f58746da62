/**
 * Feedback: true labels or values sent after the fact, joined to logged
 * predictions by request id. Returns one result per item (joined, unknown,
 * late) rather than failing the batch on the first bad id.
 */
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import type { FeedbackResult, PredictionStore } from '../store/prediction-store.ts';

export interface FeedbackItem {
  readonly requestId: string;
  readonly label?: number | string;
  readonly value?: number;
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
    const v = it.label ?? it.value;
    if (v === undefined || (it.label !== undefined && it.value !== undefined)) fail('MG_MONITORING_FEEDBACK_INVALID', { detail: `item ${i} needs exactly one of label or value` });
    if (typeof v === 'number' && !Number.isFinite(v)) fail('MG_MONITORING_FEEDBACK_INVALID', { detail: `item ${i} has a non-finite value` });
    return { requestId: it.requestId, value: v };
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
