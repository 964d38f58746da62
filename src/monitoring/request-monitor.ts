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
  readonly endpoint: string;
  readonly version: number;
  readonly protocol: Protocol;
  readonly codes: Map<number, CounterCell>;
  /** The cell of the status last counted (nearly always 200). */
  lastStatus: number;
  lastCode: CounterCell | undefined;
  readonly duration: HistogramCell;
  readonly batchSize: HistogramCell;
  readonly queue: HistogramCell;
}

export class RequestMonitor {
  readonly parts: RequestMonitorParts;
  readonly #series = new Map<string, SeriesCells>();
  /** The series last recorded: a hit skips building a key string and a Map lookup. */
  #last: SeriesCells | undefined;

  constructor(parts: RequestMonitorParts) {
    this.parts = parts;
  }

  #cells(endpoint: string, version: number, protocol: Protocol): SeriesCells {
    const last = this.#last;
    if (last !== undefined && last.version === version && last.protocol === protocol && last.endpoint === endpoint) return last;
    const key = `${endpoint}\u0000${version}\u0000${protocol}`;
    let cells = this.#series.get(key);
    if (cells === undefined) {
      const m = this.parts.metrics;
      const v = String(version);
      cells = {
        endpoint, version, protocol, codes: new Map(), lastStatus: 0, lastCode: undefined,
        duration: m.duration.cell(endpoint, v, protocol), batchSize: m.batchSize.cell(endpoint, v), queue: m.queue.cell(endpoint, v),
      };
      this.#series.set(key, cells);
    }
    this.#last = cells;
    return cells;
  }

  #code(cells: SeriesCells, status: number): CounterCell {
    if (cells.lastStatus === status && cells.lastCode !== undefined) return cells.lastCode;
    let code = cells.codes.get(status);
    if (code === undefined) {
      code = this.parts.metrics.requests.cell(cells.endpoint, String(cells.version), cells.protocol, String(status));
      cells.codes.set(status, code);
    }
    cells.lastStatus = status;
    cells.lastCode = code;
    return code;
  }

  record(r: AnsweredRequest): void {
    const { windows, sample, sink } = this.parts;
    const cells = this.#cells(r.endpoint, r.version, r.protocol);
    this.#code(cells, r.status).value++;
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
