/**
 * One PostgreSQL LISTEN/NOTIFY channel on a connection of its own: payloads
 * sent by any process on the same database reach every listener. A lost
 * connection is reopened with backoff (1 s doubling to 30 s); notifications
 * sent while it was down are lost, so `onReconnect` tells the owner to catch
 * up from the store.
 */
import type pg from 'pg';
import { dedicatedClient, endQuietly } from './dedicated.ts';

export interface ChannelHandlers {
  onMessage(payload: string): void;
  /** After any connect but the first attempt's: anything sent meanwhile was missed. */
  onReconnect(): void;
  onError(err: unknown): void;
}

const CHANNEL_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export class PgChannel {
  readonly #url: string;
  readonly #channel: string;
  readonly #handlers: ChannelHandlers;
  #client: pg.Client | null = null;
  #retryMs = FIRST_RETRY_MS;
  #retry: NodeJS.Timeout | null = null;
  #connected = false;
  #firstAttempt = true;
  #closed = false;

  constructor(url: string, channel: string, handlers: ChannelHandlers) {
    if (!CHANNEL_PATTERN.test(channel)) throw new Error(`"${channel}" is not a plain channel name`);
    this.#url = url;
    this.#channel = channel;
    this.#handlers = handlers;
  }

  /** Connects and listens; resolves once listening or once the first try failed (it is retried). */
  async start(): Promise<void> {
    if (this.#closed || this.#client !== null) return;
    const first = this.#firstAttempt;
    this.#firstAttempt = false;
    const client = dedicatedClient(this.#url, `modelgate ${this.#channel}`);
    this.#client = client;
    const lost = (err?: unknown): void => {
      if (this.#client !== client) return;
      this.#client = null;
      this.#connected = false;
      void endQuietly(client);
      if (err !== undefined) this.#handlers.onError(err);
      this.#scheduleRetry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (n) => {
      if (n.channel === this.#channel && n.payload !== undefined) this.#handlers.onMessage(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.#channel}`);
    } catch (err) {
      lost(err);
      return;
    }
    if (this.#client !== client) return;
    this.#connected = true;
    this.#retryMs = FIRST_RETRY_MS;
    if (!first) this.#handlers.onReconnect();
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#retry !== null) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.start();
    }, this.#retryMs);
    this.#retry.unref();
    this.#retryMs = Math.min(MAX_RETRY_MS, this.#retryMs * 2);
  }

  /** Sends a payload to every listener on the channel (this one included); fails when not connected. */
  async notify(payload: string): Promise<void> {
    const client = this.#client;
    if (client === null || !this.#connected) throw new Error(`the ${this.#channel} channel is not connected`);
    await client.query('SELECT pg_notify($1, $2)', [this.#channel, payload]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    const client = this.#client;
    this.#client = null;
    this.#connected = false;
    if (client !== null) await endQuietly(client);
  }
}
