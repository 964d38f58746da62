import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isModelgateError } from '../lib/errors.ts';
import { decodeCursor, encodeCursor, pageSize } from './cursor.ts';

const invalid = (err: unknown) => isModelgateError(err, 'MG_REGISTRY_INVALID_CURSOR');

test('a cursor decodes to the key it was made with, only for the same ordering', () => {
  const cursor = encodeCursor('createdAt', true, ['2026-01-01T00:00:00.000Z', 'fraud']);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(cursor, 'createdAt', true, ['string', 'string']), ['2026-01-01T00:00:00.000Z', 'fraud']);
  assert.throws(() => decodeCursor(cursor, 'createdAt', false, ['string', 'string']), invalid);
  assert.throws(() => decodeCursor(cursor, 'name', true, ['string']), invalid);
  assert.throws(() => decodeCursor(cursor, 'createdAt', true, ['number', 'string']), invalid);
});

test('garbage is an invalid cursor', () => {
  for (const garbage of ['', '!!', 'e30', Buffer.from('[1]').toString('base64url'), Buffer.from('{"o":"id","d":0,"k":[null]}').toString('base64url')]) {
    assert.throws(() => decodeCursor(garbage, 'id', false, ['number']), invalid, garbage);
  }
});

test('page size defaults to 100, caps at 1000, refuses non-positive integers', () => {
  assert.equal(pageSize(undefined), 100);
  assert.equal(pageSize(5), 5);
  assert.equal(pageSize(10_000), 1000);
  for (const bad of [0, -1, 2.5, Number.NaN]) assert.throws(() => pageSize(bad), (err: unknown) => isModelgateError(err, 'MG_VALIDATION_FAILED'));
});
