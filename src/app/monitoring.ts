/**
 * Monitoring's composition: the prediction store on its own connection to
 * the registry's database, field encryption from the security config, and
 * the Monitoring parts for this process's role (single process, cluster
 * worker, or cluster primary).
 */
import type { Config } from '../config/load.ts';
import type { ModelLoad } from '../inference/model-pool.ts';
import { seededRng } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import { parseAlertRule, BUILTIN_RULES } from '../monitoring/alerts-rules.ts';
import { parseNotifiers, type NotifierDeps } from '../monitoring/alerts-notifiers.ts';
import { AlertEngine, type RolloutControl } from '../monitoring/alerts.ts';
import { MonitoringControl } from '../monitoring/control.ts';
import { FeatureSample } from '../monitoring/feature-sample.ts';
import { ControlMetrics, ServingMetrics } from '../monitoring/metrics.ts';
import { PredictionLog } from '../monitoring/prediction-log.ts';
import { RequestMonitor } from '../monitoring/request-monitor.ts';
import { localView, type MonitoringView } from '../monitoring/view.ts';
import { LiveWindows } from '../monitoring/windows.ts';
import { fieldCryptoFromConfig } from '../security/field-crypto.ts';
import type { ReferenceProfile } from '../store/registry-types.ts';
import { SqlPredictionStore } from '../store/sql-prediction-store.ts';
import type { RolloutRecord } from '../store/rollout-store.ts';
import { SqlRolloutStore } from '../store/sql-rollout-store.ts';
import { migrated } from '../store/sql-store.ts';
import { openDriver } from './database.ts';
import type { Services } from './services.ts';

export interface Monitoring {
  readonly enabled: boolean;
  readonly windows: LiveWindows;
  readonly sample: FeatureSample;
  readonly serving: ServingMetrics;
  /** Null when monitoring is off. */
  readonly monitor: RequestMonitor | null;
  readonly log: PredictionLog | null;
  readonly predictions: SqlPredictionStore;
  /** Present in the process that runs controllers. */
  readonly control: MonitoringControl | null;
  readonly view: MonitoringView;
  close(): Promise<void>;
}

export type MonitoringRole =
  | { readonly kind: 'single' }
  | { readonly kind: 'primary'; readonly requestMetrics: () => Promise<string> }
  | { readonly kind: 'worker'; readonly view: MonitoringView };

export interface MonitoringOptions {
  readonly role?: MonitoringRole;
  readonly log?: NotifierDeps['log'];
  readonly rollout?: RolloutControl;
  readonly fetch?: typeof fetch;
  readonly seed?: number;
  /** The data plane's windows, so the rollout controller and monitoring read the same ones. */
  readonly windows?: LiveWindows;
  readonly databaseSchema?: string;
}

export async function openPredictionStore(config: Config, schema?: string): Promise<SqlPredictionStore> {
  return migrated(new SqlPredictionStore(openDriver(config, { schema, maxConnections: 2 })));
}

/** The model pool's load hook: each load and warm-up lands in modelgate_model_load_duration_seconds. */
export function observeModelLoad(monitoring: Pick<Monitoring, 'serving'>): (load: ModelLoad) => void {
  return (load) => monitoring.serving.modelLoad.observe({ model: load.model, version: String(load.version) }, load.seconds);
}

/** Active rollouts read from the store (for `modelgate status` on a data directory, where no controller runs). */
export async function activeRollouts(config: Config, schema?: string): Promise<readonly RolloutRecord[]> {
  const store = await migrated(new SqlRolloutStore(openDriver(config, { schema, maxConnections: 1 })));
  try {
    return await store.active();
  } finally {
    await store.close();
  }
}

