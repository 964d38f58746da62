import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isModelgateError } from '../lib/errors.ts';
import { readSecret } from './secrets.ts';

test('readSecret: plain values pass through, file: values are read without the trailing newline', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'modelgate-secret-'));
  try {
    await writeFile(join(dir, 's'), 'swordfish-swordfish-swordfish-123\n');
    await writeFile(join(dir, 'empty'), '\n');
    assert.equal(readSecret(undefined, 'k'), undefined);
    assert.equal(readSecret('plain', 'k'), 'plain');
    assert.equal(readSecret(`file:${join(dir, 's')}`, 'k'), 'swordfish-swordfish-swordfish-123');
    assert.throws(() => readSecret(`file:${join(dir, 'missing')}`, 'security.jwt.secret'), (err: unknown) =>
      isModelgateError(err, 'MG_CONFIG_INVALID') && err.context.key === 'security.jwt.secret');
    assert.throws(() => readSecret(`file:${join(dir, 'empty')}`, 'k'), (err: unknown) => isModelgateError(err, 'MG_CONFIG_INVALID'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
