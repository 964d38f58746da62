/**
 * `modelgate serve --workers N`: a node:cluster primary and N workers sharing
 * the port. Workers answer HTTP and hold ONNX sessions; the primary keeps
 * them alive (a worker that dies is replaced) and relays routing changes: a
 * worker that changed an endpoint tells the primary, which tells every other
 * worker to reload that endpoint from the store. A replaced worker restores
 * every endpoint from the store when it starts. With PostgreSQL and several
 * machines, replicas would learn changes through LISTEN/NOTIFY; that is not
 * wired yet (changes reach the other machines' workers at their next start).
 *
 * Rollouts: one worker, the leader (the first, and whichever replaces it),
 * runs the rollout controller, because routing changes load and warm models
 * where the models live. Its analysis still sees all traffic: the primary
 * forwards every worker's window push to the leader (after a snapshot of
 * the primary's merged windows when the leader says hello), and the
 * primary's alert rules pause or abort rollouts by asking the leader.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Config } from '../config/load.ts';
import { buildApp } from './build.ts';
import { openDataPlane, workerSessionOptions, type ClusterLink } from './data-plane.ts';
import { openServices, type Services } from './services.ts';
import { clusterRequestMetrics, exposeWorkerRegistry, handleWorkerMessage, isMonitoringMessage, remoteView, startWorkerPush } from '../monitoring/cluster-windows.ts';
import { LiveWindows, type WindowsState } from '../monitoring/windows.ts';
import type { RolloutControl } from '../rollout/control.ts';
import { observeModelLoad, openMonitoring, type Monitoring } from './monitoring.ts';

type Message =
  | { readonly type: 'modelgate:listening'; readonly url: string }
  | { readonly type: 'modelgate:changed'; readonly endpoint: string }
  | { readonly type: 'modelgate:sync'; readonly endpoint: string }
  /** Leader → primary: ready to receive merged windows. */
  | { readonly type: 'modelgate:leader-hello' }
  /** Primary → leader: windows to add to its merged copy (a snapshot, then each worker's delta). */
  | { readonly type: 'modelgate:leader-windows'; readonly windows: WindowsState }
  /** Primary → leader: an alert response for the endpoint's active rollout. */
  | { readonly type: 'modelgate:leader-control'; readonly command: 'pause' | 'abort'; readonly endpoint: string; readonly reason: string };

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('modelgate:');
}

/** Worker processes for a config: `server.workers`, or one per core when it is 0. */
export function workerCount(config: Config): number {
  return config.server.workers === 0 ? availableParallelism() : config.server.workers;
}

export interface PrimaryEvents {
  /** The first worker is listening. */
  onListening?(url: string): void;
  /** A worker exited unexpectedly and is being replaced. */
  onRestart?(info: { pid: number | undefined; code: number | null; signal: string | null }): void;
}

export interface ClusterPrimary {
  /** Worker processes now running. */
  readonly workers: () => readonly Worker[];
  /** Stops the workers (each finishes its in-flight requests) and resolves when all have exited. */
  close(): Promise<void>;
}

/** Starts the primary: forks the workers, replaces the ones that die, relays routing changes. */
export function startPrimary(config: Config, events: PrimaryEvents = {}): ClusterPrimary {
  const n = workerCount(config);
  let stopping = false;
  let announced = false;
  const live = new Set<Worker>();
  // Monitoring in the primary: merged windows and samples from every worker, live drift, alerts, /metrics aggregation.
  let monitoring: Monitoring | undefined;
  const requestMetrics = clusterRequestMetrics();
  // The worker running the rollout controller, once it has said hello.
  let leaderWorker: Worker | undefined;
  const toLeader = (m: Message): void => {
    if (leaderWorker !== undefined && leaderWorker.isConnected()) leaderWorker.send(m);
  };
  const rollout: RolloutControl = {
    pause: async (endpoint, reason) => toLeader({ type: 'modelgate:leader-control', command: 'pause', endpoint, reason }),
    abort: async (endpoint, reason) => toLeader({ type: 'modelgate:leader-control', command: 'abort', endpoint, reason }),
  };
  const monitoringReady = openServices(config).then(async (services) => {
    monitoring = await openMonitoring(config, services, { role: { kind: 'primary', requestMetrics }, rollout });
    monitoring.control?.start();
    return { services, monitoring };
  });
  monitoringReady.catch(() => {});

  // One worker (the first, and whichever replaces it) runs the rollout controller, so rollouts advance exactly once.
  const fork = (leader: boolean): void => {
    const worker = cluster.fork({ MODELGATE_ROLLOUT__CONTROLLER: leader && config.rollout.controller ? 'true' : 'false' });
    live.add(worker);
    worker.on('message', (msg: unknown) => {
      if (isMonitoringMessage(msg) && msg.type === 'modelgate:mon-push') toLeader({ type: 'modelgate:leader-windows', windows: msg.windows });
      if (monitoring !== undefined && handleWorkerMessage(worker, msg, monitoring.windows, monitoring.sample, monitoring.view)) return;
      if (!isMessage(msg)) return;
      if (msg.type === 'modelgate:leader-hello') {
        leaderWorker = worker;
        if (monitoring !== undefined) toLeader({ type: 'modelgate:leader-windows', windows: monitoring.windows.export() });
      }
      if (msg.type === 'modelgate:listening' && !announced) {
        announced = true;
        events.onListening?.(msg.url);
      }
      if (msg.type === 'modelgate:changed') {
        for (const other of live) if (other !== worker && other.isConnected()) other.send({ type: 'modelgate:sync', endpoint: msg.endpoint } satisfies Message);
      }
    });
    worker.on('exit', (code, signal) => {
      live.delete(worker);
      if (leaderWorker === worker) leaderWorker = undefined;
      if (stopping) return;
      events.onRestart?.({ pid: worker.process.pid, code, signal });
      // A worker that dies at once would otherwise be re-forked in a tight loop.
      setTimeout(() => {
        if (!stopping) fork(leader);
      }, 200).unref();
    });
  };
  for (let i = 0; i < n; i++) fork(i === 0);

  return {
    workers: () => [...live],
    async close() {
      stopping = true;
      await Promise.all([...live].map((w) => new Promise<void>((resolve) => {
        if (w.isDead()) return resolve();
        w.once('exit', () => resolve());
        w.process.kill('SIGTERM');
      })));
      const opened = await monitoringReady.catch(() => undefined);
      if (opened !== undefined) {
        await opened.monitoring.close();
        await opened.services.close();
      }
    },
  };
}

