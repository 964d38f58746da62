/**
 * Live drift: the recent window of sampled input rows of each endpoint and
 * version compared with the version's reference profile (stored at
 * registration) by the drift library's detectDrift, the one implementation
 * the evaluation gates also use. The drift score of a version is the largest
 * drift magnitude (KS or chi-square statistic, or the distance) among the
 * features the tests flag as drifted, 0 when none is: a few strongly drifted
 * features count, chance wobble in undrifted ones does not. The share of
 * drifted features and per-feature scores are kept for /metrics and the route.
 */
import { detectDrift, type DatasetDrift } from '../drift/dataset-drift.ts';
import type { ReferenceProfile } from '../store/registry-types.ts';
import type { FeatureSample } from './feature-sample.ts';

export type LiveDriftResult =
  | { readonly kind: 'scored'; readonly endpoint: string; readonly version: number; readonly at: string; readonly rows: number; readonly score: number; readonly share: number; readonly drift: DatasetDrift }
  | { readonly kind: 'insufficient'; readonly endpoint: string; readonly version: number; readonly at: string; readonly rows: number; readonly minRows: number }
  | { readonly kind: 'no-reference'; readonly endpoint: string; readonly version: number; readonly at: string; readonly rows: number };

export interface LiveDriftDeps {
  readonly sample: FeatureSample;
  /** The reference profile of the version an endpoint serves (null when it has none). */
  readonly reference: (endpoint: string, version: number) => Promise<ReferenceProfile | null>;
  readonly minRows: number;
}

/** Largest statistic or distance among drifted features; 0 when none drifted. */
export function driftScore(drift: DatasetDrift): number {
  let best = 0;
  for (const c of drift.columns) if (c.drifted) best = Math.max(best, c.statistic ?? c.score);
  return best;
}

export class LiveDrift {
  readonly #d: LiveDriftDeps;
  readonly #latest = new Map<string, LiveDriftResult>();

  constructor(deps: LiveDriftDeps) {
    this.#d = deps;
  }

  /** Scores every sampled version now. */
  async run(at: string): Promise<LiveDriftResult[]> {
    const out: LiveDriftResult[] = [];
    for (const { endpoint, version } of this.#d.sample.keys()) {
      const w = this.#d.sample.window(endpoint, version);
      const rows = w?.rows ?? 0;
      let result: LiveDriftResult;
      if (w === null || rows < this.#d.minRows) result = { kind: 'insufficient', endpoint, version, at, rows, minRows: this.#d.minRows };
      else {
        const profile = await this.#d.reference(endpoint, version);
        if (profile === null) result = { kind: 'no-reference', endpoint, version, at, rows };
        else {
          // Asymptotic KS p-values: the exact ones cost up to 100 ms a run on a window far from the reference.
          const drift = detectDrift(profile, { columns: w.columns, values: w.values }, { ksMethod: 'asymp' });
          result = { kind: 'scored', endpoint, version, at, rows, score: driftScore(drift), share: drift.share, drift };
        }
      }
      this.#latest.set(`${endpoint}\u0000${version}`, result);
      out.push(result);
    }
    return out;
  }

  latest(endpoint?: string): LiveDriftResult[] {
    return [...this.#latest.values()].filter((r) => endpoint === undefined || r.endpoint === endpoint);
  }

  /** The highest drift score among an endpoint's versions (null when none is scored). */
  score(endpoint: string, version?: number): number | null {
    let best: number | null = null;
    for (const r of this.#latest.values()) {
      if (r.endpoint !== endpoint || r.kind !== 'scored' || (version !== undefined && r.version !== version)) continue;
      if (best === null || r.score > best) best = r.score;
    }
    return best;
  }
}
