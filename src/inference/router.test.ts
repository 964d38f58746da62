import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointRoutes, keyBucket, Router, stickyKeyOf, type Route } from './router.ts';
import type { ModelPool } from './model-pool.ts';
import { emptyPolicy, type EndpointRecord } from '../store/endpoint-store.ts';

const stable = { model: { version: '1' } } as Route;
const candidate = { model: { version: '2' } } as Route;

function routes(weightPermille: number, router = new Router({} as ModelPool, {}, 42)): EndpointRoutes {
  const record = {
    name: 'e', model: 'm', version: 1, batching: null, revision: 1, createdAt: '', updatedAt: '', updatedBy: '',
    policy: { ...emptyPolicy, candidate: { version: 2, weightPermille } },
  } satisfies EndpointRecord;
  return new EndpointRoutes(router, record, new Map([[1, stable], [2, candidate]]));
}

test('weighted picks follow the weight in tenths of a percent', () => {
  const r = routes(125);
  let hits = 0;
  for (let i = 0; i < 100_000; i++) if (r.pick() === candidate) hits++;
  assert.ok(Math.abs(hits / 100_000 - 0.125) < 0.005, String(hits));
  assert.equal(routes(0).pick(), stable);
  assert.equal(routes(1000).pick(), candidate);
});

test('sticky keys keep their version, and raising the weight only moves keys to the candidate', () => {
  const at30 = routes(300);
  const at50 = routes(500);
  for (let i = 0; i < 5000; i++) {
    const key = `k${i}`;
    assert.equal(at30.pick(key), at30.pick(key));
    if (at30.pick(key) === candidate) assert.equal(at50.pick(key), candidate);
  }
  const buckets = Array.from({ length: 10_000 }, (_, i) => keyBucket(`user-${i}`));
  assert.ok(Math.abs(buckets.filter((b) => b < 300).length / 10_000 - 0.3) < 0.02);
});

test('the sticky key comes from the header, else the configured field', () => {
  assert.equal(stickyKeyOf({ 'x-modelgate-key': 'a' }, { id: 'b' }, 'id'), 'a');
  assert.equal(stickyKeyOf({}, { id: 'b' }, 'id'), 'b');
  assert.equal(stickyKeyOf({}, { parameters: { customer: 7 } }, 'customer'), '7');
  assert.equal(stickyKeyOf({}, { id: 'b' }, null), undefined);
});
