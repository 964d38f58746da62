/**
 * The one call the data plane makes per answered inference request: it feeds
 * the live windows, the Prometheus request metrics, the feature sample for
 * live drift and (for the sampled share) the prediction log. Everything here
 * runs after the response is sent and allocates only what it keeps: metric
 * cells are resolved once per series, the feature sample is asked whether it
 * wants any row before a view of the input is built, and the prediction log
 * whether it wants the request before anything is copied.
 */
import type { NamedTensor } from '../runtime/tensor.ts';
import type { FeatureSample } from './feature-sample.ts';
import type { ServingMetrics } from './metrics.ts';
import { inputColumns, inputRows, summariseOutputs } from './outputs.ts';
import type { CounterCell, HistogramCell } from './tally-metrics.ts';
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

/** The metric cells of one (endpoint, version, protocol). */
interface SeriesCells {
  readonly codes: Map<number, CounterCell>;
  readonly duration: HistogramCell;
  readonly batchSize: HistogramCell;
  readonly queue: HistogramCell;
}

export class RequestMonitor {
  readonly parts: RequestMonitorParts;
  readonly #series = new Map<string, SeriesCells>();

  constructor(parts: RequestMonitorParts) {
    this.parts = parts;
  }

  #cells(endpoint: string, version: string, protocol: Protocol): SeriesCells {
    const key = `${endpoint}\u0000${version}\u0000${protocol}`;
    let cells = this.#series.get(key);
    if (cells === undefined) {
      const m = this.parts.metrics;
      cells = {
        codes: new Map(), duration: m.duration.cell(endpoint, version, protocol),
        batchSize: m.batchSize.cell(endpoint, version), queue: m.queue.cell(endpoint, version),
      };
      this.#series.set(key, cells);
    }
    return cells;
  }

  record(r: AnsweredRequest): void {
    const { windows, metrics, sample, sink } = this.parts;
    const version = String(r.version);
    const cells = this.#cells(r.endpoint, version, r.protocol);
    let code = cells.codes.get(r.status);
    if (code === undefined) {
      code = metrics.requests.cell(r.endpoint, version, r.protocol, String(r.status));
      cells.codes.set(r.status, code);
    }
    code.value++;
    cells.duration.observe(r.latencyMs / 1000);
    if (r.queueMs !== undefined) cells.queue.observe(r.queueMs / 1000);
    if (r.version === 0) return;
    const inputs = r.inputs;
    const rows = inputs !== undefined && inputs.length > 0 && inputs[0].shape.length > 0 ? inputs[0].shape[0] : 0;
    if (rows > 0) cells.batchSize.observe(rows);
    const summary = r.outputs !== undefined && rows > 0 ? summariseOutputs(r.outputs, rows) : null;
    windows.record({
      endpoint: r.endpoint, version: r.version, protocol: r.protocol, status: r.status, latencyMs: r.latencyMs, rows,
      queueMs: r.queueMs, role: r.role,
      labels: summary?.labels ?? null, scores: summary?.scores ?? null, values: summary?.values ?? null,
    });
    if (sample !== undefined && inputs !== undefined && summary !== null && !sample.skips(rows, inputColumns(inputs))) {
      const features = r.features ?? null;
      const matrix = inputRows(inputs, features);
      const predicted = summary.labels ?? summary.values;
      if (matrix !== null) sample.offer(r.endpoint, r.version, features, matrix, (i) => (predicted === null ? null : predicted[i]));
    }
    if (sink !== undefined && r.status < 400 && sink.wants(r.endpoint)) sink.capture(r, this.parts.now());
  }
}
