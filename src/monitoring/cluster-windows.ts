/**
 * Monitoring across node:cluster processes. Workers record locally and every
 * push interval send the primary their window deltas and new feature rows;
 * the primary merges them, so its LiveWindows are the exact sum. Workers
 * answer monitoring routes by asking the primary (request/response over
 * IPC); the primary answers `/metrics` with prom-client's AggregatorRegistry
 * sum of the workers' registries plus its own computed gauges.
 */
import type { Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { isModelgateError, ModelgateError, type ErrorCode } from '../lib/errors.ts';
import type { FeatureSample, SampledRows } from './feature-sample.ts';
import type { MonitoringView } from './view.ts';
import type { LiveWindows, WindowsReader, WindowsState } from './windows.ts';

type Op = 'metrics' | 'status' | 'drift' | 'alerts' | 'addAlert';

export type MonitoringMessage =
  | { readonly type: 'modelgate:mon-push'; readonly windows: WindowsState; readonly samples: SampledRows[] }
  | { readonly type: 'modelgate:mon-req'; readonly id: number; readonly op: Op; readonly args: unknown[] }
  | { readonly type: 'modelgate:mon-res'; readonly id: number; readonly value?: unknown; readonly error?: { code: string; context: Record<string, unknown>; message: string } };

export function isMonitoringMessage(m: unknown): m is MonitoringMessage {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('modelgate:mon-');
}

/** Worker side: pushes deltas on a timer (and once more on stop). */
export function startWorkerPush(windows: LiveWindows, sample: FeatureSample, everyMs: number, send: (m: MonitoringMessage) => void): { stop(): void; push(): void } {
  const push = (): void => {
    const delta = windows.exportDelta();
    const samples = sample.takeNew();
    if (delta.series.length === 0 && samples.length === 0) return;
    send({ type: 'modelgate:mon-push', windows: delta, samples });
  };
  const timer = setInterval(push, everyMs);
  timer.unref();
  return { push, stop: () => { clearInterval(timer); push(); } };
}

/** Worker side: the MonitoringView that asks the primary. */
export function remoteView(send: (m: MonitoringMessage) => void, on: (listener: (m: unknown) => void) => void, timeoutMs = 10_000): MonitoringView {
  let next = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void; timer: NodeJS.Timeout }>();
  on((m) => {
    if (!isMonitoringMessage(m) || m.type !== 'modelgate:mon-res') return;
    const p = pending.get(m.id);
    if (p === undefined) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error === undefined) p.resolve(m.value);
    else p.reject(new ModelgateError(m.error.code as ErrorCode, m.error.context));
  });
  const call = <T>(op: Op, ...args: unknown[]): Promise<T> => new Promise<T>((resolve, reject) => {
    const id = next++;
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new ModelgateError('MG_MONITORING_UNAVAILABLE', { detail: 'the primary process did not answer' }));
    }, timeoutMs);
    timer.unref();
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
    send({ type: 'modelgate:mon-req', id, op, args });
  });
  return {
    metrics: () => call('metrics'),
    status: (endpoint, windowMs) => call('status', endpoint, windowMs),
    drift: (endpoint) => call('drift', endpoint),
    alerts: () => call('alerts'),
    addAlert: (raw) => call('addAlert', raw),
  };
}

/** Primary side: a request-metrics source summing every worker's registry. */
export function clusterRequestMetrics(): () => Promise<string> {
  const aggregator = new AggregatorRegistry();
  return () => aggregator.clusterMetrics();
}

/** Worker side: the registry prom-client's aggregator reads. */
export function exposeWorkerRegistry(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's worker-side listener.
  void new AggregatorRegistry();
}

/** Primary side: handles one worker message; true when it was a monitoring message. */
export function handleWorkerMessage(worker: Worker, m: unknown, windows: LiveWindows, sample: FeatureSample, view: MonitoringView): boolean {
  if (!isMonitoringMessage(m)) return false;
  if (m.type === 'modelgate:mon-push') {
    windows.merge(m.windows);
    for (const s of m.samples) sample.add(s);
    return true;
  }
  if (m.type !== 'modelgate:mon-req') return true;
  const reply = (r: Omit<Extract<MonitoringMessage, { type: 'modelgate:mon-res' }>, 'type' | 'id'>): void => {
    if (worker.isConnected()) worker.send({ type: 'modelgate:mon-res', id: m.id, ...r } satisfies MonitoringMessage);
  };
  const args = m.args;
  const run = (): Promise<unknown> => {
    switch (m.op) {
      case 'metrics': return view.metrics();
      case 'status': return view.status(args[0] as string | undefined, args[1] as number | undefined);
      case 'drift': return view.drift(String(args[0]));
      case 'alerts': return view.alerts();
      default: return view.addAlert(args[0]);
    }
  };
  run().then((value) => reply({ value: JSON.parse(JSON.stringify(value)) as unknown }), (err: unknown) => {
    const e = isModelgateError(err) ? err : new ModelgateError('MG_INTERNAL', { detail: (err as Error).message });
    reply({ error: { code: e.code, context: JSON.parse(JSON.stringify(e.context)) as Record<string, unknown>, message: e.message } });
  });
  return true;
}

/** The merged windows as the rollout controller in the primary reads them. */
export function windowsReader(windows: LiveWindows): WindowsReader {
  return { snapshot: (e, v, w) => windows.snapshot(e, v, w), versions: (e) => windows.versions(e) };
}
