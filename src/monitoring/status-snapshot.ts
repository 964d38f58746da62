/**
 * What `modelgate status` shows: one row per endpoint and version with the
 * live rate, error rate, latency quantiles, drift and accuracy, plus the
 * endpoint's active rollout. Built from plain inputs (the endpoint list, the
 * live status rows, the active rollouts) so the server and a local data
 * directory produce the same snapshot.
 */
import type { VersionStatus } from './view.ts';

export interface StatusEndpoint {
  readonly name: string;
  readonly model: string;
  readonly version: number;
  /** Candidate version and its weight in percent, when the policy has one. */
  readonly candidate: { readonly version: number; readonly percent: number } | null;
}

export interface StatusRollout {
  readonly endpoint: string;
  readonly id: string;
  readonly strategy: string;
  readonly phase: string;
  readonly stableVersion: number;
  readonly candidateVersion: number;
  /** Candidate weight in percent now. */
  readonly weight: number;
}

export interface StatusRow {
  readonly endpoint: string;
  readonly model: string;
  readonly version: number;
  readonly role: 'stable' | 'candidate' | 'other';
  readonly requests: number;
  readonly rps: number;
  readonly errorRate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Live drift score; null until live drift has scored the version. */
  readonly drift: number | null;
  /** Live accuracy from feedback; null without labelled feedback. */
  readonly accuracy: number | null;
  readonly rollout: StatusRollout | null;
}

export interface StatusSnapshot {
  readonly at: string;
  /** Where the figures come from: a running server, or a data directory with no live traffic. */
  readonly source: 'server' | 'local';
  readonly windowMs: number;
  readonly rows: readonly StatusRow[];
  /** Set when the figures are not live (local data directory). */
  readonly note: string | null;
}

const ACTIVE = new Set(['pending', 'progressing', 'paused', 'promoting']);

/** The active rollout among an endpoint's rollouts (any order), or null. */
export function activeRollout(rollouts: readonly StatusRollout[]): StatusRollout | null {
  return rollouts.find((r) => ACTIVE.has(r.phase)) ?? null;
}

/**
 * Rows for every endpoint: its stable and candidate versions always (zeros
 * when they have no traffic in the window), then any other version that
 * answered in the window (a pinned preview, a version just switched away from).
 */
export function buildStatusSnapshot(input: {
  readonly at: string;
  readonly source: 'server' | 'local';
  readonly windowMs: number;
  readonly endpoints: readonly StatusEndpoint[];
  readonly live: readonly VersionStatus[];
  readonly rollouts: readonly StatusRollout[];
  readonly note?: string | null;
}): StatusSnapshot {
  const live = new Map(input.live.map((s) => [`${s.endpoint}\u0000${s.version}`, s]));
  const rows: StatusRow[] = [];
  for (const e of [...input.endpoints].sort((a, b) => a.name.localeCompare(b.name))) {
    const rollout = activeRollout(input.rollouts.filter((r) => r.endpoint === e.name));
    const versions = new Map<number, StatusRow['role']>([[e.version, 'stable']]);
    if (e.candidate !== null) versions.set(e.candidate.version, 'candidate');
    for (const s of input.live) if (s.endpoint === e.name && !versions.has(s.version)) versions.set(s.version, 'other');
    for (const [version, role] of versions) {
      const s = live.get(`${e.name}\u0000${version}`);
      const w = s?.window;
      rows.push({
        endpoint: e.name, model: e.model, version, role,
        requests: w?.requests ?? 0, rps: w?.rps ?? 0, errorRate: w?.errorRate ?? 0,
        p50Ms: w?.latency.p50 ?? 0, p99Ms: w?.latency.p99 ?? 0,
        drift: s?.drift ?? null, accuracy: s?.quality?.accuracy ?? null, rollout,
      });
    }
  }
  return { at: input.at, source: input.source, windowMs: input.windowMs, rows, note: input.note ?? null };
}

const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : '');

function rolloutCell(r: StatusRollout | null): string {
  if (r === null) return '-';
  return `${r.strategy} v${r.stableVersion}->v${r.candidateVersion} ${r.phase} ${fixed(r.weight, 0)}%`;
}

export const STATUS_HEADERS = ['endpoint', 'version', 'role', 'rps', 'errors', 'p50 ms', 'p99 ms', 'drift', 'accuracy', 'rollout'] as const;

/** Table cells for people: rates with fixed decimals, `-` where there is no figure yet. */
export function statusTableRows(s: StatusSnapshot): string[][] {
  return s.rows.map((r) => [
    r.endpoint, `v${r.version}`, r.role, fixed(r.rps, 1), `${fixed(r.errorRate * 100, 1)}%`, fixed(r.p50Ms, 1), fixed(r.p99Ms, 1),
    r.drift === null ? '-' : fixed(r.drift, 3), r.accuracy === null ? '-' : fixed(r.accuracy, 3), rolloutCell(r.rollout),
  ]);
}
