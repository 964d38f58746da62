/**
 * The local-directory blob store: blobs live at `sha256/ab/abcdef…` under the
 * store's directory. A write streams into `tmp/` while hashing, is synced,
 * then renamed into place, so a crash never leaves a partial blob under a
 * content name, only a temporary file that cleanup() removes on the next start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ModelgateError } from '../lib/errors.ts';
import { SHA256_PATTERN, sha256File } from '../lib/hash.ts';
import { positionalWriter } from './positional-writer.ts';
import type { BlobStore, PutOptions, StoredBlob } from './blob-store.ts';

/** Chunks are gathered up to this size before a write, so tiny chunks cost no extra syscalls. */
const WRITE_BATCH_BYTES = 512 * 1024;
/** Bytes handed to the disk but not yet written; bounds memory whatever the source's speed. */
const MAX_IN_FLIGHT_BYTES = 8 * 1024 * 1024;

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`blob source yielded ${typeof chunk}, expected bytes`);
}

async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Whether a process with this id is alive (a temp file of a live process is still being written). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Opens (creating if needed) a content-addressed blob store in `dir`. */
export async function openFsBlobStore(dir: string): Promise<BlobStore> {
  const blobRoot = join(dir, 'sha256');
  const tmpRoot = join(dir, 'tmp');
  await mkdir(blobRoot, { recursive: true });
  await mkdir(tmpRoot, { recursive: true });
  // Temp names carry the writer's pid so that cleanup() in one process never
  // removes a file another live process is still writing.
  const inFlight = new Set<string>();

  const blobPath = (sha256: string): string => join(blobRoot, sha256.slice(0, 2), sha256);

  async function existingPath(sha256: string): Promise<string> {
    if (!SHA256_PATTERN.test(sha256)) throw new ModelgateError('MG_BLOB_NOT_FOUND', { sha256 });
    const path = blobPath(sha256);
    try {
      await stat(path);
    } catch (err) {
      if (isMissing(err)) throw new ModelgateError('MG_BLOB_NOT_FOUND', { sha256 });
      throw err;
    }
    return path;
  }

  /** Chunks are written by reference, as Node streams hand them over: a source must not reuse a buffer it yielded. */
  async function writeAll(fh: FileHandle, source: AsyncIterable<unknown>, options: PutOptions) {
    const hash = createHash('sha256');
    const writer = positionalWriter(fh, MAX_IN_FLIGHT_BYTES);
    let size = 0;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const data = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await writer.write(data);
    };
    try {
      // Each chunk is hashed here while earlier ones are being written; the
      // writer's in-flight cap stops the source from running ahead of the disk.
      for await (const raw of source) {
        const chunk = toBytes(raw);
        size += chunk.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) {
          throw new ModelgateError('MG_REGISTRY_ARTIFACT_TOO_LARGE', { limit: options.maxBytes });
        }
        hash.update(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= WRITE_BATCH_BYTES) await flush();
        options.onProgress?.(size);
      }
      await flush();
      await writer.finish();
    } catch (err) {
      await writer.abandon();
      throw err;
    }
    return { sha256: hash.digest('hex'), size };
  }

  const store: BlobStore = {
    async put(source, options = {}) {
      const tmpName = `${process.pid}-${randomBytes(8).toString('hex')}.part`;
      const tmpPath = join(tmpRoot, tmpName);
      inFlight.add(tmpName);
      try {
        const fh = await open(tmpPath, 'wx');
        let blob: StoredBlob;
        try {
          blob = await writeAll(fh, source as AsyncIterable<unknown>, options);
          await fh.sync();
        } finally {
          await fh.close();
        }
        const target = blobPath(blob.sha256);
        const shard = join(blobRoot, blob.sha256.slice(0, 2));
        await mkdir(shard, { recursive: true });
        if (await exists(target)) {
          await unlink(tmpPath);
        } else {
          await rename(tmpPath, target);
          await syncDirectory(shard);
        }
        return blob;
      } catch (err) {
        await unlink(tmpPath).catch(() => undefined);
        throw err;
      } finally {
        inFlight.delete(tmpName);
      }
    },

    async open(sha256) {
      const path = await existingPath(sha256);
      let fh: FileHandle;
      try {
        fh = await open(path, 'r');
      } catch (err) {
        if (isMissing(err)) throw new ModelgateError('MG_BLOB_NOT_FOUND', { sha256 });
        throw err;
      }
      const file = fh.createReadStream({ highWaterMark: 1024 * 1024 });
      async function* verified() {
        const hash = createHash('sha256');
        for await (const chunk of file) {
          hash.update(chunk as Buffer);
          yield chunk as Buffer;
        }
        const actual = hash.digest('hex');
        if (actual !== sha256) {
          throw new ModelgateError('MG_BLOB_CORRUPT', { sha256, detail: `content hashes to ${actual}` });
        }
      }
      return Readable.from(verified(), { objectMode: false });
    },

    async localPath(sha256, options = {}) {
      const path = await existingPath(sha256);
      if (options.verify === false) return path;
      const actual = await sha256File(path);
      if (actual !== sha256) {
        throw new ModelgateError('MG_BLOB_CORRUPT', { sha256, detail: `content hashes to ${actual}` });
      }
      return path;
    },

    async has(sha256) {
      return SHA256_PATTERN.test(sha256) && (await exists(blobPath(sha256)));
    },

    async stat(sha256) {
      if (!SHA256_PATTERN.test(sha256)) return null;
      try {
        const info = await stat(blobPath(sha256));
        return { sha256, size: info.size };
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
    },

    async delete(sha256) {
      if (!SHA256_PATTERN.test(sha256)) return;
      await unlink(blobPath(sha256)).catch((err: unknown) => {
        if (!isMissing(err)) throw err;
      });
    },

    async *list() {
      for (const shard of (await readdir(blobRoot)).sort()) {
        let names: string[];
        try {
          names = await readdir(join(blobRoot, shard));
        } catch (err) {
          if (isMissing(err)) continue;
          throw err;
        }
        for (const name of names.sort()) {
          if (!SHA256_PATTERN.test(name)) continue;
          let info;
          try {
            info = await stat(join(blobRoot, shard, name));
          } catch (err) {
            if (isMissing(err)) continue;
            throw err;
          }
          yield { sha256: name, size: info.size, writtenAt: info.mtimeMs };
        }
      }
    },

    async cleanup() {
      for (const name of await readdir(tmpRoot)) {
        if (inFlight.has(name)) continue;
        const pid = Number(name.split('-')[0]);
        if (Number.isInteger(pid) && pid !== process.pid && pid > 0 && processAlive(pid)) continue;
        await unlink(join(tmpRoot, name)).catch((err: unknown) => {
          if (!isMissing(err)) throw err;
        });
      }
    },

    async close() {
      // Nothing is held open between calls; streams returned by open() close themselves.
    },
  };
  return store;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}
