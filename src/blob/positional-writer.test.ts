import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileHandle } from 'node:fs/promises';
import { positionalWriter } from './positional-writer.ts';

/** A file that completes writes in reverse order, writes at most 3 bytes per call, and can be told to fail. */
function fakeFile(failAt?: number) {
  const bytes: number[] = [];
  const stats = { outstanding: 0, maxOutstanding: 0 };
  const queue: (() => void)[] = [];
  const fh = {
    write(data: Uint8Array, offset: number, length: number, position: number) {
      stats.outstanding += length;
      stats.maxOutstanding = Math.max(stats.maxOutstanding, stats.outstanding);
      return new Promise((resolve, reject) => {
        queue.unshift(() => {
          stats.outstanding -= length;
          if (failAt !== undefined && position >= failAt) return reject(new Error('disk full'));
          const n = Math.min(3, length);
          for (let i = 0; i < n; i++) bytes[position + i] = data[offset + i];
          resolve({ bytesWritten: n });
        });
        setImmediate(() => queue.shift()?.());
      });
    },
  } as unknown as FileHandle;
  return { fh, bytes, stats };
}

test('chunks land at their positions whatever order writes complete in, and in-flight bytes stay capped', async () => {
  const { fh, bytes, stats } = fakeFile();
  const writer = positionalWriter(fh, 8);
  const expected: number[] = [];
  for (let i = 0; i < 20; i++) {
    const chunk = Uint8Array.from({ length: 1 + (i % 5) }, (_, j) => (i * 7 + j) & 0xff);
    expected.push(...chunk);
    await writer.write(chunk);
  }
  await writer.finish();
  assert.deepEqual(bytes, expected);
  assert.ok(stats.maxOutstanding > 5, 'writes overlapped');
  assert.ok(stats.maxOutstanding <= 8 + 5, `at most the cap plus one chunk in flight, saw ${stats.maxOutstanding}`);
});

test('a failed write surfaces on a later write or on finish', async () => {
  const { fh } = fakeFile(4);
  const writer = positionalWriter(fh, 1000);
  await writer.write(Uint8Array.from([1, 2, 3, 4]));
  await writer.write(Uint8Array.from([5, 6, 7, 8]));
  await assert.rejects(writer.finish(), /disk full/);
  await writer.abandon();
});
