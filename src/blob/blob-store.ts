/**
 * Content-addressed artifact storage. Blobs are named by their SHA-256; a
 * write lands under its name only once complete and synced, so a crash leaves
 * no partial blob behind, only a temporary file that the next start removes.
 */
import type { Readable } from 'node:stream';

export interface PutOptions {
  /** Refuse (MG_REGISTRY_ARTIFACT_TOO_LARGE) once more than this many bytes arrive. */
  readonly maxBytes?: number;
  /** Called as bytes arrive, with the running total. */
  readonly onProgress?: (bytes: number) => void;
}

export interface StoredBlob {
  readonly sha256: string;
  readonly size: number;
}

/** A blob as list() gives it: when it was written, too. */
export interface ListedBlob extends StoredBlob {
  /** Milliseconds since the epoch (wall clock) when the blob was written. */
  readonly writtenAt: number;
}

export interface BlobStore {
  /** Streams the source into the store; hashes as it goes; never holds the whole blob in memory. */
  put(source: AsyncIterable<Uint8Array> | Readable, options?: PutOptions): Promise<StoredBlob>;
  /** A stream of the blob that errors with MG_BLOB_CORRUPT at the end if the content no longer matches. */
  open(sha256: string): Promise<Readable>;
  /**
   * A local file path holding the blob (downloaded to a cache for remote stores),
   * verified unless `verify` is false (for a blob this process has just written).
   */
  localPath(sha256: string, options?: { readonly verify?: boolean }): Promise<string>;
  has(sha256: string): Promise<boolean>;
  stat(sha256: string): Promise<StoredBlob | null>;
  delete(sha256: string): Promise<void>;
  list(): AsyncIterable<ListedBlob>;
  /** Removes temporary files left by interrupted writes. */
  cleanup(): Promise<void>;
  close(): Promise<void>;
}
