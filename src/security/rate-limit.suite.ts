/** The conformance suite every RateLimiter passes (in-process and Redis). Time moves only through the FakeClock. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import type { BucketSpec, RateLimiter } from './rate-limit.ts';

export type MakeLimiter = (spec: BucketSpec, clock: FakeClock) => RateLimiter;

export function runRateLimiterSuite(name: string, make: MakeLimiter, options: { skip?: string | false } = {}): void {
  describe(`rate limiter conformance: ${name}`, { skip: options.skip ?? false }, () => {
    async function withLimiter(spec: BucketSpec, fn: (l: RateLimiter, clock: FakeClock) => Promise<void>): Promise<void> {
      const clock = new FakeClock('2026-01-01T00:00:00Z');
      const limiter = make(spec, clock);
      try {
        await fn(limiter, clock);
      } finally {
        await limiter.close();
      }
    }

    test('a full bucket allows the burst, then refuses with the time to the next token', () => withLimiter({ rate: 2, burst: 3 }, async (l) => {
      const seen = [];
      for (let i = 0; i < 3; i++) seen.push(await l.take('a'));
      assert.deepEqual(seen.map((d) => [d.allowed, d.remaining]), [[true, 2], [true, 1], [true, 0]]);
      const refused = await l.take('a');
      assert.equal(refused.allowed, false);
      assert.equal(refused.limit, 3);
      assert.equal(refused.retryAfterMs, 500);
      assert.equal(refused.resetMs, 1500);
    }));

    test('tokens refill at the rate and never beyond the burst', () => withLimiter({ rate: 10, burst: 5 }, async (l, clock) => {
      for (let i = 0; i < 5; i++) assert.ok((await l.take('k')).allowed);
      assert.equal((await l.take('k')).allowed, false);
      clock.advance(100);
      assert.equal((await l.take('k')).allowed, true);
      assert.equal((await l.take('k')).allowed, false);
      clock.advance(60_000);
      const d = await l.take('k');
      assert.deepEqual([d.allowed, d.remaining], [true, 4]);
    }));

    test('over a long run the accepted count matches rate × time + burst', () => withLimiter({ rate: 25, burst: 10 }, async (l, clock) => {
      let accepted = 0;
      for (let ms = 0; ms < 4000; ms += 10) {
        if ((await l.take('steady')).allowed) accepted++;
        clock.advance(10);
      }
      assert.ok(Math.abs(accepted - (25 * 4 + 10)) <= 1, `accepted ${accepted}`);
    }));

    test('keys have separate buckets', () => withLimiter({ rate: 1, burst: 1 }, async (l) => {
      assert.ok((await l.take('x')).allowed);
      assert.equal((await l.take('x')).allowed, false);
      assert.ok((await l.take('y')).allowed);
    }));

    test('a cost takes several tokens; a refused take spends none', () => withLimiter({ rate: 1, burst: 10 }, async (l) => {
      assert.equal((await l.take('c', 7)).remaining, 3);
      const refused = await l.take('c', 5);
      assert.deepEqual([refused.allowed, refused.remaining, refused.retryAfterMs], [false, 3, 2000]);
      assert.ok((await l.take('c', 3)).allowed);
      assert.equal((await l.take('c', 11)).allowed, false, 'more than the burst is never allowed');
    }));

    test('concurrent takes never overspend the bucket', () => withLimiter({ rate: 1, burst: 10 }, async (l) => {
      const results = await Promise.all(Array.from({ length: 40 }, () => l.take('hot')));
      assert.equal(results.filter((d) => d.allowed).length, 10);
    }));

    test('a clock that steps back refills nothing', () => withLimiter({ rate: 1, burst: 2 }, async (l, clock) => {
      await l.take('b');
      await l.take('b');
      clock.advance(-10_000);
      assert.equal((await l.take('b')).allowed, false);
    }));

    test('a cost that is not a positive number is MG_BAD_REQUEST', () => withLimiter({ rate: 1, burst: 1 }, async (l) => {
      for (const cost of [0, -1, Number.NaN, Infinity]) {
        await assert.rejects(l.take('z', cost), (err: unknown) => isModelgateError(err, 'MG_BAD_REQUEST'));
      }
    }));
  });
}
