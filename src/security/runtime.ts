/**
 * Everything the HTTP layer needs to secure requests, assembled once from the
 * configuration and a SecurityStore: the authenticator (API keys and JWT),
 * the role table, the rate limits (Redis buckets shared by every worker and
 * replica when `redisUrl` is set, in-process otherwise) and the audit log.
 */
import type { Config } from '../config/load.ts';
import type { Clock } from '../lib/clock.ts';
import type { RegistryApi } from '../registry/api.ts';
import type { EndpointRecord } from '../store/endpoint-store.ts';
import type { SecurityStore } from '../store/security-store.ts';
import { LocalSecurityApi } from './api.ts';
import { ApiKeys } from './api-keys.ts';
import { AuditLog } from './audit.ts';
import { createAuthenticator } from './authenticate.ts';
import type { Authenticate } from './authenticate.ts';
import { securityFromConfig } from './from-config.ts';
import type { SecuritySetup } from './from-config.ts';
import { buildComplianceReport } from './compliance.ts';
import { combineRateLimits, MemoryRateLimiter } from './rate-limit.ts';
import type { BucketSpec, RateLimiter, RateLimits } from './rate-limit.ts';
import { RedisRateLimiter } from './redis-rate-limit.ts';

export interface SecurityRuntime {
  readonly setup: SecuritySetup;
  readonly apiKeys: ApiKeys;
  readonly audit: AuditLog;
  readonly authenticate: Authenticate;
  /** Undefined when both limits are off, so the request path skips them entirely. */
  readonly limits: RateLimits | undefined;
  close(): Promise<void>;
}

function limiter(spec: BucketSpec | undefined, config: Config, clock: Clock, scope: string): RateLimiter | undefined {
  if (!spec) return undefined;
  if (config.redisUrl !== undefined) return new RedisRateLimiter(spec, { clock, url: config.redisUrl, keyPrefix: `modelgate:rl:${scope}:` });
  return new MemoryRateLimiter(spec, { clock });
}

export function openSecurity(config: Config, store: SecurityStore, clock: Clock): SecurityRuntime {
  const setup = securityFromConfig(config, clock);
  const apiKeys = new ApiKeys({ store, clock });
  const authenticate = createAuthenticator({
    roles: setup.roles, apiKeys, jwt: setup.jwt, roleClaim: setup.roleClaim, permissionClaim: setup.permissionClaim,
  });
  const perPrincipal = limiter(setup.perPrincipal, config, clock, 'principal');
  const perEndpoint = limiter(setup.perEndpoint, config, clock, 'endpoint');
  return {
    setup,
    apiKeys,
    audit: new AuditLog(store, clock),
    authenticate,
    limits: perPrincipal || perEndpoint ? combineRateLimits(perPrincipal, perEndpoint) : undefined,
    async close() {
      await Promise.allSettled([perPrincipal?.close(), perEndpoint?.close()]);
    },
  };
}

export interface SecurityApiDeps {
  readonly registry: RegistryApi;
  readonly endpoints: { list(): Promise<readonly EndpointRecord[]> };
  readonly config: Config;
  readonly clock: Clock;
  /** Record key changes in the audit log (true for the CLI on a data directory; the server's hook audits requests). */
  readonly auditChanges: boolean;
}

/** The SecurityApi over a runtime, the registry and the endpoints. */
export function localSecurityApi(runtime: SecurityRuntime, deps: SecurityApiDeps): LocalSecurityApi {
  return new LocalSecurityApi({
    apiKeys: runtime.apiKeys,
    audit: runtime.audit,
    roles: runtime.setup.roles,
    clock: deps.clock,
    auditChanges: deps.auditChanges,
    compliance: () => buildComplianceReport({
      registry: deps.registry,
      endpoints: () => deps.endpoints.list(),
      verifyAudit: () => runtime.audit.verify(),
      config: deps.config,
      fieldCrypto: runtime.setup.fieldCrypto !== undefined,
      now: deps.clock.iso(),
    }),
  });
}
