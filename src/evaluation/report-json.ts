/** The JSON report: the EvaluationReport itself, stable key order, for machines and for stored evidence. */
import type { EvaluationReport } from './types.ts';

export function renderJson(report: EvaluationReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
