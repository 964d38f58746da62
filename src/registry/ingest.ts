/**
 * Artifact ingest: stream into the blob store, parse the ONNX graph from the
 * stored copy, derive a servable artifact when the graph ends in a ZipMap.
 * If anything fails, blobs this attempt wrote and no version references are
 * deleted again, so a refused upload leaves nothing behind.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../blob/blob-store.ts';
import { fail } from '../lib/errors.ts';
import type { RegistryStore } from '../store/registry-store.ts';
import type { ArtifactRef, DerivedArtifactRef, Signature } from '../store/registry-types.ts';
import { deriveServingArtifact } from '../runtime/onnx-zipmap.ts';
import { readOnnxSignature } from '../runtime/onnx-model.ts';

/** The ONNX operations ingest needs; injectable so tests can exercise failure paths. */
export interface ArtifactInspector {
  readSignature(path: string): Promise<Signature>;
  deriveServing(path: string, outPath: string): Promise<
    { derivation: string; classLabels: readonly (string | number)[]; probabilityOutput: string } | null
  >;
}

export const onnxInspector: ArtifactInspector = {
  readSignature: (path) => readOnnxSignature(path),
  deriveServing: (path, outPath) => deriveServingArtifact(path, outPath),
};

export interface IngestResult {
  readonly artifact: ArtifactRef;
  readonly servingArtifact?: DerivedArtifactRef;
  readonly signature: Signature;
  readonly servingSignature?: Signature;
  readonly extra: Record<string, unknown>;
}

export interface IngestDeps {
  readonly blobs: BlobStore;
  readonly store: RegistryStore;
  readonly inspector: ArtifactInspector;
  /** Blobs written but not yet referenced by a version; garbage collection leaves them alone. */
  readonly inflight: Map<string, number>;
}

function hold(inflight: Map<string, number>, sha: string): void {
  inflight.set(sha, (inflight.get(sha) ?? 0) + 1);
}

export function release(inflight: Map<string, number>, sha: string): void {
  const n = (inflight.get(sha) ?? 1) - 1;
  if (n <= 0) inflight.delete(sha);
  else inflight.set(sha, n);
}

async function dropUnreferenced(deps: IngestDeps, shas: readonly string[]): Promise<void> {
  const referenced = await deps.store.referencedBlobs();
  for (const sha of shas) {
    release(deps.inflight, sha);
    if (!referenced.has(sha) && !deps.inflight.has(sha)) await deps.blobs.delete(sha);
  }
}

/**
 * Stores and inspects an artifact. On success the returned blobs are held in
 * `inflight` until the caller has created the version and calls release().
 */
export async function ingestArtifact(
  deps: IngestDeps,
  source: AsyncIterable<Uint8Array> | Readable,
  options: { maxBytes: number; fileName?: string; onProgress?: (bytes: number) => void },
): Promise<IngestResult> {
  const stored = await deps.blobs.put(source, { maxBytes: options.maxBytes, onProgress: options.onProgress });
  hold(deps.inflight, stored.sha256);
  const written = [stored.sha256];
  let workDir: string | undefined;
  try {
    const path = await deps.blobs.localPath(stored.sha256);
    const signature = await deps.inspector.readSignature(path);
    const artifact: ArtifactRef = { sha256: stored.sha256, size: stored.size, format: 'onnx', ...(options.fileName ? { fileName: options.fileName } : {}) };
    if (signature.nonTensorOutputs.length === 0) return { artifact, signature, extra: {} };

    workDir = await mkdtemp(join(tmpdir(), 'modelgate-derive-'));
    const outPath = join(workDir, 'serving.onnx');
    const derived = await deps.inspector.deriveServing(path, outPath);
    if (derived === null) {
      fail('MG_REGISTRY_UNSUPPORTED_ARTIFACT', {
        detail: `output(s) ${signature.nonTensorOutputs.join(', ')} are not tensors and not a ZipMap that can be removed`,
      });
    }
    const servingSignature = await deps.inspector.readSignature(outPath);
    const servingBlob = await deps.blobs.put(createReadStream(outPath));
    hold(deps.inflight, servingBlob.sha256);
    written.push(servingBlob.sha256);
    return {
      artifact,
      signature,
      servingSignature,
      servingArtifact: { sha256: servingBlob.sha256, size: servingBlob.size, format: 'onnx', derivation: derived.derivation },
      extra: { classLabels: derived.classLabels, probabilityOutput: derived.probabilityOutput, servingSignature },
    };
  } catch (err) {
    await dropUnreferenced(deps, written);
    throw err;
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }
}

/** Undo for a version that could not be created after a successful ingest. */
export async function abandonIngest(deps: IngestDeps, result: IngestResult): Promise<void> {
  await dropUnreferenced(deps, [result.artifact.sha256, ...(result.servingArtifact ? [result.servingArtifact.sha256] : [])]);
}
