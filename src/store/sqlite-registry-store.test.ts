import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { isModelgateError } from '../lib/errors.ts';
import { FakeClock } from '../lib/clock.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRegistryStoreSuite } from './registry-store.suite.ts';
import { openSqliteRegistryStore } from './sqlite/registry-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'modelgate-sqlite-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
runRegistryStoreSuite('sqlite', () => openSqliteRegistryStore(join(dir, `nested/registry-${++n}.db`)));

test('a path under a regular file is MG_STORE_UNAVAILABLE', async () => {
  writeFileSync(join(dir, 'plain-file'), 'x');
  await assert.rejects(openSqliteRegistryStore(join(dir, 'plain-file', 'registry.db')), (err: unknown) => isModelgateError(err, 'MG_STORE_UNAVAILABLE'));
});

test('a file that is not a database is MG_STORE_UNAVAILABLE', async () => {
  writeFileSync(join(dir, 'garbage.db'), 'this is not an SQLite database, just text that is long enough to have a header'.repeat(20));
  await assert.rejects(openSqliteRegistryStore(join(dir, 'garbage.db')), (err: unknown) => isModelgateError(err, 'MG_STORE_UNAVAILABLE'));
});

test('times come from the injected clock when an event brings none, and the file survives reopening', async () => {
  const path = join(dir, 'clocked.db');
  const clock = new FakeClock('2026-03-01T00:00:00.000Z');
  const first = await openSqliteRegistryStore(path, { clock });
  const event = { kind: 'model.created', version: null, alias: null, previousVersion: null, actor: 'a', reason: null, data: {} } as const;
  await first.createModel({ name: 'clocked', description: '', tags: {}, createdBy: 'a' }, event);
  await first.close();
  const second = await openSqliteRegistryStore(path);
  assert.equal((await second.getModel('clocked'))?.createdAt, '2026-03-01T00:00:00.000Z');
  await second.close();
});
