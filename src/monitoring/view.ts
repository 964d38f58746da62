/**
 * What the HTTP routes and the CLI read: one async interface whether the
 * state is in this process (single process, or the primary) or in the
 * primary seen from a worker over IPC (cluster-windows.ts).
 */
import { Registry } from 'prom-client';
import type { AlertHistoryEntry, AlertStatus } from './alerts.ts';
import type { AlertRule } from './alerts-rules.ts';
import type { MonitoringControl } from './control.ts';
import type { LiveDriftResult } from './live-drift.ts';
import type { LiveQuality } from './quality.ts';
import { WINDOW_1M, type WindowSnapshot } from './windows.ts';

export interface VersionStatus {
  readonly endpoint: string;
  readonly version: number;
  readonly window: WindowSnapshot;
  readonly drift: number | null;
  readonly quality: LiveQuality | null;
}

export interface AlertsView {
  readonly rules: readonly AlertRule[];
  readonly active: readonly AlertStatus[];
  readonly history: readonly AlertHistoryEntry[];
}

export interface MonitoringView {
  metrics(): Promise<{ contentType: string; text: string }>;
  status(endpoint?: string, windowMs?: number): Promise<VersionStatus[]>;
  drift(endpoint: string): Promise<LiveDriftResult[]>;
  alerts(): Promise<AlertsView>;
  addAlert(raw: unknown): Promise<AlertRule>;
}

/** Status rows from a control in this process. */
export function statusOf(control: MonitoringControl, endpoint: string | undefined, windowMs: number): VersionStatus[] {
  return control.windows.versions(endpoint).map(({ endpoint: e, version }) => ({
    endpoint: e, version,
    window: control.windows.snapshot(e, version, windowMs),
    drift: control.drift.score(e, version),
    quality: control.quality(e).find((q) => q.version === version) ?? null,
  }));
}

/** The view of the process that holds the control; `text` gives the request metrics (local registry, or the workers' aggregate). */
export function localView(control: MonitoringControl, requestMetrics: () => Promise<string>, controlRegistry: Registry): MonitoringView {
  return {
    async metrics() {
      const text = (await requestMetrics()) + (await controlRegistry.metrics());
      return { contentType: Registry.PROMETHEUS_CONTENT_TYPE, text };
    },
    status: async (endpoint, windowMs = WINDOW_1M) => statusOf(control, endpoint, windowMs),
    drift: async (endpoint) => control.drift.latest(endpoint),
    alerts: async () => ({ rules: control.alerts.rules(), active: control.alerts.statuses(), history: control.alerts.history() }),
    addAlert: async (raw) => control.alerts.addRaw(raw),
  };
}
