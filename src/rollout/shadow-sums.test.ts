import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShadowComparisons } from '../inference/shadow.ts';
import type { NamedTensor } from '../runtime/tensor.ts';
import { SqlRolloutStore } from '../store/sql-rollout-store.ts';
import { SqliteDriver } from '../store/sqlite/driver.ts';
import { parseSums, ShadowSumsPublisher } from './shadow-sums.ts';

const labels = (...l: number[]): NamedTensor[] => [{ name: 'label', datatype: 'INT64', shape: [l.length], data: BigInt64Array.from(l.map(BigInt)) }];

test('shadow sums from several processes add up in the store; clear and restart start from zero', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'modelgate-shadow-sums-'));
  const store = new SqlRolloutStore(new SqliteDriver(join(dir, 'db.sqlite')));
  try {
    await store.migrate();
    const a = new ShadowComparisons();
    const b = new ShadowComparisons();
    const iso = () => '2025-01-01T00:00:00.000Z';
    const pa = new ShadowSumsPublisher({ store, source: a, sourceId: 'a', iso });
    const pb = new ShadowSumsPublisher({ store, source: b, sourceId: 'b', iso });
    a.restart('e', 2);
    b.restart('e', 2);
    // Process a: 3 rows, 2 agree; process b: 2 rows, 2 agree, and one failed shadow run.
    a.compare('e', 2, labels(1, 0, 1), 1, labels(1, 1, 1), 2, 3);
    b.compare('e', 2, labels(0, 0), 1, labels(0, 0), 1, 2);
    b.compare('e', 2, labels(0), 1, null, 1, 1);
    await pb.publish();
    const stats = await pa.stats('e', 2);
    assert.equal(stats.mirrored, 3);
    assert.equal(stats.compared, 2);
    assert.equal(stats.labelAgreement, 4 / 5);
    assert.equal(stats.errorRate, 1 / 3);
    assert.equal(stats.latencyRatio, 3 / 2);
    // Publishing again replaces a process's row rather than adding to it.
    a.compare('e', 2, labels(1), 1, labels(1), 1, 1);
    await pa.publish();
    await pb.publish();
    assert.equal((await pb.total('e', 2)).labelRows, 6);
    // Another shadow version is a different total.
    assert.equal((await pa.total('e', 3)).mirrored, 0);
    await pa.clear('e');
    assert.equal((await pa.total('e', 2)).mirrored, 0, 'cleared before a new shadow rollout');
    b.restart('e', 2);
    await pb.publish();
    assert.equal((await pa.total('e', 2)).mirrored, 0, 'a restarted process publishes zeros, not its old sums');
    await pa.stop();
    await pb.stop();
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a stored row that is not sums counts as zero', () => {
  assert.deepEqual(parseSums({ mirrored: 'x', errors: -1, agreed: 3 }, 4), { ...parseSums(null, 4), agreed: 3 });
  assert.equal(parseSums(null, 4).shadowVersion, 4);
});
