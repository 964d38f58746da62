/**
 * The SecurityApi a security command works on: the server's (--url, with the
 * configured token) or the data directory's, opened here and closed after.
 * On a data directory, key changes are recorded in the audit log as the
 * configured user.
 */
import type { Command } from 'commander';
import type { Config } from '../config/load.ts';
import type { SecurityApi } from '../security/api.ts';
import { cliConfig, globalOptions } from './context.ts';
import { createPrinter, type Printer } from './output.ts';

export interface SecurityCli {
  readonly config: Config;
  readonly api: SecurityApi;
  readonly printer: Printer;
  /** Whose name local changes are recorded under. */
  readonly actor: string;
  /** Milliseconds since the epoch, for expiries. */
  readonly now: number;
}

export async function withSecurity(cmd: Command, fn: (cli: SecurityCli) => Promise<void>): Promise<void> {
  const opts = globalOptions(cmd);
  const config = cliConfig(opts);
  const printer = createPrinter(opts.json === true);
  if (config.url) {
    const { HttpSecurityClient } = await import('./security-client.ts');
    const { serverTarget } = await import('./server-call.ts');
    await fn({ config, api: new HttpSecurityClient(serverTarget(config)), printer, actor: config.user, now: Date.now() });
    return;
  }
  const { openServices } = await import('../app/services.ts');
  const { localSecurityApi, openSecurity } = await import('../security/runtime.ts');
  const services = await openServices(config);
  const runtime = openSecurity(config, services.security, services.clock);
  try {
    const api = localSecurityApi(runtime, { registry: services.registry, endpoints: services.endpoints, config, clock: services.clock, auditChanges: true });
    await fn({ config, api, printer, actor: config.user, now: services.clock.now() });
  } finally {
    await runtime.close();
    await services.close();
  }
}
