/**
 * Retention: which versions a garbage collection may remove. A version goes
 * when it is outside every "keep" rule (the newest keepLast, those younger
 * than maxAge) and nothing protects it: an alias, a deployment, or an
 * approval in progress (some decision recorded, none a rejection, no alias
 * yet — someone is about to promote it).
 */
import type { AliasRecord, ApprovalRecord, VersionRecord } from '../store/registry-types.ts';

export interface RetentionPolicy {
  readonly keepLast?: number;
  readonly maxAgeMs?: number;
}

export interface RetentionInput {
  readonly versions: readonly VersionRecord[];
  readonly aliases: readonly AliasRecord[];
  readonly approvals: readonly ApprovalRecord[];
  readonly deployed: ReadonlySet<number>;
  readonly now: number;
}

export type RetentionDecision =
  | { readonly kind: 'keep-policy'; readonly version: number }
  | { readonly kind: 'protected'; readonly version: number; readonly reason: string }
  | { readonly kind: 'remove'; readonly version: number };

/** True when no rule is configured, so retention removes nothing. */
export function isEmptyPolicy(policy: RetentionPolicy): boolean {
  return policy.keepLast === undefined && policy.maxAgeMs === undefined;
}

/** Decides, for one model, what happens to each version. */
export function planRetention(policy: RetentionPolicy, input: RetentionInput): RetentionDecision[] {
  const newestFirst = [...input.versions].sort((x, y) => y.version - x.version);
  return newestFirst.map((v, rank): RetentionDecision => {
    if (isEmptyPolicy(policy)) return { kind: 'keep-policy', version: v.version };
    const keptByCount = policy.keepLast !== undefined && rank < policy.keepLast;
    const keptByAge = policy.maxAgeMs !== undefined && input.now - Date.parse(v.createdAt) <= policy.maxAgeMs;
    if (keptByCount || keptByAge) return { kind: 'keep-policy', version: v.version };
    const aliases = input.aliases.filter((a) => a.version === v.version).map((a) => a.alias);
    if (aliases.length > 0) return { kind: 'protected', version: v.version, reason: `holds alias ${aliases.join(', ')}` };
    if (input.deployed.has(v.version)) return { kind: 'protected', version: v.version, reason: 'deployed' };
    const decisions = input.approvals.filter((a) => a.version === v.version);
    if (decisions.length > 0 && !decisions.some((d) => d.decision === 'rejected')) {
      return { kind: 'protected', version: v.version, reason: 'awaiting approval' };
    }
    return { kind: 'remove', version: v.version };
  });
}
