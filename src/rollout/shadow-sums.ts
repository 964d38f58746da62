/**
 * Shadow comparisons summed over every serving process. Each process mirrors
 * its own share of requests, so each holds only part of the sums: it
 * publishes what changed to the store's shadow_stats table (one row per
 * endpoint and process, replaced each time) on an interval, and the rollout
 * analysis reads the total of every row. The same path serves one process,
 * the workers of `serve --workers N` and replicas sharing PostgreSQL; the
 * reader publishes its own process's sums first, so they are never stale.
 */
import { addSums, emptySums, statsOf, type ShadowStats, type ShadowSums } from '../inference/shadow.ts';
import type { RolloutStore } from '../store/rollout-store.ts';

/** The part of the data plane's comparisons that gets published. */
export interface ShadowSource {
  takeChanged(): { endpoint: string; sums: ShadowSums }[];
}

export interface ShadowSumsDeps {
  readonly store: Pick<RolloutStore, 'putShadowSums' | 'shadowSums' | 'clearShadowSums'>;
  readonly source: ShadowSource;
  /** Names this process's rows (unique per process lifetime). */
  readonly sourceId: string;
  readonly iso: () => string;
  readonly onError?: (err: unknown) => void;
}

const FIELDS = ['mirrored', 'errors', 'labelRows', 'agreed', 'scoreCount', 'scoreAbsSum', 'scoreAbsMax', 'primaryLatencyMs', 'shadowLatencyMs'] as const;

/** A stored row back as sums; a row that is not one (written by a different release) counts as zero. */
export function parseSums(raw: unknown, shadowVersion: number): ShadowSums {
  const out = emptySums(shadowVersion);
  if (typeof raw !== 'object' || raw === null) return out;
  const r = raw as Record<string, unknown>;
  for (const f of FIELDS) {
    const v = r[f];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[f] = v;
  }
  return out;
}

export class ShadowSumsPublisher {
  readonly #d: ShadowSumsDeps;
  #timer: NodeJS.Timeout | null = null;
  /** One publication at a time, so rows are written in order. */
  #chain: Promise<void> = Promise.resolve();

  constructor(deps: ShadowSumsDeps) {
    this.#d = deps;
  }

  /** Writes this process's changed sums; resolves once they are stored. */
  publish(): Promise<void> {
    const run = async (): Promise<void> => {
      for (const { endpoint, sums } of this.#d.source.takeChanged()) {
        await this.#d.store.putShadowSums(endpoint, this.#d.sourceId, sums.shadowVersion, sums, this.#d.iso());
      }
    };
    this.#chain = this.#chain.then(run, run);
    return this.#chain;
  }

  /** The sums of every process for an endpoint's shadow version (this process's published first). */
  async total(endpoint: string, shadowVersion: number): Promise<ShadowSums> {
    await this.publish();
    const total = emptySums(shadowVersion);
    for (const raw of await this.#d.store.shadowSums(endpoint, shadowVersion)) addSums(total, parseSums(raw, shadowVersion));
    return total;
  }

  /** Rates from the total, as analysis reads them. */
  async stats(endpoint: string, shadowVersion: number): Promise<ShadowStats> {
    return statsOf(await this.total(endpoint, shadowVersion));
  }

  /** Forgets the endpoint's published sums before a new shadow rollout. */
  async clear(endpoint: string): Promise<void> {
    await this.publish();
    await this.#d.store.clearShadowSums(endpoint);
  }

  start(intervalMs: number): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => {
      this.publish().catch((err: unknown) => this.#d.onError?.(err));
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and publishes what is left. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.publish().catch((err: unknown) => this.#d.onError?.(err));
  }
}
