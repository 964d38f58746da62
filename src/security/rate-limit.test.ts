import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { FakeClock } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import { MemoryRateLimiter, checkBucketSpec, combineRateLimits, rateLimitHeaders } from './rate-limit.ts';
import { runRateLimiterSuite } from './rate-limit.suite.ts';
import { RedisRateLimiter } from './redis-rate-limit.ts';

const redisUrl = process.env.MODELGATE_TEST_REDIS_URL;
const prefix = `mg-test-rl-${randomBytes(6).toString('hex')}:`;
let n = 0;

runRateLimiterSuite('memory', (spec, clock) => new MemoryRateLimiter(spec, { clock }));
runRateLimiterSuite('redis', (spec, clock) => new RedisRateLimiter(spec, { clock, url: redisUrl, keyPrefix: `${prefix}${++n}:` }), {
  skip: redisUrl ? false : 'MODELGATE_TEST_REDIS_URL is not set',
});

if (redisUrl) {
  after(async () => {
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });
}

test('redis bucket keys expire once the bucket would be full', { skip: redisUrl ? false : 'MODELGATE_TEST_REDIS_URL is not set' }, async () => {
  const redis = new Redis(redisUrl!);
  const limiter = new RedisRateLimiter({ rate: 10, burst: 5 }, { clock: new FakeClock(), redis, keyPrefix: `${prefix}ttl:` });
  await limiter.take('k', 3);
  const ttl = await redis.pttl(`${prefix}ttl:k`);
  assert.ok(ttl > 0 && ttl <= 300 + 1000, `ttl ${ttl}`);
  await limiter.close();
  assert.equal(redis.status, 'ready', 'a client passed in is not closed by the limiter');
  redis.disconnect();
});

test('an unreachable Redis is MG_STORE_UNAVAILABLE', async () => {
  const limiter = new RedisRateLimiter({ rate: 1, burst: 1 }, { clock: new FakeClock(), url: 'redis://127.0.0.1:1', keyPrefix: 'x:' });
  await assert.rejects(limiter.take('k'), (err: unknown) => isModelgateError(err, 'MG_STORE_UNAVAILABLE'));
  await limiter.close();
});

test('the memory limiter keeps at most maxKeys buckets', async () => {
  const limiter = new MemoryRateLimiter({ rate: 1, burst: 1 }, { clock: new FakeClock(), maxKeys: 100 });
  for (let i = 0; i < 1000; i++) await limiter.take(`k${i}`);
  assert.equal(limiter.size, 100);
});

test('headers: RateLimit-* always, Retry-After when refused', async () => {
  const limiter = new MemoryRateLimiter({ rate: 0.5, burst: 2 }, { clock: new FakeClock() });
  assert.deepEqual(rateLimitHeaders(await limiter.take('h'), { rate: 0.5, burst: 2 }), {
    'RateLimit-Limit': '2', 'RateLimit-Remaining': '1', 'RateLimit-Reset': '2', 'RateLimit-Policy': '2;w=4',
  });
  await limiter.take('h');
  const refused = rateLimitHeaders(await limiter.take('h'));
  assert.equal(refused['Retry-After'], '2');
  assert.equal(refused['RateLimit-Remaining'], '0');
});

test('combined limits: per principal and per endpoint, MG_RATE_LIMITED naming the scope', async () => {
  const clock = new FakeClock();
  const limits = combineRateLimits(new MemoryRateLimiter({ rate: 1, burst: 3 }, { clock }), new MemoryRateLimiter({ rate: 1, burst: 2 }, { clock }));
  assert.equal((await limits.check('alice', 'fraud')).remaining, 1, 'the tighter bucket answers');
  await limits.check('alice', 'fraud');
  await assert.rejects(limits.check('bob', 'fraud'), (err: unknown) =>
    isModelgateError(err, 'MG_RATE_LIMITED') && err.context.scope === 'endpoint fraud' && err.status === 429
    && (err.context.headers as Record<string, string>)['Retry-After'] === '1');
  await limits.check('alice');
  await assert.rejects(limits.check('alice'), (err: unknown) => isModelgateError(err, 'MG_RATE_LIMITED') && err.context.scope === 'principal alice');
  assert.equal((await combineRateLimits(undefined, undefined).check('x', 'y')).allowed, true);
});

test('in-process limits decide synchronously exactly as check() does; Redis-backed ones offer no sync path', () => {
  const clock = new FakeClock();
  const limits = combineRateLimits(new MemoryRateLimiter({ rate: 1, burst: 3 }, { clock }), new MemoryRateLimiter({ rate: 1, burst: 2 }, { clock }));
  assert.ok(limits.checkSync);
  assert.equal(limits.checkSync('alice', 'fraud').remaining, 1, 'the tighter bucket answers');
  assert.equal(limits.checkSync('alice', 'fraud').remaining, 0);
  assert.throws(() => limits.checkSync!('bob', 'fraud'), (err: unknown) =>
    isModelgateError(err, 'MG_RATE_LIMITED') && err.context.scope === 'endpoint fraud' && (err.context.headers as Record<string, string>)['Retry-After'] === '1');
  assert.equal(limits.checkSync('alice').remaining, 0);
  assert.throws(() => limits.checkSync!('alice'), (err: unknown) => isModelgateError(err, 'MG_RATE_LIMITED') && err.context.scope === 'principal alice');
  clock.advance(1000);
  assert.equal(limits.checkSync('alice').allowed, true, 'a second refills one token');
  assert.equal(combineRateLimits(undefined, undefined).checkSync?.('x', 'y').allowed, true);
  const redis = new RedisRateLimiter({ rate: 1, burst: 1 }, { clock, url: 'redis://127.0.0.1:1', keyPrefix: 'unused:' });
  assert.equal(combineRateLimits(new MemoryRateLimiter({ rate: 1, burst: 1 }, { clock }), redis).checkSync, undefined);
  void redis.close();
});

test('bucket specs from configuration are checked', () => {
  for (const spec of [{ rate: 0, burst: 1 }, { rate: 1, burst: 0 }, { rate: 1, burst: 1.5 }, { rate: Number.NaN, burst: 1 }]) {
    assert.throws(() => checkBucketSpec(spec, 'security.rateLimit.perPrincipal'), (err: unknown) => isModelgateError(err, 'MG_CONFIG_INVALID'));
  }
});
