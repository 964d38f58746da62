/**
 * What every command needs: the resolved config (from --config, MODELGATE_*
 * and flags, through the one loader), a printer, and a RegistryApi that is
 * either the HTTP client (--url / MODELGATE_URL) or the in-process service on
 * the data directory. Commands never know which one they hold.
 */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../config/load.ts';
import type { CallContext, RegistryApi } from '../registry/api.ts';
import { createPrinter, type Printer } from './output.ts';

export interface GlobalOptions {
  readonly url?: string;
  readonly dataDir?: string;
  readonly config?: string;
  readonly json?: boolean;
}

export interface CliContext {
  readonly config: Config;
  readonly registry: RegistryApi;
  readonly printer: Printer;
  /** The actor for every call: the configured user until authentication exists. */
  readonly call: CallContext;
  /** Where the registry lives, for messages: the server URL or the data directory. */
  readonly target: string;
}

/** Options of the root command, whichever subcommand they were written after. */
export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/** Loads the config with the global flags, plus command-specific flags (e.g. serve's port). */
export function cliConfig(opts: GlobalOptions, flags: Record<string, unknown> = {}): Config {
  const merged: Record<string, unknown> = { ...flags };
  if (opts.url !== undefined) merged.url = opts.url;
  if (opts.dataDir !== undefined) merged.dataDir = opts.dataDir;
  return loadConfig({ file: opts.config, flags: merged });
}

/** Opens the registry the options point at, runs `fn`, and always closes what it opened. */
export async function withRegistry(cmd: Command, fn: (cli: CliContext) => Promise<void>): Promise<void> {
  const opts = globalOptions(cmd);
  const config = cliConfig(opts);
  const printer = createPrinter(opts.json === true);
  const call: CallContext = { actor: config.user };
  if (config.url) {
    const { HttpRegistryClient } = await import('./http-client.ts');
    const { serverTarget } = await import('./server-call.ts');
    const server = serverTarget(config);
    const registry = new HttpRegistryClient(server.url, server.headers);
    await fn({ config, registry, printer, call, target: config.url });
    return;
  }
  const { openServices } = await import('../app/services.ts');
  const services = await openServices(config);
  try {
    await fn({ config, registry: services.registry, printer, call, target: config.dataDir });
  } finally {
    await services.close();
  }
}
