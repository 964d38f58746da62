/**
 * `modelgate serve` and `modelgate demo`: the only commands that listen.
 * Both stop cleanly on SIGINT/SIGTERM so the store is closed and the data
 * directory left consistent.
 */
import type { Command } from 'commander';
import type { Config } from '../config/load.ts';
import { cliConfig, globalOptions, type GlobalOptions } from './context.ts';
import type { Printer } from './output.ts';
import { nonNegativeInt, port } from './parse.ts';

interface ServeFlags {
  port?: number;
  host?: string;
  workers?: number;
  insecure?: boolean;
}

export function serverFlags(o: ServeFlags): Record<string, unknown> {
  const server: Record<string, unknown> = {};
  if (o.port !== undefined) server.port = o.port;
  if (o.host !== undefined) server.host = o.host;
  if (o.workers !== undefined) server.workers = o.workers;
  const flags: Record<string, unknown> = Object.keys(server).length > 0 ? { server } : {};
  if (o.insecure) flags.security = { insecure: true };
  return flags;
}

/** Starts the server and resolves once it has been stopped by a signal. */
export async function serveUntilSignal(config: Config, printer: Printer, after?: (url: string) => void): Promise<void> {
  // Secure by default: refuse to expose an unauthenticated server beyond loopback.
  const { checkExposure } = await import('../security/from-config.ts');
  checkExposure(config);
  const { default: cluster } = await import('node:cluster');
  const { runWorker, startPrimary, workerCount } = await import('../app/cluster.ts');
  if (cluster.isWorker) return runWorker(config);
  if (workerCount(config) > 1) {
    await new Promise<void>((resolve) => {
      const primary = startPrimary(config, {
        onListening: (url) => {
          printer.note(`modelgate listening on ${url} with ${workerCount(config)} workers (data: ${config.databaseUrl ? 'postgres' : config.dataDir})`);
          after?.(url);
        },
        onRestart: ({ pid, code, signal }) => printer.note(`worker ${pid} exited (${signal ?? `code ${code}`}); starting a new one`),
      });
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void primary.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return;
  }
  const { startServer } = await import('../app/server.ts');
  const server = await startServer(config);
  const url = server.url;
  printer.note(`modelgate listening on ${url} (data: ${config.databaseUrl ? 'postgres' : config.dataDir})`);
  after?.(url);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().then(resolve, (err: unknown) => {
        printer.note(`error while stopping: ${(err as Error).message}`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the modelgate server: control plane API, inference endpoints, dashboard')
    .option('--port <port>', 'port to listen on (0: any free port; default 8080)', port)
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--workers <n>', 'data-plane worker processes (0: one per CPU core)', nonNegativeInt)
    .option('--insecure', 'allow a non-loopback --host without authentication (never in production)')
    .addHelpText('after', '\nExamples:\n  modelgate serve\n  modelgate serve --port 9000 --host 0.0.0.0 --data-dir /var/lib/modelgate --config modelgate.yaml')
    .action(async (o: ServeFlags, cmd: Command) => {
      const opts: GlobalOptions = globalOptions(cmd);
      const config = cliConfig(opts, serverFlags(o));
      const { createPrinter } = await import('./output.ts');
      await serveUntilSignal(config, createPrinter(opts.json === true));
    });
}
