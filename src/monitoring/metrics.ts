/**
 * Prometheus metrics. Request metrics are counted where requests are answered
 * (each worker's own registry); the primary's registry holds what the primary
 * computes (drift scores, live accuracy, rollout weights, alert states). In a
 * cluster, `/metrics` asks the primary, which sums the workers' registries
 * with prom-client's AggregatorRegistry and appends its own; in one process
 * both live in one registry.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TallyCounter, TallyHistogram } from './tally-metrics.ts';

/** Seconds; from 0.5 ms to 10 s. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const LOAD_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Metrics of the request path, one set per serving process. The four updated
 * on every request are tallies (cells resolved once per series, read into
 * Prometheus form at scrape time); the rest are prom-client's.
 */
export class ServingMetrics {
  readonly registry: Registry;
  /** Labels endpoint, version, protocol, code. */
  readonly requests: TallyCounter;
  /** Labels endpoint, version, protocol. */
  readonly duration: TallyHistogram;
  /** Labels endpoint, version. */
  readonly batchSize: TallyHistogram;
  /** Labels endpoint, version. */
  readonly queue: TallyHistogram;
  readonly modelLoad: Histogram<'model' | 'version'>;
  readonly logDropped: Counter<'endpoint'>;
  readonly logWritten: Counter<'endpoint'>;

  constructor(registry: Registry = new Registry(), options: { defaults?: boolean } = {}) {
    this.registry = registry;
    const registers = [registry];
    this.requests = new TallyCounter({ name: 'modelgate_requests_total', help: 'Inference requests answered, by endpoint, version, protocol and HTTP status code.', labelNames: ['endpoint', 'version', 'protocol', 'code'] }, registers);
    this.duration = new TallyHistogram({ name: 'modelgate_request_duration_seconds', help: 'Time to answer an inference request.', labelNames: ['endpoint', 'version', 'protocol'], buckets: DURATION_BUCKETS }, registers);
    this.batchSize = new TallyHistogram({ name: 'modelgate_batch_size', help: 'Rows per inference request.', labelNames: ['endpoint', 'version'], buckets: BATCH_BUCKETS }, registers);
    this.queue = new TallyHistogram({ name: 'modelgate_queue_duration_seconds', help: 'Time a request waited in the dynamic batcher queue.', labelNames: ['endpoint', 'version'], buckets: DURATION_BUCKETS }, registers);
    this.modelLoad = new Histogram({ name: 'modelgate_model_load_duration_seconds', help: 'Time to load and warm a model version.', labelNames: ['model', 'version'], buckets: LOAD_BUCKETS, registers });
    this.logDropped = new Counter({ name: 'modelgate_prediction_log_dropped_total', help: 'Prediction log entries dropped because the buffer was full or the store failed.', labelNames: ['endpoint'], registers });
    this.logWritten = new Counter({ name: 'modelgate_prediction_log_written_total', help: 'Prediction log entries written to the store.', labelNames: ['endpoint'], registers });
    if (options.defaults !== false) {
      collectDefaultMetrics({ register: registry, prefix: 'modelgate_' });
      // prom-client names these gauges `…_total`, which `promtool check metrics` rejects (a suffix for counters only);
      // the per-type gauges without the suffix carry the same counts.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(`modelgate_${name}`);
    }
  }
}

/** Metrics the primary computes from merged state. */
export class ControlMetrics {
  readonly registry: Registry;
  readonly drift: Gauge<'endpoint' | 'version' | 'feature' | 'test'>;
  readonly accuracy: Gauge<'endpoint' | 'version' | 'metric'>;
  readonly weight: Gauge<'endpoint' | 'version'>;
  readonly alerts: Gauge<'alert' | 'endpoint' | 'severity' | 'state'>;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.drift = new Gauge({ name: 'modelgate_drift_score', help: 'Live drift: per feature the test score (p-value or distance); feature "_dataset" holds the version score (test=score) and the share of drifted features (test=share).', labelNames: ['endpoint', 'version', 'feature', 'test'], registers });
    this.accuracy = new Gauge({ name: 'modelgate_live_accuracy', help: 'Live quality from feedback: accuracy, f1 or mae.', labelNames: ['endpoint', 'version', 'metric'], registers });
    this.weight = new Gauge({ name: 'modelgate_rollout_weight', help: 'Share of traffic (percent) routed to a version.', labelNames: ['endpoint', 'version'], registers });
    this.alerts = new Gauge({ name: 'modelgate_alert_state', help: '1 while an alert rule is in the labelled state.', labelNames: ['alert', 'endpoint', 'severity', 'state'], registers });
  }
}
