/**
 * Protected aliases (config.registry.protectedAliases): pointing one at a
 * version needs approvals from principals other than the registrant, no
 * rejection, and optionally a passing evaluation stored on the version.
 */
import type { Config } from '../config/load.ts';
import { fail } from '../lib/errors.ts';
import type { RegistryStore } from '../store/registry-store.ts';
import type { VersionRecord } from '../store/registry-types.ts';

/** Throws the catalogue error that explains why the alias cannot point at this version yet. */
export async function assertMayTakeAlias(
  store: RegistryStore,
  config: Config,
  version: VersionRecord,
  alias: string,
): Promise<void> {
  const { model } = version;
  if (version.status === 'archived') fail('MG_REGISTRY_VERSION_ARCHIVED', { model, version: version.version, alias });
  if (version.status !== 'ready') fail('MG_REGISTRY_VERSION_NOT_READY', { model, version: version.version, status: version.status });
  const rule = Object.hasOwn(config.registry.protectedAliases, alias) ? config.registry.protectedAliases[alias] : undefined;
  if (!rule) return;
  const decisions = await store.listApprovals(model, version.version, alias);
  const rejection = decisions.find((d) => d.decision === 'rejected');
  if (rejection) fail('MG_REGISTRY_APPROVAL_REJECTED', { model, version: version.version, alias, actor: rejection.actor });
  // The registrant's own decisions never count, even if recorded before the rule existed.
  const approvers = new Set(decisions.filter((d) => d.decision === 'approved' && d.actor !== version.createdBy).map((d) => d.actor));
  if (approvers.size < rule.approvals) {
    fail('MG_REGISTRY_APPROVAL_REQUIRED', { model, version: version.version, alias, have: approvers.size, need: rule.approvals });
  }
  if (rule.requireEvaluation) {
    const evaluations = await store.listEvaluations(model, version.version);
    if (!evaluations.some((e) => e.verdict === 'passed')) fail('MG_REGISTRY_EVALUATION_REQUIRED', { model, version: version.version, alias });
  }
}
