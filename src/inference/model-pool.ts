/**
 * Loaded ONNX Runtime sessions, one per registered version, shared by every
 * route that serves it and counted: the session is released (after its
 * in-flight runs drain) only when the last route lets go. Concurrent
 * acquisitions of the same version share one load.
 */
import type { VersionRecord } from '../store/registry-types.ts';
import { ModelSession, type SessionOptions } from '../runtime/session.ts';

/** Where a verified local copy of an artifact lives (the blob store's localPath). */
export type ArtifactPath = (sha256: string) => Promise<string>;

export interface PooledSession {
  readonly session: ModelSession;
  /** Lets go of this reference; the last one drains and frees the session. */
  release(): Promise<void>;
}

interface Entry {
  refs: number;
  loading: Promise<ModelSession>;
}

/** One finished load: the version and the seconds its load and warm-up took. */
export interface ModelLoad {
  readonly model: string;
  readonly version: number;
  readonly seconds: number;
}

export class ModelPool {
  /** Told about every successful load (monitoring's modelgate_model_load_duration_seconds). */
  onLoad: ((load: ModelLoad) => void) | null = null;
  readonly #path: ArtifactPath;
  readonly #options: SessionOptions;
  readonly #entries = new Map<string, Entry>();

  constructor(path: ArtifactPath, options: SessionOptions = {}) {
    this.#path = path;
    this.#options = options;
  }

  /** Versions with a live session. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Loads (or reuses) and warms the session for a version: the serving
   * artifact when the registry derived one (ZipMap removed), else the original.
   * A failed load leaves nothing behind and rejects with the runtime's reason.
   */
  async acquire(version: VersionRecord): Promise<PooledSession> {
    const key = `${version.model}@${version.version}`;
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const created: Entry = { refs: 0, loading: this.#load(version) };
      entry = created;
      this.#entries.set(key, created);
      created.loading.catch(() => {
        if (this.#entries.get(key) === created) this.#entries.delete(key);
      });
    }
    entry.refs++;
    let session: ModelSession;
    try {
      session = await entry.loading;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    const held = entry;
    let released = false;
    return {
      session,
      release: async () => {
        if (released) return;
        released = true;
        held.refs--;
        if (held.refs > 0) return;
        if (this.#entries.get(key) === held) this.#entries.delete(key);
        await session.release();
      },
    };
  }

  async #load(version: VersionRecord): Promise<ModelSession> {
    const artifact = version.servingArtifact ?? version.artifact;
    const started = performance.now();
    const file = await this.#path(artifact.sha256);
    const session = await ModelSession.load(file, { ...this.#options, label: `${version.model} v${version.version}` });
    try {
      await session.warmup();
    } catch (err) {
      await session.release();
      throw err;
    }
    this.onLoad?.({ model: version.model, version: version.version, seconds: (performance.now() - started) / 1000 });
    return session;
  }
}
