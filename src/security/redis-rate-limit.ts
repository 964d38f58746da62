/**
 * Token buckets in Redis, shared by every worker and replica. One Lua script
 * reads, refills, takes and writes a bucket atomically, so concurrent takes
 * from many processes never overspend it; each bucket key expires once it
 * would be full again, so idle keys cost nothing. Time comes from the
 * injected Clock (replicas need synchronised clocks, as for any TTL); a clock
 * behind the bucket's last update refills nothing rather than going negative.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Clock } from '../lib/clock.ts';
import { ModelgateError } from '../lib/errors.ts';
import { checkBucketSpec, checkCost, decide } from './rate-limit.ts';
import type { BucketSpec, RateDecision, RateLimiter } from './rate-limit.ts';

const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
elseif now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
  at = now
end
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return { allowed, string.format('%.17g', tokens) }
`;
const TAKE_SHA = createHash('sha1').update(TAKE).digest('hex');

export interface RedisRateLimiterOptions {
  readonly clock: Clock;
  /** Prefix of every key, e.g. `modelgate:rl:principal:`. */
  readonly keyPrefix: string;
  /** A connected client to use (not closed by close()); otherwise one is made from `url`. */
  readonly redis?: Redis;
  readonly url?: string;
}

function unavailable(err: unknown): ModelgateError {
  return new ModelgateError('MG_STORE_UNAVAILABLE', { detail: `Redis rate limiter: ${(err as Error).message}` }, { cause: err });
}

export class RedisRateLimiter implements RateLimiter {
  readonly #spec: BucketSpec;
  readonly #clock: Clock;
  readonly #prefix: string;
  readonly #redis: Redis;
  readonly #owned: boolean;

  constructor(spec: BucketSpec, options: RedisRateLimiterOptions) {
    this.#spec = checkBucketSpec(spec, 'rateLimit');
    this.#clock = options.clock;
    this.#prefix = options.keyPrefix;
    if (options.redis) {
      this.#redis = options.redis;
      this.#owned = false;
    } else {
      // Fail fast when Redis is down: a request must not wait behind reconnects to learn its limit.
      this.#redis = new Redis(options.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, commandTimeout: 2000, lazyConnect: true });
      this.#redis.on('error', () => undefined);
      this.#owned = true;
    }
  }

  async take(key: string, cost = 1): Promise<RateDecision> {
    checkCost(cost);
    const args = [this.#spec.rate, this.#spec.burst, cost, this.#clock.now()];
    const redisKey = this.#prefix + key;
    let reply: unknown;
    try {
      try {
        reply = await this.#redis.evalsha(TAKE_SHA, 1, redisKey, ...args);
      } catch (err) {
        if (!String((err as Error).message).includes('NOSCRIPT')) throw err;
        reply = await this.#redis.eval(TAKE, 1, redisKey, ...args);
      }
    } catch (err) {
      throw unavailable(err);
    }
    const [allowed, tokens] = reply as [number, string];
    return decide(this.#spec, Number(tokens), allowed === 1, cost);
  }

  async close(): Promise<void> {
    if (this.#owned) this.#redis.disconnect();
  }
}
