/**
 * The listening server for `modelgate serve`: builds the app, listens on the
 * configured host and port, and closes gracefully (in-flight requests finish,
 * stores close) on close() or, when asked, on SIGTERM/SIGINT.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/load.ts';
import { buildApp, type AppDeps } from './build.ts';

const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningServer {
  readonly app: FastifyInstance;
  /** http://host:port the server answers on (the real port when 0 was asked for). */
  readonly url: string;
  close(): Promise<void>;
}

export interface StartOptions extends AppDeps {
  /** Install SIGTERM/SIGINT handlers that close the server; off when the caller handles signals itself. */
  readonly handleSignals?: boolean;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const app = await buildApp(config, options);
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (err) {
    await app.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  let closing: Promise<void> | undefined;
  const stop = (): void => {
    void close();
  };
  const close = (): Promise<void> => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    // In-flight requests get a grace period; sockets still open after it (kept-alive
    // downloads, stalled uploads) are cut so shutdown never waits out keep-alive timers.
    const grace = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    grace.unref();
    closing ??= app.close().finally(() => clearTimeout(grace));
    return closing;
  };
  if (options.handleSignals) {
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  }
  return { app, url: `${config.server.tlsCert ? 'https' : 'http'}://${host}:${port}`, close };
}
