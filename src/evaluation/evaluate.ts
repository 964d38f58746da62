/**
 * The whole `modelgate evaluate`: resolve the candidate and the baseline
 * (a version or an alias; an alias that does not exist yet means a first
 * version), evaluate both on the same data, run data-quality suites, diff
 * signatures, apply the gates and assemble the report. Storing the report as
 * evidence is a separate step (storeEvidence) so callers choose.
 */
import type { ColumnData, DatasetProgress } from '../data/dataset.ts';
import { loadSuite, runSuite, type SuiteResult } from '../data/suite.ts';
import type { Clock } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import type { CallContext, RegistryApi } from '../registry/api.ts';
import type { EvaluationRecord, VersionRecord } from '../store/registry-types.ts';
import type { GatesFile } from './gates-file.ts';
import { applyGates, type GateContext } from './gates.ts';
import type { ModelSource } from './model-source.ts';
import { evaluateVersion, type EvaluateOptions } from './run.ts';
import type { BaselineInfo, EvaluationReport } from './types.ts';

export interface EvaluationRequest {
  readonly registry: RegistryApi;
  readonly source: ModelSource;
  readonly clock: Clock;
  readonly model: string;
  readonly version: number | string;
  readonly file: string;
  readonly label: string;
  readonly baseline?: number | string;
  readonly gates?: GatesFile | null;
  readonly groupBy?: readonly string[];
  readonly onProgress?: (stage: 'candidate' | 'baseline', progress: DatasetProgress) => void;
  /** Passed through to the run (batch size, rows for checks, seed, timer). */
  readonly tuning?: Pick<EvaluateOptions, 'batchSize' | 'latencyRows' | 'checkRows' | 'noiseScale' | 'seed' | 'now'>;
}

async function resolveBaseline(registry: RegistryApi, model: string, ref: number | string | undefined): Promise<VersionRecord | null> {
  if (ref === undefined) return null;
  try {
    return await registry.getVersion(model, ref);
  } catch (err) {
    // An alias such as `production` that points nowhere yet: this is the first version.
    if (typeof ref === 'string' && isModelgateError(err, 'MG_REGISTRY_ALIAS_NOT_FOUND')) return null;
    throw err;
  }
}

export async function runEvaluation(req: EvaluationRequest): Promise<EvaluationReport> {
  const { registry, model } = req;
  const candidate = await registry.getVersion(model, req.version);
  const baselineVersion = await resolveBaseline(registry, model, req.baseline);
  const gates = req.gates ?? null;
  const groupBy = [...(req.groupBy ?? []), ...(gates?.gates ?? []).flatMap((g) => (g.kind === 'fairness' ? [g.groupBy] : []))];
  const suites = new Map<string, Awaited<ReturnType<typeof loadSuite>>>();
  for (const g of gates?.gates ?? []) if (g.kind === 'data_quality' && !suites.has(g.path)) suites.set(g.path, await loadSuite(g.path));
  let data: ColumnData | undefined;
  const result = await evaluateVersion({
    ...req.tuning, version: candidate, source: req.source, file: req.file, label: req.label, groupBy,
    onProgress: (p) => req.onProgress?.('candidate', p),
    onData: (d) => (data = d),
  });
  let baseline: BaselineInfo | null = null;
  let signature: GateContext['signature'];
  if (baselineVersion !== null) {
    const b = await evaluateVersion({
      ...req.tuning, version: baselineVersion, source: req.source, file: req.file, label: req.label, metricsOnly: true,
      onProgress: (p) => req.onProgress?.('baseline', p),
    });
    baseline = { version: baselineVersion.version, ref: String(req.baseline), metrics: b.metrics };
    const diff = await registry.compareVersions(model, baselineVersion.version, candidate.version);
    signature = diff.signature;
  }
  const dataQuality = new Map<string, SuiteResult>();
  for (const [path, suite] of suites) dataQuality.set(path, runSuite(suite, data!, req.clock));
  const applied = applyGates(gates, { candidate: result, baseline, ...(signature ? { signature } : {}), dataQuality });
  const [firstSuite] = dataQuality.values();
  return {
    kind: 'modelgate.evaluation',
    createdAt: req.clock.iso(),
    verdict: applied.verdict,
    summary: applied.summary,
    candidate: result,
    baseline,
    gates: applied.gates,
    ...(firstSuite !== undefined ? { dataQuality: firstSuite } : {}),
  };
}

/** Stores the report on the version, where a protected alias with requireEvaluation looks for a passing one. */
export function storeEvidence(registry: RegistryApi, report: EvaluationReport, ctx?: CallContext): Promise<EvaluationRecord> {
  return registry.addEvaluation(report.candidate.model, report.candidate.version, {
    verdict: report.verdict,
    report: JSON.parse(JSON.stringify(report)) as Record<string, unknown>,
  }, ctx);
}