export async function openMonitoring(config: Config, services: Services, options: MonitoringOptions = {}): Promise<Monitoring> {
  const m = config.monitoring;
  const role = options.role ?? { kind: 'single' };
  const log: NotifierDeps['log'] = options.log ?? (() => {});
  const clock = services.clock;
  const rng = seededRng(options.seed ?? (Date.now() & 0x7fffffff));
  const windows = options.windows ?? new LiveWindows(clock, { bucketMs: m.bucketMs });
  const sample = new FeatureSample(rng, {
    capacity: m.drift.windowRows, rate: m.drift.sampleRate, maxRowsPerSecond: m.drift.maxRowsPerSecond, now: () => clock.now(), forward: role.kind === 'worker',
  });
  const serving = new ServingMetrics();
  const predictions = await openPredictionStore(config, options.databaseSchema);
  const p = m.predictionLog;
  const logOn = m.enabled && role.kind !== 'primary';
  const predictionLog = logOn
    ? new PredictionLog({
      samplePercent: p.samplePercent, endpointPercent: (p.endpointPercent ?? {}) as Record<string, number>, sensitiveFields: p.sensitiveFields,
      sensitiveMode: p.sensitiveMode as 'encrypt' | 'drop', bufferSize: p.bufferSize, batchSize: p.batchSize, flushIntervalMs: p.flushIntervalMs,
      maxAgeMs: p.maxAgeMs, maxBytes: p.maxBytes, pruneIntervalMs: 600_000,
    }, {
      store: predictions, rng, metrics: serving, crypto: fieldCryptoFromConfig(config.security.fieldKeys, config.security.fieldKeyId),
      iso: (ms) => new Date(ms).toISOString(), now: () => clock.now(), onError: (err) => log('error', 'prediction log write failed', { err: (err as Error).message }),
    })
    : null;
  const monitor = m.enabled && role.kind !== 'primary'
    ? new RequestMonitor({ windows, metrics: serving, sample, ...(predictionLog === null ? {} : { sink: predictionLog }), now: () => clock.now() })
    : null;

  let control: MonitoringControl | null = null;
  let view: MonitoringView;
  if (role.kind === 'worker') view = role.view;
  else {
    const notifiers = parseNotifiers(config.notifiers);
    const names = new Set(notifiers.keys());
    const userRules: unknown[] = config.alerts === undefined || config.alerts === null ? [] : Array.isArray(config.alerts) ? config.alerts : fail('MG_CONFIG_INVALID', { key: 'alerts', detail: 'a list of alert rules' });
    const rules = [...(m.builtinAlerts ? BUILTIN_RULES.map((r) => parseAlertRule(r, names, true)) : []), ...userRules.map((r) => parseAlertRule(r, names))];
    const alerts = new AlertEngine(rules, { clock, notifiers, notifierDeps: { fetch: options.fetch ?? fetch, log }, ...(options.rollout === undefined ? {} : { rollout: options.rollout }) });
    const versionOf = async (endpoint: string, version: number) => {
      const e = await services.endpoints.get(endpoint);
      return e === null ? null : services.registry.getVersion(e.model, version).catch(() => null);
    };
    const references = new Map<string, ReferenceProfile | null>();
    const metrics = new ControlMetrics();
    control = new MonitoringControl({
      clock, windows, sample, metrics, alerts, predictions,
      reference: async (endpoint, version) => {
        const key = `${endpoint}\u0000${version}`;
        if (!references.has(key)) references.set(key, (await versionOf(endpoint, version))?.referenceProfile ?? null);
        return references.get(key) ?? null;
      },
      offlineAccuracy: async (endpoint, version) => (await versionOf(endpoint, version))?.metrics.accuracy ?? null,
      weights: async () => (await services.endpoints.list()).flatMap((e) => {
        const candidate = e.policy.candidate;
        const share = candidate === null ? 0 : candidate.weightPermille / 10;
        return [{ endpoint: e.name, version: e.version, percent: 100 - share }, ...(candidate === null ? [] : [{ endpoint: e.name, version: candidate.version, percent: share }])];
      }),
      driftIntervalMs: m.drift.intervalMs, alertIntervalMs: m.alertIntervalMs, accuracyWindowMs: m.accuracyWindowMs, minRows: m.drift.minRows,
      onError: (err) => log('error', 'monitoring tick failed', { err: (err as Error).message }),
    });
    const requestMetrics = role.kind === 'primary' ? role.requestMetrics : () => serving.registry.metrics();
    view = localView(control, requestMetrics, metrics.registry);
  }
  return {
    enabled: m.enabled, windows, sample, serving, monitor, log: predictionLog, predictions, control, view,
    async close() {
      control?.stop();
      await predictionLog?.close();
      await predictions.close();
    },
  };
}
