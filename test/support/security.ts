/**
 * Test harness for security: an app with authentication required (plus any
 * flags), an API key per built-in role, and helpers to fill a route pattern
 * with parameter values so every registered route can be called.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app/build.ts';
import { openServices, type Services } from '../../src/app/services.ts';
import { loadConfig, type Config } from '../../src/config/load.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { ApiKeys } from '../../src/security/api-keys.ts';
import { DEFAULT_ROLES } from '../../src/security/roles.ts';

export interface SecuredApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly services: Services;
  readonly clock: FakeClock;
  /** Role name → an API key holding that role. */
  readonly keys: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export const ROLES = Object.keys(DEFAULT_ROLES);

export async function makeSecuredApp(flags: Record<string, unknown> = {}): Promise<SecuredApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'modelgate-sec-'));
  const { security, ...rest } = flags as { security?: Record<string, unknown> };
  const config = loadConfig({ env: {}, flags: { dataDir, logLevel: 'silent', user: 'dev', ...rest, security: { auth: 'required', ...security } } });
  const clock = new FakeClock('2026-03-01T12:00:00.000Z');
  const services = await openServices(config, { clock });
  // Cheap scrypt: these keys guard nothing, and the hash cost is not what is under test.
  const apiKeys = new ApiKeys({ store: services.security, clock, scrypt: { N: 1024, r: 8, p: 1 } });
  const keys: Record<string, string> = {};
  for (const role of ROLES) keys[role] = (await apiKeys.create({ name: `test-${role}`, role, createdBy: 'test', expiresAt: null })).key;
  const app = await buildApp(config, { services });
  return {
    app, config, services, clock, keys,
    async close() {
      await app.close();
      await services.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const VALUES: Readonly<Record<string, string>> = { v: '1', version: '1', id: '1', rollout: '1', alias: 'production', action: 'pause', prefix: 'AAAAAAAA', target: 'e1:predict' };

/** A concrete path for a route pattern: parameters get harmless values of the right shape. */
export function fillRoute(url: string): string {
  return url
    .replaceAll('::', '\u0000')
    .replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => VALUES[name] ?? 'x1')
    .replaceAll('\u0000', ':')
    .replace(/\*$/, 'app.js');
}