/**
 * Runs one worker: services, data plane (restored from the store), the app
 * listening on the shared port; reloads endpoints the primary says changed;
 * closes gracefully on SIGTERM/SIGINT.
 */
export async function runWorker(config: Config): Promise<void> {
  const services = await openServices(config);
  const dataPlane = openDataPlane(config, services, {
    session: workerSessionOptions(config.runtime, workerCount(config)),
    onChange: (endpoint) => process.send?.({ type: 'modelgate:changed', endpoint } satisfies Message),
    cluster: leaderLink(config, services.clock),
    replicaSync: {},
  });
  const send = (m: unknown): void => void process.send?.(m);
  const monitoring = await openMonitoring(config, services, {
    windows: dataPlane.windows,
    role: { kind: 'worker', view: remoteView(send, (listener) => process.on('message', listener)) },
  });
  dataPlane.pool.onLoad = observeModelLoad(monitoring);
  await dataPlane.restore();
  exposeWorkerRegistry(monitoring.serving.registry);
  monitoring.log?.start();
  const push = startWorkerPush(monitoring.windows, monitoring.sample, config.monitoring.pushIntervalMs, send);
  const app = await buildApp(config, { services, dataPlane, monitoring });
  process.on('message', (msg: unknown) => {
    if (isMessage(msg) && msg.type === 'modelgate:sync') {
      dataPlane.endpoints.sync(msg.endpoint).catch((err: unknown) => app.log.error({ err, endpoint: msg.endpoint }, 'endpoint sync failed'));
    }
  });
  await app.listen({ host: config.server.host, port: config.server.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  process.send?.({ type: 'modelgate:listening', url: `${config.server.tlsCert ? 'https' : 'http'}://${host}:${port}` } satisfies Message);
  const stop = (): void => {
    void (async () => {
      try {
        await app.close();
        push.stop();
        await monitoring.close();
        await dataPlane.close();
        await services.close();
      } finally {
        process.exit(0);
      }
    })();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * The worker's link to the primary for rollouts. The leader (the worker the
 * primary started with the controller on) keeps a merged copy of every
 * worker's windows from what the primary forwards, and serves the primary's
 * alert responses; other workers get a link with neither.
 */
function leaderLink(config: Config, clock: Services['clock']): ClusterLink {
  if (!config.rollout.controller) return { windows: null, serveControl: () => {} };
  const merged = new LiveWindows(clock, { bucketMs: config.monitoring.bucketMs });
  let control: RolloutControl | undefined;
  process.on('message', (msg: unknown) => {
    if (!isMessage(msg)) return;
    if (msg.type === 'modelgate:leader-windows') merged.merge(msg.windows);
    if (msg.type === 'modelgate:leader-control' && control !== undefined) {
      control[msg.command](msg.endpoint, msg.reason).catch((err: unknown) => {
        console.error(`alert response ${msg.command} on ${msg.endpoint} failed: ${(err as Error).message}`);
      });
    }
  });
  process.send?.({ type: 'modelgate:leader-hello' } satisfies Message);
  return {
    windows: merged,
    serveControl: (c) => { control = c; },
  };
}
