/**
 * The compliance report: rules a governed model platform is expected to meet,
 * checked against the registry, the serving endpoints, the configuration and
 * the audit chain. Per production version (the `production` alias of each
 * model): a model card, an approval from someone other than the registrant,
 * and a passing evaluation with a fairness section. Platform-wide: prediction
 * logging where monitoring is on, prediction-log retention within policy, an
 * intact audit chain. Each failed rule carries a remediation; the score is the
 * share of applicable rules that pass.
 */
import type { Config } from '../config/load.ts';
import { isModelgateError } from '../lib/errors.ts';
import { formatDuration } from '../lib/duration.ts';
import type { RegistryApi } from '../registry/api.ts';
import type { EndpointRecord } from '../store/endpoint-store.ts';
import type { ModelRecord, VersionRecord } from '../store/registry-types.ts';
import type { AuditVerdict } from './audit.ts';

export const PRODUCTION_ALIAS = 'production';

export type RuleStatus = 'pass' | 'fail' | 'not-applicable';

export interface RuleResult {
  readonly rule: 'model-card' | 'approval' | 'fairness-evaluation' | 'prediction-logging' | 'retention' | 'audit-chain';
  /** What was checked: `model:fraud/version:3`, or `platform`. */
  readonly subject: string;
  readonly status: RuleStatus;
  readonly detail: string;
  /** What to do, for failed rules. */
  readonly remediation?: string;
}

export interface ComplianceReport {
  readonly generatedAt: string;
  /** Passed applicable rules over applicable rules, 0..1 (1 when nothing applies). */
  readonly score: number;
  readonly passed: number;
  readonly failed: number;
  readonly notApplicable: number;
  readonly productionVersions: readonly { readonly model: string; readonly version: number }[];
  readonly rules: readonly RuleResult[];
}

export interface ComplianceInputs {
  readonly registry: RegistryApi;
  readonly endpoints: () => Promise<readonly EndpointRecord[]>;
  readonly verifyAudit: () => Promise<AuditVerdict>;
  readonly config: Config;
  /** Whether prediction-log fields can be sealed (field keys configured). */
  readonly fieldCrypto: boolean;
  readonly now: string;
}

