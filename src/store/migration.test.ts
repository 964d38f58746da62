import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isModelgateError } from '../lib/errors.ts';
import { pendingMigrations } from './migration.ts';
import { sqliteMigrations } from './sqlite/migrations.ts';
import { postgresMigrations } from './postgres/migrations.ts';

const all = [{ version: 2, name: 'b', sql: '' }, { version: 1, name: 'a', sql: '' }, { version: 3, name: 'c', sql: '' }];

test('pending migrations are the unapplied ones, in order', () => {
  assert.deepEqual(pendingMigrations(all, []).map((m) => m.version), [1, 2, 3]);
  assert.deepEqual(pendingMigrations(all, [1]).map((m) => m.version), [2, 3]);
  assert.deepEqual(pendingMigrations(all, [1, 2, 3]), []);
});

test('a database ahead of the code is refused', () => {
  assert.throws(() => pendingMigrations(all, [1, 2, 3, 4]), (err: unknown) => isModelgateError(err, 'MG_STORE_UNAVAILABLE'));
});

test('both dialects have the same migration versions', () => {
  assert.deepEqual(sqliteMigrations.map((m) => m.version), postgresMigrations.map((m) => m.version));
});
