/**
 * The one call the data plane makes per answered inference request: it feeds
 * the live windows, the Prometheus request metrics, the feature sample for
 * live drift and (for the sampled share) the prediction log. Everything here
 * runs after the response is sent and allocates only what it keeps.
 */
import type { NamedTensor } from '../runtime/tensor.ts';
import type { FeatureSample } from './feature-sample.ts';
import type { ServingMetrics } from './metrics.ts';
import { inputRows, summariseOutputs } from './outputs.ts';
import type { LiveWindows, Protocol, VersionRole } from './windows.ts';

export interface AnsweredRequest {
  readonly endpoint: string;
  /** 0 when the request failed before a version was chosen. */
  readonly version: number;
  readonly protocol: Protocol;
  readonly status: number;
  readonly latencyMs: number;
  readonly requestId: string;
  readonly role?: VersionRole;
  readonly features?: readonly string[] | null;
  readonly inputs?: readonly NamedTensor[];
  readonly outputs?: readonly NamedTensor[];
  readonly queueMs?: number;
}

/** Where sampled requests go (the prediction log); `wants` is asked first so unsampled requests cost nothing. */
export interface PredictionSink {
  wants(endpoint: string): boolean;
  capture(request: AnsweredRequest, at: number): void;
}

export interface RequestMonitorParts {
  readonly windows: LiveWindows;
  readonly metrics: ServingMetrics;
  readonly sample?: FeatureSample;
  readonly sink?: PredictionSink;
  readonly now: () => number;
}

export class RequestMonitor {
  readonly parts: RequestMonitorParts;
  constructor(parts: RequestMonitorParts) {
    this.parts = parts;
  }

  record(r: AnsweredRequest): void {
    const { windows, metrics, sample, sink } = this.parts;
    const version = String(r.version);
    const code = String(r.status);
    metrics.requests.inc({ endpoint: r.endpoint, version, protocol: r.protocol, code });
    metrics.duration.observe({ endpoint: r.endpoint, version, protocol: r.protocol }, r.latencyMs / 1000);
    if (r.queueMs !== undefined) metrics.queue.observe({ endpoint: r.endpoint, version }, r.queueMs / 1000);
    if (r.version === 0) return;
    const inputs = r.inputs;
    const rows = inputs !== undefined && inputs.length > 0 && inputs[0].shape.length > 0 ? inputs[0].shape[0] : 0;
    if (rows > 0) metrics.batchSize.observe({ endpoint: r.endpoint, version }, rows);
    const summary = r.outputs !== undefined && rows > 0 ? summariseOutputs(r.outputs, rows) : null;
    windows.record({
      endpoint: r.endpoint, version: r.version, protocol: r.protocol, status: r.status, latencyMs: r.latencyMs, rows,
      ...(r.queueMs === undefined ? {} : { queueMs: r.queueMs }),
      ...(r.role === undefined ? {} : { role: r.role }),
      labels: summary?.labels ?? null, scores: summary?.scores ?? null, values: summary?.values ?? null,
    });
    if (sample !== undefined && inputs !== undefined && summary !== null) {
      const matrix = inputRows(inputs, r.features ?? null);
      const predicted = summary.labels ?? summary.values;
      if (matrix !== null) sample.offer(r.endpoint, r.version, r.features ?? null, matrix, (i) => (predicted === null ? null : predicted[i]));
    }
    if (sink !== undefined && r.status < 400 && sink.wants(r.endpoint)) sink.capture(r, this.parts.now());
  }
}
