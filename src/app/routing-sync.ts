/**
 * Routing across replicas that share PostgreSQL. After this process changes
 * an endpoint it announces the name on a LISTEN/NOTIFY channel; every other
 * process on the database (other machines, and the other workers here)
 * reloads that endpoint from the store through EndpointService.sync, which
 * loads and warms a new version before it switches and does nothing when its
 * revision is already current. A notification can be lost (a dropped
 * connection, a failed send), so every process also reconciles all its
 * endpoints with the store after a reconnect and every 30 s.
 */
import { randomUUID } from 'node:crypto';
import { PgChannel } from '../store/postgres/notifications.ts';

const RESYNC_MS = 30_000;

/** What the sync needs of the data plane and the store. */
export interface RoutingSyncDeps {
  /** Reloads one endpoint from the store (removes it when the store has none). */
  sync(endpoint: string): Promise<void>;
  /** Every endpoint name in the store and in this process's router. */
  names(): Promise<readonly string[]>;
  onError(err: unknown, what: string): void;
}

export interface RoutingSyncOptions {
  readonly url: string;
  /** The store's schema (default: public); only announcements for the same schema are followed. */
  readonly schema?: string;
}

interface Announcement {
  readonly from: string;
  readonly schema: string;
  readonly endpoint: string;
}

export class RoutingSync {
  readonly #deps: RoutingSyncDeps;
  readonly #channel: PgChannel;
  readonly #id = randomUUID();
  readonly #schema: string;
  readonly #timer: NodeJS.Timeout;

  constructor(options: RoutingSyncOptions, deps: RoutingSyncDeps) {
    this.#deps = deps;
    this.#schema = options.schema ?? 'public';
    this.#channel = new PgChannel(options.url, 'modelgate_routing', {
      onMessage: (payload) => this.#receive(payload),
      onReconnect: () => void this.reconcile(),
      onError: (err) => deps.onError(err, 'routing channel'),
    });
    this.#timer = setInterval(() => void this.reconcile(), RESYNC_MS);
    this.#timer.unref();
  }

  start(): Promise<void> {
    return this.#channel.start();
  }

  /** Tells every other process that `endpoint` changed (a failure is reported; the periodic reconcile covers it). */
  announce(endpoint: string): void {
    const message: Announcement = { from: this.#id, schema: this.#schema, endpoint };
    this.#channel.notify(JSON.stringify(message)).catch((err: unknown) => this.#deps.onError(err, `announcing endpoint ${endpoint}`));
  }

  #receive(payload: string): void {
    let m: Partial<Announcement>;
    try {
      m = JSON.parse(payload) as Partial<Announcement>;
    } catch {
      return;
    }
    if (m.from === this.#id || m.schema !== this.#schema || typeof m.endpoint !== 'string') return;
    void this.#sync(m.endpoint);
  }

  #sync(endpoint: string): Promise<void> {
    return this.#deps.sync(endpoint).catch((err: unknown) => this.#deps.onError(err, `syncing endpoint ${endpoint}`));
  }

  /** Brings every endpoint in line with the store. */
  async reconcile(): Promise<void> {
    let names: readonly string[];
    try {
      names = await this.#deps.names();
    } catch (err) {
      this.#deps.onError(err, 'listing endpoints');
      return;
    }
    for (const name of names) await this.#sync(name);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#channel.close();
  }
}
