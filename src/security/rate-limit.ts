/**
 * Token-bucket rate limits: a bucket holds up to `burst` tokens and refills
 * at `rate` tokens per second; a request takes `cost` tokens or is refused.
 * The in-process limiter here serves one process; redis-rate-limit.ts shares
 * buckets between workers and replicas. Both pass rate-limit.suite.ts. The
 * header helpers follow the IETF RateLimit header draft plus Retry-After.
 */
import type { Clock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';

export interface BucketSpec {
  /** Tokens added per second. */
  readonly rate: number;
  /** Bucket size: the most requests accepted at once after a quiet period. */
  readonly burst: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** The bucket size, for RateLimit-Limit. */
  readonly limit: number;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number;
  /** Milliseconds until this request would be allowed; 0 when it was. */
  readonly retryAfterMs: number;
}

export interface RateLimiter {
  take(key: string, cost?: number): Promise<RateDecision>;
  /** The same decision without waiting, for limiters that keep their buckets in this process. */
  readonly takeSync?: (key: string, cost?: number) => RateDecision;
  close(): Promise<void>;
}

/** Checks a bucket spec from configuration; MG_CONFIG_INVALID naming `key`. */
export function checkBucketSpec(spec: BucketSpec, key: string): BucketSpec {
  if (!(Number.isFinite(spec.rate) && spec.rate > 0)) fail('MG_CONFIG_INVALID', { key: `${key}.rate`, detail: 'must be a number above 0' });
  if (!(Number.isInteger(spec.burst) && spec.burst >= 1)) fail('MG_CONFIG_INVALID', { key: `${key}.burst`, detail: 'must be an integer of at least 1' });
  return spec;
}

export function checkCost(cost: number): void {
  if (!(Number.isFinite(cost) && cost > 0)) fail('MG_BAD_REQUEST', { detail: `rate-limit cost must be above 0, got ${cost}` });
}

/**
 * The decision for a bucket holding `tokens` (before the request), shared by
 * both implementations so they answer identically. A cost above the burst can
 * never be met; it is refused with the time to a full bucket.
 */
export function decide(spec: BucketSpec, tokensAfter: number, allowed: boolean, cost: number): RateDecision {
  const msPerToken = 1000 / spec.rate;
  const missing = allowed ? 0 : Math.min(cost, spec.burst) - tokensAfter;
  return {
    allowed,
    limit: spec.burst,
    remaining: Math.max(0, Math.floor(tokensAfter + 1e-9)),
    resetMs: Math.ceil(Math.max(0, spec.burst - tokensAfter) * msPerToken),
    retryAfterMs: allowed ? 0 : Math.max(1, Math.ceil(missing * msPerToken)),
  };
}

interface Bucket {
  tokens: number;
  at: number;
}

export interface MemoryRateLimiterOptions {
  readonly clock: Clock;
  /** Most buckets kept; the least recently used is dropped (which only ever refills it early). Default 100,000. */
  readonly maxKeys?: number;
}

export class MemoryRateLimiter implements RateLimiter {
  readonly #spec: BucketSpec;
  readonly #clock: Clock;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();
  #lastKey: string | undefined;
  #lastBucket: Bucket | undefined;

  constructor(spec: BucketSpec, options: MemoryRateLimiterOptions) {
    this.#spec = checkBucketSpec(spec, 'rateLimit');
    this.#clock = options.clock;
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** Buckets held now (for tests of the memory bound). */
  get size(): number {
    return this.#buckets.size;
  }

  async take(key: string, cost = 1): Promise<RateDecision> {
    return this.takeSync(key, cost);
  }

  readonly takeSync = (key: string, cost = 1): RateDecision => {
    checkCost(cost);
    const now = this.#clock.now();
    // The bucket used last is already the most recent in the map: traffic mostly repeats its key.
    let bucket = key === this.#lastKey ? this.#lastBucket : this.#buckets.get(key);
    if (bucket) {
      if (key !== this.#lastKey) {
        this.#buckets.delete(key);
        this.#buckets.set(key, bucket);
      }
      // A clock that steps back refills nothing.
      if (now > bucket.at) {
        bucket.tokens = Math.min(this.#spec.burst, bucket.tokens + ((now - bucket.at) * this.#spec.rate) / 1000);
        bucket.at = now;
      }
    } else {
      bucket = { tokens: this.#spec.burst, at: now };
      if (this.#buckets.size >= this.#maxKeys) {
        const oldest = this.#buckets.keys().next();
        if (!oldest.done) this.#buckets.delete(oldest.value);
      }
      this.#buckets.set(key, bucket);
    }
    this.#lastKey = key;
    this.#lastBucket = bucket;
    const allowed = bucket.tokens >= cost;
    if (allowed) bucket.tokens -= cost;
    return decide(this.#spec, bucket.tokens, allowed, cost);
  };

  async close(): Promise<void> {
    this.#buckets.clear();
    this.#lastKey = undefined;
    this.#lastBucket = undefined;
  }
}

/** Response headers for a decision: RateLimit-Limit/Remaining/Reset (seconds), RateLimit-Policy, and Retry-After when refused. */
export function rateLimitHeaders(decision: RateDecision, spec?: BucketSpec): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(Math.ceil(decision.resetMs / 1000)),
  };
  if (spec) headers['RateLimit-Policy'] = `${spec.burst};w=${Math.max(1, Math.ceil(spec.burst / spec.rate))}`;
  if (!decision.allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  return headers;
}

/**
 * MG_RATE_LIMITED for a refused decision; `scope` says which limit (e.g.
 * `principal alice`, `endpoint fraud`). The context carries the response
 * headers so the error handler can send them with the 429.
 */
export function rateLimitedError(decision: RateDecision, scope: string): never {
  fail('MG_RATE_LIMITED', { scope, retryAfter: Math.max(1, Math.ceil(decision.retryAfterMs / 1000)), headers: rateLimitHeaders(decision) });
}

export interface RateLimits {
  /**
   * Takes one token from the principal's bucket and, for data-plane calls,
   * from the endpoint's; throws MG_RATE_LIMITED (with the headers in its
   * context) when either refuses. Returns the tighter decision for headers.
   */
  check(principal: string, endpoint?: string): Promise<RateDecision>;
  /**
   * check() without waiting, present when every limiter keeps its buckets in
   * this process (the in-process limiter); the request path uses it so a
   * request pays no promise for its rate limit.
   */
  readonly checkSync?: (principal: string, endpoint?: string) => RateDecision;
}

const UNLIMITED: RateDecision = { allowed: true, limit: 0, remaining: 0, resetMs: 0, retryAfterMs: 0 };

/** Combines per-principal and per-endpoint limiters; either may be absent (limit off). */
export function combineRateLimits(perPrincipal: RateLimiter | undefined, perEndpoint: RateLimiter | undefined): RateLimits {
  const principalSync = perPrincipal?.takeSync;
  const endpointSync = perEndpoint?.takeSync;
  const synchronous = (perPrincipal === undefined || principalSync !== undefined) && (perEndpoint === undefined || endpointSync !== undefined);
  // The bucket keys of the caller and endpoint seen last, so repeated traffic builds no key strings.
  let lastPrincipal = '';
  let principalKey = 'p:';
  let lastEndpoint = '';
  let endpointKey = 'e:';
  const checkSync = (principal: string, endpoint?: string): RateDecision => {
    if (principal !== lastPrincipal) principalKey = `p:${lastPrincipal = principal}`;
    if (endpoint !== undefined && endpoint !== lastEndpoint) endpointKey = `e:${lastEndpoint = endpoint}`;
    // Both buckets are taken before either refusal is raised, as check() does.
    const p = principalSync?.(principalKey);
    const e = endpoint === undefined ? undefined : endpointSync?.(endpointKey);
    if (p !== undefined && !p.allowed) rateLimitedError(p, `principal ${principal}`);
    if (e !== undefined && !e.allowed) rateLimitedError(e, `endpoint ${endpoint}`);
    if (p === undefined) return e ?? UNLIMITED;
    return e === undefined || p.remaining <= e.remaining ? p : e;
  };
  return {
    ...(synchronous ? { checkSync } : {}),
    async check(principal, endpoint) {
      // Both buckets are asked at once: with Redis that is one round trip of latency rather than two.
      const asks: Promise<[string, RateDecision]>[] = [];
      if (perPrincipal) asks.push(perPrincipal.take(`p:${principal}`).then((d) => [`principal ${principal}`, d]));
      if (perEndpoint && endpoint !== undefined) asks.push(perEndpoint.take(`e:${endpoint}`).then((d) => [`endpoint ${endpoint}`, d]));
      const decisions = await Promise.all(asks);
      const refused = decisions.find(([, d]) => !d.allowed);
      if (refused) rateLimitedError(refused[1], refused[0]);
      const tightest = decisions.reduce<RateDecision | undefined>((a, [, d]) => (!a || d.remaining < a.remaining ? d : a), undefined);
      return tightest ?? UNLIMITED;
    },
  };
}
