/** The human view of one version, shared by `versions show` and `versions register`. */
import type { TensorSpec, VersionRecord } from '../store/registry-types.ts';
import { bytes, cell, pairs, type Printer } from './output.ts';

function shape(spec: TensorSpec): string {
  if (spec.datatype === null) return spec.kind ?? 'non-tensor';
  return `[${(spec.shape ?? []).map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

export function describeVersion(printer: Printer, v: VersionRecord): void {
  const features = v.features ?? [];
  printer.fields([
    ['model', v.model],
    ['version', v.version],
    ['status', v.statusReason ? `${v.status} (${v.statusReason})` : v.status],
    ['description', v.description],
    ['artifact', `${v.artifact.fileName ?? 'model.onnx'} ${bytes(v.artifact.size)} sha256:${v.artifact.sha256}`],
    ['producer', `${v.signature.producer.name} ${v.signature.producer.version}`.trim()],
    ['opsets', v.signature.opsets.map((o) => `${o.domain || 'ai.onnx'}:${o.version}`).join(', ')],
    ['features', features.length > 8 ? `${features.slice(0, 8).join(', ')}, … (${features.length})` : features.join(', ')],
    ['tags', pairs(v.tags)],
    ['params', pairs(v.params)],
    ['lineage', pairs({ ...v.lineage })],
    ['profile', v.referenceProfile ? `${v.referenceProfile.rows} rows, ${Object.keys(v.referenceProfile.features).length} features` : ''],
    ['model card', v.modelCard ? `${v.modelCard.split('\n').length} lines` : ''],
    ['created', `${v.createdAt} by ${v.createdBy}`],
  ]);
  printer.line();
  printer.table(['io', 'name', 'datatype', 'shape'], [
    ...v.signature.inputs.map((s) => ['input', s.name, s.datatype ?? '-', shape(s)]),
    ...v.signature.outputs.map((s) => ['output', s.name, s.datatype ?? '-', shape(s)]),
  ]);
  const metrics = Object.entries(v.metrics);
  if (metrics.length > 0) {
    printer.line();
    printer.table(['metric', 'value'], metrics.map(([k, n]) => [k, cell(n)]));
  }
}
