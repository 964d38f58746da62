/**
 * Writes a stream of chunks to a file with several positional writes in
 * flight at once. Disk writes run on libuv's thread pool while the caller
 * hashes the next chunk on the main thread; a cap on bytes in flight is the
 * backpressure, so memory stays bounded whatever the source's speed.
 */
import type { FileHandle } from 'node:fs/promises';

export interface PositionalWriter {
  /** Queues `data` after everything queued before; resolves once in-flight bytes are under the cap again. */
  write(data: Uint8Array): Promise<void>;
  /** Waits for every queued write; throws the first write error. */
  finish(): Promise<void>;
  /** Waits for queued writes to settle, ignoring their errors (for clean-up after a failure). */
  abandon(): Promise<void>;
}

async function writeFully(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await fh.write(data, offset, data.length - offset, position + offset);
    offset += bytesWritten;
  }
}

export function positionalWriter(fh: FileHandle, maxInFlightBytes: number): PositionalWriter {
  const inFlight = new Set<Promise<void>>();
  let inFlightBytes = 0;
  let position = 0;
  let failure: { error: unknown } | null = null;

  const check = () => {
    if (failure) throw failure.error;
  };

  return {
    async write(data) {
      check();
      const task = writeFully(fh, data, position).then(
        () => {
          inFlightBytes -= data.length;
          inFlight.delete(task);
        },
        (error: unknown) => {
          inFlightBytes -= data.length;
          inFlight.delete(task);
          failure ??= { error };
        },
      );
      position += data.length;
      inFlightBytes += data.length;
      inFlight.add(task);
      while (inFlightBytes > maxInFlightBytes && inFlight.size > 0) await Promise.race(inFlight);
      check();
    },
    async finish() {
      await Promise.all(inFlight);
      check();
    },
    async abandon() {
      await Promise.all(inFlight);
    },
  };
}
