/** Side-by-side comparison of two versions: metrics, params, tags, lineage and signature. */
import type { VersionRecord } from '../store/registry-types.ts';
import type { ValueDiff, VersionComparison } from './api.ts';
import { diffSignatures } from './signature-diff.ts';

function diffMaps<T>(a: Readonly<Record<string, T>>, b: Readonly<Record<string, T>>, numeric: boolean): ValueDiff<T>[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.map((key) => {
    const va = Object.hasOwn(a, key) ? a[key] : undefined;
    const vb = Object.hasOwn(b, key) ? b[key] : undefined;
    const diff: ValueDiff<T> = { key, a: va, b: vb };
    if (numeric && typeof va === 'number' && typeof vb === 'number') return { ...diff, delta: vb - va };
    return diff;
  });
}

export function compareVersionRecords(a: VersionRecord, b: VersionRecord): VersionComparison {
  return {
    model: a.model,
    a: a.version,
    b: b.version,
    metrics: diffMaps(a.metrics, b.metrics, true),
    params: diffMaps(a.params, b.params, false),
    tags: diffMaps(a.tags, b.tags, false),
    lineage: diffMaps<unknown>(a.lineage as Record<string, unknown>, b.lineage as Record<string, unknown>, false),
    signature: diffSignatures(a.signature, b.signature, { a: a.features, b: b.features }),
  };
}
