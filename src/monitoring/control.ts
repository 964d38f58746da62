/**
 * The monitoring work of the process that runs controllers (the primary, or
 * the only process): over merged live windows and feature samples it runs
 * live drift on its interval, refreshes live quality from feedback, evaluates
 * alert rules and keeps the computed Prometheus gauges current. `tick()` is
 * driven by a timer in production and by a fake clock in tests.
 */
import type { Clock } from '../lib/clock.ts';
import type { PredictionStore } from '../store/prediction-store.ts';
import type { ReferenceProfile } from '../store/registry-types.ts';
import type { AlertEngine } from './alerts.ts';
import type { AlertMetric } from './alerts-rules.ts';
import type { FeatureSample } from './feature-sample.ts';
import { LiveDrift, type LiveDriftResult } from './live-drift.ts';
import type { ControlMetrics } from './metrics.ts';
import { liveQuality, type LiveQuality } from './quality.ts';
import type { LiveWindows } from './windows.ts';

export interface ControlDeps {
  readonly clock: Clock;
  readonly windows: LiveWindows;
  readonly sample: FeatureSample;
  readonly metrics: ControlMetrics;
  readonly alerts: AlertEngine;
  readonly predictions?: PredictionStore;
  readonly reference: (endpoint: string, version: number) => Promise<ReferenceProfile | null>;
  /** Offline accuracy from the version's evaluation metrics (for accuracy_drop). */
  readonly offlineAccuracy: (endpoint: string, version: number) => Promise<number | null>;
  /** Traffic share per version, percent (router policy). */
  readonly weights: () => Promise<{ endpoint: string; version: number; percent: number }[]>;
  readonly driftIntervalMs: number;
  readonly alertIntervalMs: number;
  readonly accuracyWindowMs: number;
  readonly minRows: number;
  readonly onError?: (err: unknown) => void;
}

export class MonitoringControl {
  readonly #d: ControlDeps;
  readonly drift: LiveDrift;
  readonly #quality = new Map<string, LiveQuality[]>();
  readonly #offline = new Map<string, number | null>();
  #lastDrift = -Infinity;
  #lastAlerts = -Infinity;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(deps: ControlDeps) {
    this.#d = deps;
    this.drift = new LiveDrift({ sample: deps.sample, reference: deps.reference, minRows: deps.minRows });
  }

  get alerts(): AlertEngine {
    return this.#d.alerts;
  }

  get windows(): LiveWindows {
    return this.#d.windows;
  }

  start(everyMs = 1000): void {
    this.#timer ??= setInterval(() => void this.tick(), everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Runs whatever is due; concurrent calls share one run. */
  tick(): Promise<void> {
    this.#running ??= this.#tickOnce().catch((err: unknown) => this.#d.onError?.(err)).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #tickOnce(): Promise<void> {
    const now = this.#d.clock.now();
    if (now - this.#lastDrift >= this.#d.driftIntervalMs) {
      this.#lastDrift = now;
      this.#publishDrift(await this.drift.run(new Date(now).toISOString()));
      await this.refreshQuality();
    }
    await this.#publishWeights();
    if (now - this.#lastAlerts >= this.#d.alertIntervalMs) {
      this.#lastAlerts = now;
      await this.#d.alerts.evaluate({ targets: () => this.#targets(), value: (m, e, v, w) => this.value(m, e, v, w) });
      this.#publishAlerts();
    }
  }

  /** Live quality per version of an endpoint (from the last refresh). */
  quality(endpoint: string): LiveQuality[] {
    return this.#quality.get(endpoint) ?? [];
  }

  /** Recomputes live quality of every endpoint with windows from the stored feedback. */
  async refreshQuality(): Promise<void> {
    if (this.#d.predictions === undefined) return;
    const since = new Date(this.#d.clock.now() - this.#d.accuracyWindowMs).toISOString();
    const endpoints = new Set(this.#targets().map((t) => t.endpoint));
    for (const endpoint of endpoints) {
      const q = liveQuality(await this.#d.predictions.labelled(endpoint, since));
      this.#quality.set(endpoint, q);
      for (const v of q) {
        for (const metric of ['accuracy', 'f1', 'mae'] as const) {
          const value = v[metric];
          if (value !== undefined) this.#d.metrics.accuracy.set({ endpoint, version: String(v.version), metric }, value);
        }
        const key = `${endpoint}\u0000${v.version}`;
        if (!this.#offline.has(key)) this.#offline.set(key, await this.#d.offlineAccuracy(endpoint, v.version));
      }
    }
  }

  #targets(): { endpoint: string; version: number }[] {
    const seen = new Map<string, { endpoint: string; version: number }>();
    for (const t of [...this.#d.windows.versions(), ...this.#d.sample.keys()]) seen.set(`${t.endpoint}\u0000${t.version}`, t);
    return [...seen.values()];
  }

  value(metric: AlertMetric, endpoint: string, version: number, windowMs: number): number | null {
    if (metric === 'drift_score') return this.drift.score(endpoint, version);
    if (metric === 'live_accuracy' || metric === 'accuracy_drop') {
      const q = this.quality(endpoint).find((x) => x.version === version);
      if (q?.accuracy === undefined) return null;
      if (metric === 'live_accuracy') return q.accuracy;
      const offline = this.#offline.get(`${endpoint}\u0000${version}`);
      return offline === undefined || offline === null ? null : offline - q.accuracy;
    }
    const s = this.#d.windows.snapshot(endpoint, version, windowMs);
    if (s.requests === 0) return null;
    switch (metric) {
      case 'error_rate': return s.errorRate;
      case 'rps': return s.rps;
      case 'latency_p50_ms': return s.latency.p50;
      case 'latency_p95_ms': return s.latency.p95;
      default: return s.latency.p99;
    }
  }

  #publishDrift(results: readonly LiveDriftResult[]): void {
    for (const r of results) {
      if (r.kind !== 'scored') continue;
      const version = String(r.version);
      this.#d.metrics.drift.set({ endpoint: r.endpoint, version, feature: '_dataset', test: 'score' }, r.score);
      this.#d.metrics.drift.set({ endpoint: r.endpoint, version, feature: '_dataset', test: 'share' }, r.share);
      for (const c of r.drift.columns) this.#d.metrics.drift.set({ endpoint: r.endpoint, version, feature: c.column, test: c.test }, c.score);
    }
  }

  async #publishWeights(): Promise<void> {
    const weights = await this.#d.weights();
    this.#d.metrics.weight.reset();
    for (const w of weights) this.#d.metrics.weight.set({ endpoint: w.endpoint, version: String(w.version) }, w.percent);
  }

  #publishAlerts(): void {
    this.#d.metrics.alerts.reset();
    for (const s of this.#d.alerts.statuses()) this.#d.metrics.alerts.set({ alert: s.rule, endpoint: s.endpoint, severity: s.severity, state: s.state.kind }, 1);
  }
}
