/**
 * Signature diff between two versions, classified the way a caller feels it:
 * a change that can make an existing request fail (an input removed, renamed
 * or added, a datatype or fixed dimension changed, an output removed) is
 * breaking; one that cannot (a new output, a fixed batch becoming symbolic)
 * is compatible.
 */
import type { Signature, TensorSpec } from '../store/registry-types.ts';
import type { SignatureChange } from './api.ts';

type Dim = number | string | null;

function fmtShape(shape: readonly Dim[] | null): string {
  return shape === null ? 'unknown' : `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

function fmtType(t: TensorSpec): string {
  return t.datatype ?? t.kind ?? 'non-tensor';
}

function sameLayout(a: TensorSpec, b: TensorSpec): boolean {
  return fmtType(a) === fmtType(b) && fmtShape(a.shape) === fmtShape(b.shape);
}

/** Changes to one tensor present in both versions. */
function diffTensor(role: 'input' | 'output', a: TensorSpec, b: TensorSpec): SignatureChange[] {
  const out: SignatureChange[] = [];
  if (fmtType(a) !== fmtType(b)) {
    out.push({ kind: 'breaking', detail: `${role} "${a.name}" datatype changed from ${fmtType(a)} to ${fmtType(b)}` });
  }
  if (a.shape === null || b.shape === null) {
    if (a.shape !== b.shape) out.push({ kind: 'compatible', detail: `${role} "${a.name}" shape ${fmtShape(a.shape)} → ${fmtShape(b.shape)}` });
    return out;
  }
  if (a.shape.length !== b.shape.length) {
    out.push({ kind: 'breaking', detail: `${role} "${a.name}" rank changed: ${fmtShape(a.shape)} → ${fmtShape(b.shape)}` });
    return out;
  }
  a.shape.forEach((da, i) => {
    const db = b.shape![i];
    if (da === db) return;
    const fixedA = typeof da === 'number';
    const fixedB = typeof db === 'number';
    if (fixedA && fixedB) {
      out.push({ kind: 'breaking', detail: `${role} "${a.name}" dimension ${i} changed from ${da} to ${db}` });
    } else if (fixedA !== fixedB && i === 0) {
      out.push({ kind: 'compatible', detail: `${role} "${a.name}" batch dimension ${fmtShape(a.shape)} → ${fmtShape(b.shape)}` });
    } else if (fixedA && !fixedB) {
      out.push({ kind: 'compatible', detail: `${role} "${a.name}" dimension ${i} became symbolic (${String(db ?? '?')})` });
    } else if (!fixedA && fixedB) {
      out.push({ kind: 'breaking', detail: `${role} "${a.name}" dimension ${i} became fixed at ${db}` });
    } else {
      out.push({ kind: 'compatible', detail: `${role} "${a.name}" symbolic dimension ${i} renamed ${String(da)} → ${String(db)}` });
    }
  });
  return out;
}

function diffSide(role: 'input' | 'output', a: readonly TensorSpec[], b: readonly TensorSpec[]): SignatureChange[] {
  const out: SignatureChange[] = [];
  const inB = new Map(b.map((t) => [t.name, t]));
  const inA = new Map(a.map((t) => [t.name, t]));
  const removed = a.filter((t) => !inB.has(t.name));
  const added = b.filter((t) => !inA.has(t.name));
  for (const t of a) {
    const other = inB.get(t.name);
    if (other) out.push(...diffTensor(role, t, other));
  }
  const matchedAdds = new Set<TensorSpec>();
  for (const t of removed) {
    const renamed = added.find((n) => !matchedAdds.has(n) && sameLayout(t, n));
    if (renamed) {
      matchedAdds.add(renamed);
      out.push({ kind: 'breaking', detail: `${role} "${t.name}" renamed to "${renamed.name}"` });
    } else {
      out.push({ kind: 'breaking', detail: `${role} "${t.name}" removed` });
    }
  }
  for (const t of added) {
    if (matchedAdds.has(t)) continue;
    out.push(role === 'input'
      ? { kind: 'breaking', detail: `input "${t.name}" added; existing requests do not send it` }
      : { kind: 'compatible', detail: `output "${t.name}" added` });
  }
  return out;
}

function diffFeatures(a: readonly string[] | null, b: readonly string[] | null): SignatureChange[] {
  if (a === null || b === null) return [];
  if (a.length === b.length && a.every((f, i) => f === b[i])) return [];
  const removed = a.filter((f) => !b.includes(f));
  const added = b.filter((f) => !a.includes(f));
  const detail = removed.length || added.length
    ? `feature names changed (removed: ${removed.join(', ') || 'none'}; added: ${added.join(', ') || 'none'})`
    : 'feature order changed';
  return [{ kind: 'breaking', detail }];
}

/** Classifies every difference between two signatures (and feature lists) as compatible or breaking. */
export function diffSignatures(
  a: Signature,
  b: Signature,
  features: { a: readonly string[] | null; b: readonly string[] | null } = { a: null, b: null },
): { verdict: 'compatible' | 'breaking'; changes: SignatureChange[] } {
  const changes = [
    ...diffSide('input', a.inputs, b.inputs),
    ...diffSide('output', a.outputs, b.outputs),
    ...diffFeatures(features.a, features.b),
  ];
  return { verdict: changes.some((c) => c.kind === 'breaking') ? 'breaking' : 'compatible', changes };
}
