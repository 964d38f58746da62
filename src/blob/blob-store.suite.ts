/**
 * The blob store conformance suite: every BlobStore implementation (local
 * directory, S3) runs these same tests through a harness that knows how to
 * tamper with its backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isModelgateError } from '../lib/errors.ts';
import { sha256Hex } from '../lib/hash.ts';
import type { BlobStore, ListedBlob, StoredBlob } from './blob-store.ts';

export interface BlobStoreHarness {
  readonly store: BlobStore;
  /** Changes the stored bytes of a blob while keeping its name, as disk rot or a stray write would. */
  corrupt(sha256: string): Promise<void>;
  /** Leaves a temporary file behind, as a writer killed mid-upload would. */
  leaveTempFile(): Promise<void>;
  tempFileCount(): Promise<number>;
  dispose(): Promise<void>;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

async function* chunksOf(data: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

/** What list() gives, as {sha256, size}; each blob's write time must be a moment of this test run. */
async function collect(iterable: AsyncIterable<ListedBlob>): Promise<StoredBlob[]> {
  const out: StoredBlob[] = [];
  for await (const { sha256, size, writtenAt } of iterable) {
    assert.ok(writtenAt > Date.now() - 600_000 && writtenAt <= Date.now() + 1000, `written at ${writtenAt}`);
    out.push({ sha256, size });
  }
  return out;
}

/** A forced garbage collection, so that memory still in use can be told from garbage. */
function forcedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function withHarness(open: () => Promise<BlobStoreHarness>, body: (h: BlobStoreHarness) => Promise<void>) {
  const harness = await open();
  try {
    await body(harness);
  } finally {
    await harness.store.close();
    await harness.dispose();
  }
}

export function runBlobStoreSuite(name: string, open: () => Promise<BlobStoreHarness>): void {
  const run = (title: string, body: (h: BlobStoreHarness) => Promise<void>): void => {
    test(`${name}: ${title}`, () => withHarness(open, body));
  };

  run('put then open returns the same bytes, named by their SHA-256', async ({ store }) => {
    const data = Buffer.from('hello, blob store\n'.repeat(1000));
    const progress: number[] = [];
    const blob = await store.put(chunksOf(data, 777), { onProgress: (n) => progress.push(n) });
    assert.deepEqual(blob, { sha256: sha256Hex(data), size: data.length });
    assert.equal(progress.at(-1), data.length);
    assert.deepEqual(await readAll(await store.open(blob.sha256)), data);
    assert.equal(await store.has(blob.sha256), true);
    assert.deepEqual(await store.stat(blob.sha256), blob);
    assert.deepEqual(await readFile(await store.localPath(blob.sha256)), data);
  });

  run('a Readable source and an empty blob work', async ({ store }) => {
    const blob = await store.put(Readable.from([Buffer.from('ab'), Buffer.from('cd')]));
    assert.equal(blob.sha256, sha256Hex('abcd'));
    const empty = await store.put(Readable.from([]));
    assert.deepEqual(empty, { sha256: sha256Hex(''), size: 0 });
    assert.equal((await readAll(await store.open(empty.sha256))).length, 0);
  });

  run('the same content stored twice is kept once', async ({ store, tempFileCount }) => {
    const data = Buffer.from('same bytes');
    const [a, b] = await Promise.all([store.put(chunksOf(data, 3)), store.put(chunksOf(data, 4))]);
    assert.deepEqual(a, b);
    assert.deepEqual(await collect(store.list()), [a]);
    assert.equal(await tempFileCount(), 0);
  });

  run('a source over maxBytes is refused and leaves nothing behind', async ({ store, tempFileCount }) => {
    const data = Buffer.alloc(10_000, 7);
    await assert.rejects(store.put(chunksOf(data, 1000), { maxBytes: 9_999 }), (err) =>
      isModelgateError(err, 'MG_REGISTRY_ARTIFACT_TOO_LARGE'));
    assert.equal(await tempFileCount(), 0);
    assert.deepEqual(await collect(store.list()), []);
    assert.equal(await store.has(sha256Hex(data)), false);
    const exact = await store.put(chunksOf(data, 1000), { maxBytes: 10_000 });
    assert.equal(exact.size, 10_000);
  });

  run('a source that fails midway leaves nothing behind', async ({ store, tempFileCount }) => {
    async function* broken() {
      yield Buffer.from('partial');
      throw new Error('connection reset');
    }
    await assert.rejects(store.put(broken()), /connection reset/);
    assert.equal(await tempFileCount(), 0);
    assert.deepEqual(await collect(store.list()), []);
  });

  run('a corrupted blob is detected on read', async ({ store, corrupt }) => {
    const data = Buffer.alloc(3 * 1024 * 1024, 1);
    const blob = await store.put(chunksOf(data, 64 * 1024));
    await corrupt(blob.sha256);
    await assert.rejects(readAll(await store.open(blob.sha256)), (err) => isModelgateError(err, 'MG_BLOB_CORRUPT'));
    await assert.rejects(store.localPath(blob.sha256), (err) => isModelgateError(err, 'MG_BLOB_CORRUPT'));
  });

  run('a missing blob is MG_BLOB_NOT_FOUND', async ({ store }) => {
    const absent = sha256Hex('never stored');
    await assert.rejects(store.open(absent), (err) => isModelgateError(err, 'MG_BLOB_NOT_FOUND'));
    await assert.rejects(store.localPath(absent), (err) => isModelgateError(err, 'MG_BLOB_NOT_FOUND'));
    await assert.rejects(store.open('../../etc/passwd'), (err) => isModelgateError(err, 'MG_BLOB_NOT_FOUND'));
    assert.equal(await store.has(absent), false);
    assert.equal(await store.stat(absent), null);
    await store.delete(absent);
  });

  run('delete removes a blob and list shows what remains', async ({ store }) => {
    const a = await store.put(chunksOf(Buffer.from('a'), 1));
    const b = await store.put(chunksOf(Buffer.from('b'), 1));
    await store.delete(a.sha256);
    assert.deepEqual(await collect(store.list()), [b]);
    await assert.rejects(store.open(a.sha256), (err) => isModelgateError(err, 'MG_BLOB_NOT_FOUND'));
  });

  run('cleanup removes temporary files of interrupted writes, not a write in progress', async (h) => {
    await h.leaveTempFile();
    assert.equal(await h.tempFileCount(), 1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const writing = new Promise<void>((resolve) => (started = resolve));
    async function* slow() {
      yield Buffer.from('first half, ');
      started();
      await gate;
      yield Buffer.from('second half');
    }
    const put = h.store.put(slow());
    await writing;
    await h.store.cleanup();
    release();
    const blob = await put;
    assert.equal(blob.sha256, sha256Hex('first half, second half'));
    assert.equal(await h.tempFileCount(), 0);
  });

  run('a 64 MB stream is stored without holding it in memory', async ({ store }) => {
    const gc = forcedGc();
    const total = 64 * 1024 * 1024;
    const chunkSize = 1024 * 1024;
    const expected = createHash('sha256');
    gc();
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = 0;
    async function* generate() {
      for (let offset = 0; offset < total; offset += chunkSize) {
        const chunk = Buffer.allocUnsafe(chunkSize);
        for (let i = 0; i < chunkSize; i += 4) chunk.writeUInt32LE((offset + i) >>> 2, i);
        expected.update(chunk);
        if (offset % (8 * chunkSize) === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
        }
        yield chunk;
      }
    }
    const blob = await store.put(generate());
    assert.deepEqual(blob, { sha256: expected.digest('hex'), size: total });
    // A store that buffered the blob would hold over 56 MB at the last sample.
    assert.ok(peak < 24 * 1024 * 1024, `held ${peak} bytes while streaming`);
    let read = 0;
    for await (const chunk of await store.open(blob.sha256)) read += (chunk as Buffer).length;
    assert.equal(read, total);
  });
}
