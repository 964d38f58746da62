/**
 * The rollout plan as the controller uses it, after parsing (plan.ts):
 * durations in milliseconds, weights in percent, every default filled in.
 * Steps, checks and strategies are discriminated unions.
 */

export type Strategy = 'direct' | 'canary' | 'blue-green' | 'shadow';

export type Step =
  | { readonly kind: 'setWeight'; readonly weight: number }
  /** durationMs null: wait until promoted. */
  | { readonly kind: 'pause'; readonly durationMs: number | null }
  | { readonly kind: 'analysis' };

/** A bound: a number, or relative to the stable version's value of the same metric. */
export type Bound = number | { readonly relativeTo: 'stable'; readonly plus: number; readonly times: number };

export const METRICS = [
  'request_rate', 'error_rate', 'latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'latency_mean_ms',
  'prediction_divergence', 'prediction_psi',
  'shadow_agreement', 'shadow_score_diff_mean', 'shadow_score_diff_max', 'shadow_latency_ratio', 'shadow_error_rate',
] as const;
export type MetricName = (typeof METRICS)[number];

export type Check =
  | { readonly kind: 'metric'; readonly metric: MetricName; readonly max: Bound | null; readonly min: Bound | null }
  | { readonly kind: 'prometheus'; readonly url: string; readonly query: string; readonly max: number | null; readonly min: number | null }
  | { readonly kind: 'webhook'; readonly url: string; readonly jsonPath: string; readonly equals: unknown };

export interface AnalysisSpec {
  readonly intervalMs: number;
  /** How far back each measurement looks in the live windows. */
  readonly windowMs: number;
  /** Passing measurements an analysis step needs. */
  readonly count: number;
  /** Requests on the candidate (and the stable, for relative checks) below which a measurement is inconclusive. */
  readonly minSamples: number;
  /** Failed measurements tolerated; one more fails the analysis. */
  readonly failureLimit: number;
  /** Consecutive inconclusive measurements tolerated; one more pauses the rollout. */
  readonly inconclusiveLimit: number;
  readonly checks: readonly Check[];
}

export const WEBHOOK_TYPES = ['confirm-rollout', 'pre-rollout', 'rollout', 'confirm-promotion', 'post-rollout', 'rollback', 'event'] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

export interface WebhookSpec {
  readonly type: WebhookType;
  readonly url: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface BlueGreenSpec {
  readonly previewSmokeRequests: number;
  /** Every smoke request must answer within this. */
  readonly smokeLatencyMs: number;
  readonly postPromotionWindowMs: number;
  readonly scaleDownDelayMs: number;
}

export interface RolloutPlan {
  readonly strategy: Strategy;
  readonly steps: readonly Step[];
  readonly promote: { readonly alias: string | null };
  /** null: no analysis (direct, or a canary that only steps). */
  readonly analysis: AnalysisSpec | null;
  readonly shadow: { readonly percent: number; readonly durationMs: number };
  readonly blueGreen: BlueGreenSpec;
  readonly webhooks: readonly WebhookSpec[];
  /** Request field whose value is the sticky key (beside the x-modelgate-key header). */
  readonly stickyField: string | null;
}
