/**
 * Validation and construction of an endpoint's traffic policy: candidate
 * weight in tenths of a percent, shadow mirror share, previews. Weights come
 * in as percentages (0–100, one decimal) and are stored as integers per
 * thousand so routing compares integers.
 */
import { fail } from '../lib/errors.ts';
import { emptyPolicy, type TrafficPolicy } from '../store/endpoint-store.ts';

/** Percent (0–100, steps of 0.1) → tenths of a percent; fails naming the value otherwise. */
export function weightPermille(endpoint: string, percent: number): number {
  const permille = Math.round(percent * 10);
  if (!Number.isFinite(percent) || percent < 0 || percent > 100 || Math.abs(permille - percent * 10) > 1e-6) {
    fail('MG_ENDPOINT_INVALID', { endpoint, detail: `weight must be from 0 to 100 in steps of 0.1, got ${percent}` });
  }
  return permille;
}

/** Checks a stable version and policy for consistency (no version in two roles, bounds). */
export function checkPolicy(endpoint: string, change: { readonly version: number; readonly policy: TrafficPolicy }): void {
  const { candidate, shadow, previews } = change.policy;
  if (candidate !== null) {
    if (!Number.isInteger(candidate.weightPermille) || candidate.weightPermille < 0 || candidate.weightPermille > 1000) {
      fail('MG_ENDPOINT_INVALID', { endpoint, detail: `candidate weight must be 0–1000 tenths of a percent, got ${candidate.weightPermille}` });
    }
    if (candidate.version === change.version) fail('MG_ENDPOINT_INVALID', { endpoint, detail: `version ${candidate.version} cannot be both stable and candidate` });
  }
  if (shadow !== null) {
    if (!(shadow.percent >= 0 && shadow.percent <= 100)) fail('MG_ENDPOINT_INVALID', { endpoint, detail: `shadow percent must be 0–100, got ${shadow.percent}` });
    if (shadow.version === change.version) fail('MG_ENDPOINT_INVALID', { endpoint, detail: `version ${shadow.version} cannot be both stable and shadow` });
  }
  for (const v of [change.version, ...(candidate ? [candidate.version] : []), ...(shadow ? [shadow.version] : []), ...previews]) {
    if (!Number.isInteger(v) || v < 1) fail('MG_ENDPOINT_INVALID', { endpoint, detail: `version must be a positive integer, got ${v}` });
  }
}

/** A policy with only the fields given changed. */
export function withPolicy(base: TrafficPolicy, patch: Partial<TrafficPolicy>): TrafficPolicy {
  return { ...emptyPolicy, ...base, ...patch };
}