async function allModels(registry: RegistryApi): Promise<ModelRecord[]> {
  const out: ModelRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await registry.listModels({ limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

async function productionVersion(registry: RegistryApi, model: string): Promise<VersionRecord | null> {
  try {
    return await registry.getVersion(model, PRODUCTION_ALIAS);
  } catch (err) {
    if (isModelgateError(err, 'MG_REGISTRY_ALIAS_NOT_FOUND')) return null;
    throw err;
  }
}

function result(rule: RuleResult['rule'], subject: string, ok: boolean, detail: string, remediation: string): RuleResult {
  return ok ? { rule, subject, status: 'pass', detail } : { rule, subject, status: 'fail', detail, remediation };
}

async function versionRules(registry: RegistryApi, v: VersionRecord): Promise<RuleResult[]> {
  const subject = `model:${v.model}/version:${v.version}`;
  const card = (v.modelCard ?? '').trim();
  const approvals = await registry.listApprovals(v.model, v.version);
  const forProduction = approvals.filter((a) => a.alias === PRODUCTION_ALIAS);
  const approvers = forProduction.filter((a) => a.decision === 'approved' && a.actor !== v.createdBy).map((a) => a.actor);
  const rejected = forProduction.some((a) => a.decision === 'rejected');
  const evaluations = await registry.listEvaluations(v.model, v.version);
  const withFairness = evaluations.filter((e) => Array.isArray(e.report.fairness) && e.report.fairness.length > 0);
  const passing = withFairness.filter((e) => e.verdict === 'passed');
  return [
    result('model-card', subject, card.length > 0, card.length > 0 ? `model card of ${card.length} characters` : 'no model card',
      `write a model card: PATCH /api/v1/models/${v.model}/versions/${v.version} with {"modelCard": "…"} (or register with --model-card FILE)`),
    result('approval', subject, approvers.length > 0 && !rejected,
      rejected ? 'rejected for production' : approvers.length > 0 ? `approved by ${approvers.join(', ')}` : 'no approval from anyone other than the registrant',
      `have an approver who did not register it run: modelgate approve ${v.model} ${v.version} --for ${PRODUCTION_ALIAS}`),
    result('fairness-evaluation', subject, passing.length > 0,
      passing.length > 0 ? `evaluation ${passing[0].id} passed with a fairness section`
        : withFairness.length > 0 ? `evaluations with a fairness section did not pass (${withFairness.map((e) => e.verdict).join(', ')})`
          : evaluations.length > 0 ? 'evaluations have no fairness section' : 'no evaluation stored',
      `run: modelgate evaluate ${v.model} ${v.version} --data FILE --label COL --group-by COL --gates gates.yaml (passing gates store the evidence)`),
  ];
}

function predictionLogging(inputs: ComplianceInputs, production: readonly VersionRecord[], endpoints: readonly EndpointRecord[]): RuleResult {
  const { monitoring } = inputs.config;
  if (!monitoring.enabled) {
    return { rule: 'prediction-logging', subject: 'platform', status: 'not-applicable', detail: 'monitoring is off (monitoring.enabled: false), so no prediction log is kept' };
  }
  const log = monitoring.predictionLog;
  const overrides = (log.endpointPercent ?? {}) as Record<string, unknown>;
  const serving = endpoints.filter((e) => production.some((v) => v.model === e.model && v.version === e.version));
  const checked = serving.length > 0 ? serving.map((e) => e.name) : ['*'];
  const off = checked.filter((name) => {
    const override = overrides[name];
    const percent = typeof override === 'number' ? override : log.samplePercent;
    return !(percent > 0);
  });
  const unsealed = log.sensitiveFields.length > 0 && log.sensitiveMode === 'encrypt' && !inputs.fieldCrypto;
  const ok = off.length === 0 && !unsealed;
  const detail = off.length > 0
    ? `prediction logging is off for ${off.join(', ')}`
    : unsealed ? 'sensitive fields are set to be encrypted but security.fieldKeys is empty'
      : `logging ${serving.length > 0 ? `on for ${checked.join(', ')}` : `${log.samplePercent}% of requests`}`;
  return result('prediction-logging', 'platform', ok, detail, unsealed
    ? 'configure security.fieldKeys (openssl rand -base64 32) or set monitoring.predictionLog.sensitiveMode: drop'
    : 'set monitoring.predictionLog.samplePercent (or endpointPercent for the endpoints named) above 0');
}

function retention(config: Config): RuleResult {
  const max = config.security.compliance.maxPredictionRetentionMs;
  const kept = config.monitoring.predictionLog.maxAgeMs;
  return result('retention', 'platform', kept <= max,
    `prediction log kept ${formatDuration(kept)}; policy allows ${formatDuration(max)}`,
    `lower monitoring.predictionLog.maxAge to at most ${formatDuration(max)}`);
}

function auditChain(verdict: AuditVerdict): RuleResult {
  return verdict.ok
    ? { rule: 'audit-chain', subject: 'platform', status: 'pass', detail: `${verdict.entries} entries verify` }
    : {
      rule: 'audit-chain', subject: 'platform', status: 'fail', detail: `entry ${verdict.firstBadId} was ${verdict.reason}`,
      remediation: `run modelgate audit verify, restore the audit log from a backup or export, and find out who wrote to the database at entry ${verdict.firstBadId}`,
    };
}

export async function buildComplianceReport(inputs: ComplianceInputs): Promise<ComplianceReport> {
  const production: VersionRecord[] = [];
  for (const model of await allModels(inputs.registry)) {
    const v = await productionVersion(inputs.registry, model.name);
    if (v) production.push(v);
  }
  const rules: RuleResult[] = [];
  for (const v of production) rules.push(...await versionRules(inputs.registry, v));
  rules.push(predictionLogging(inputs, production, await inputs.endpoints()));
  rules.push(retention(inputs.config));
  rules.push(auditChain(await inputs.verifyAudit()));
  const passed = rules.filter((r) => r.status === 'pass').length;
  const failed = rules.filter((r) => r.status === 'fail').length;
  return {
    generatedAt: inputs.now,
    score: passed + failed === 0 ? 1 : Math.round((passed / (passed + failed)) * 1000) / 1000,
    passed, failed, notApplicable: rules.length - passed - failed,
    productionVersions: production.map((v) => ({ model: v.model, version: v.version })),
    rules,
  };
}

/** The report as Markdown, for a pull request or a wiki page. */
export function renderComplianceMarkdown(report: ComplianceReport): string {
  const mark = { pass: '✅ pass', fail: '❌ fail', 'not-applicable': '➖ n/a' } as const;
  const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const lines = [
    '# Compliance report', '',
    `Generated ${report.generatedAt}. Score **${(report.score * 100).toFixed(1)}%**: ${report.passed} passed, ${report.failed} failed, ${report.notApplicable} not applicable.`, '',
    `Production versions: ${report.productionVersions.length === 0 ? 'none' : report.productionVersions.map((v) => `${v.model} v${v.version}`).join(', ')}.`, '',
    '| rule | subject | result | detail | remediation |', '|---|---|---|---|---|',
    ...report.rules.map((r) => `| ${r.rule} | ${cell(r.subject)} | ${mark[r.status]} | ${cell(r.detail)} | ${cell(r.remediation ?? '')} |`),
  ];
  return `${lines.join('\n')}\n`;
}
