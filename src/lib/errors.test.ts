import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { errorCatalogue, ModelgateError, isModelgateError } from './errors.ts';

const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map<string, number>();
for (const m of docs.matchAll(/^\|\s*`(MG_[A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/gm)) {
  documented.set(m[1], Number(m[2]));
}

test('every catalogue code is documented in docs/errors.md with its status', () => {
  for (const [code, entry] of Object.entries(errorCatalogue)) {
    assert.equal(documented.get(code), entry.status, `${code} missing or with another status in docs/errors.md`);
  }
});

test('docs/errors.md lists no code the catalogue lacks, and none twice', () => {
  const all = [...docs.matchAll(/^\|\s*`(MG_[A-Z0-9_]+)`/gm)].map((m) => m[1]);
  assert.equal(new Set(all).size, all.length, 'a code is listed twice');
  for (const code of all) assert.ok(code in errorCatalogue, `${code} is documented but not in the catalogue`);
});

test('codes are well formed and statuses are HTTP error statuses', () => {
  for (const [code, entry] of Object.entries(errorCatalogue)) {
    assert.match(code, /^MG_[A-Z0-9_]+$/);
    assert.ok(entry.status >= 400 && entry.status < 600, code);
  }
});

test('messages are filled from context and keep the cause', () => {
  const cause = new Error('disk');
  const err = new ModelgateError('MG_REGISTRY_VERSION_NOT_FOUND', { model: 'fraud', version: 3 }, { cause });
  assert.equal(err.message, 'Model "fraud" has no version 3');
  assert.equal(err.status, 404);
  assert.equal(err.cause, cause);
  assert.ok(isModelgateError(err, 'MG_REGISTRY_VERSION_NOT_FOUND'));
  assert.ok(!isModelgateError(err, 'MG_INTERNAL'));
});
