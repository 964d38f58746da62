/**
 * Where an evaluation gets a version's model file. In process, the blob
 * store's local path of the serving artifact (the ZipMap-free copy when the
 * registry derived one); through any RegistryApi (the HTTP client included),
 * a download into a temporary directory, with the same serving derivation
 * applied locally, so evaluation runs the model exactly as serving would.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../blob/blob-store.ts';
import type { RegistryApi } from '../registry/api.ts';
import { deriveServingArtifact } from '../runtime/onnx-zipmap.ts';
import type { VersionRecord } from '../store/registry-types.ts';

export interface ModelFile {
  readonly path: string;
  /** Removes whatever was written to provide the file. */
  release(): Promise<void>;
}

export interface ModelSource {
  open(version: VersionRecord): Promise<ModelFile>;
}

/** Model files straight from a blob store (in-process callers). */
export function blobModelSource(blobs: BlobStore): ModelSource {
  return {
    async open(version) {
      const sha = version.servingArtifact?.sha256 ?? version.artifact.sha256;
      return { path: await blobs.localPath(sha), release: async () => {} };
    },
  };
}

/** Model files downloaded through the registry API (a local data directory or a server). */
export function downloadModelSource(registry: RegistryApi): ModelSource {
  return {
    async open(version) {
      const dir = await mkdtemp(join(tmpdir(), 'modelgate-eval-'));
      const release = (): Promise<void> => rm(dir, { recursive: true, force: true });
      try {
        const original = join(dir, 'model.onnx');
        const download = await registry.downloadArtifact(version.model, version.version);
        await pipeline(download.stream, createWriteStream(original));
        if (version.servingArtifact === undefined) return { path: original, release };
        const serving = join(dir, 'serving.onnx');
        const derived = await deriveServingArtifact(original, serving);
        return { path: derived === null ? original : serving, release };
      } catch (err) {
        await release();
        throw err;
      }
    },
  };
}
