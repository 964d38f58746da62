/**
 * A leader lease over a PostgreSQL session advisory lock, held on a
 * connection of its own: of all the processes asking for the same key on one
 * database, one holds it at a time. A process that does not hold it asks
 * again every `retryMs`; the holder checks its connection as often and, when
 * the connection is lost, gives the lease up at once (PostgreSQL releases the
 * lock when it notices the session is gone, and another process takes it).
 */
import type pg from 'pg';
import { dedicatedClient, endQuietly } from './dedicated.ts';

export interface LeaseHandlers {
  onAcquired(): void;
  onLost(): void;
  onError(err: unknown): void;
}

export class PgLease {
  readonly #url: string;
  readonly #key: string;
  readonly #handlers: LeaseHandlers;
  readonly #retryMs: number;
  #client: pg.Client | null = null;
  #timer: NodeJS.Timeout | null = null;
  #held = false;
  #closed = false;
  #busy: Promise<void> = Promise.resolve();

  constructor(url: string, key: string, handlers: LeaseHandlers, retryMs = 2000) {
    this.#url = url;
    this.#key = key;
    this.#handlers = handlers;
    this.#retryMs = retryMs;
  }

  get held(): boolean {
    return this.#held;
  }

  /** Asks for the lease now, then every `retryMs` (or checks the connection while held). */
  start(): Promise<void> {
    if (this.#timer === null && !this.#closed) {
      this.#timer = setInterval(() => void this.#step(), this.#retryMs);
      this.#timer.unref();
    }
    return this.#step();
  }

  #step(): Promise<void> {
    this.#busy = this.#busy.then(() => this.#attempt());
    return this.#busy;
  }

  async #attempt(): Promise<void> {
    if (this.#closed) return;
    try {
      const client = await this.#connection();
      if (this.#held) {
        await client.query('SELECT 1');
        return;
      }
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [this.#key]);
      if (rows[0]?.ok === true && !this.#closed) {
        this.#held = true;
        this.#handlers.onAcquired();
      }
    } catch (err) {
      this.#drop(err);
    }
  }

  async #connection(): Promise<pg.Client> {
    if (this.#client !== null) return this.#client;
    const client = dedicatedClient(this.#url, 'modelgate lease');
    client.on('error', (err) => {
      if (this.#client === client) this.#drop(err);
    });
    client.on('end', () => {
      if (this.#client === client) this.#drop();
    });
    this.#client = client;
    await client.connect();
    return client;
  }

  /** The connection is gone: so is the lease. */
  #drop(err?: unknown): void {
    const client = this.#client;
    this.#client = null;
    if (client !== null) void endQuietly(client);
    if (err !== undefined) this.#handlers.onError(err);
    if (this.#held) {
      this.#held = false;
      this.#handlers.onLost();
    }
  }

  /** Gives the lease up (ending the session releases the lock). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#busy;
    const client = this.#client;
    this.#client = null;
    this.#held = false;
    if (client !== null) await endQuietly(client);
  }
}
