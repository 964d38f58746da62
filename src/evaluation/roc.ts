/**
 * Binary scores grouped by distinct value: one sort of the positives' and one
 * of the negatives' scores (typed, radix for large samples) serves both the
 * ROC AUC (the Mann–Whitney statistic with mid-ranks for ties) and the ROC
 * curve, with no object per row.
 */
import { sortedCopy } from '../drift/sort.ts';
import { fail } from '../lib/errors.ts';

/** Distinct scores in ascending order, with how many positives and negatives hold each. */
export interface ScoreGroups {
  readonly groups: number;
  readonly positives: Uint32Array;
  readonly negatives: Uint32Array;
}

/** `positive[i]` truthy: row i is of the positive class. */
export function scoreGroups(positive: ArrayLike<boolean | number>, scores: ArrayLike<number>): ScoreGroups {
  const n = scores.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) nPos++;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(n - nPos);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    if (positive[i]) pos[p++] = scores[i]!;
    else neg[q++] = scores[i]!;
  }
  const ps = sortedCopy(pos);
  const ns = sortedCopy(neg);
  const positives = new Uint32Array(n);
  const negatives = new Uint32Array(n);
  let groups = 0;
  let i = 0;
  let j = 0;
  while (i < ps.length || j < ns.length) {
    // Equal scores (−0 and +0 too) form one group, as a comparison sort sees them.
    const a = i < ps.length ? ps[i]! : NaN;
    const b = j < ns.length ? ns[j]! : NaN;
    const v = Number.isNaN(b) || a <= b ? a : b;
    let p = 0;
    let q = 0;
    while (i < ps.length && ps[i] === v) {
      i++;
      p++;
    }
    while (j < ns.length && ns[j] === v) {
      j++;
      q++;
    }
    if (p === 0 && q === 0) {
      // NaN equals nothing: each one is a group of its own, after every number.
      if (i < ps.length) {
        i++;
        p++;
      } else {
        j++;
        q++;
      }
    }
    positives[groups] = p;
    negatives[groups] = q;
    groups++;
  }
  return { groups, positives, negatives };
}

/** Area under the ROC curve: (sum of the positives' mid-ranks − nPos(nPos+1)/2) / (nPos·nNeg). */
export function aucFromGroups(g: ScoreGroups): number {
  let rankSum = 0;
  let nPos = 0;
  let at = 0;
  for (let k = 0; k < g.groups; k++) {
    const size = g.positives[k]! + g.negatives[k]!;
    const midRank = (at + 1 + at + size) / 2;
    // Added once per positive, so that the sum is the one a per-row pass gives.
    for (let p = g.positives[k]!; p > 0; p--) rankSum += midRank;
    nPos += g.positives[k]!;
    at += size;
  }
  const nNeg = at - nPos;
  if (nPos === 0 || nNeg === 0) fail('MG_EVAL_METRIC_UNDEFINED', { metric: 'roc_auc', detail: 'only one class is present in the labels' });
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** The ROC curve from the highest score down, one point per distinct score, thinned evenly to at most `maxPoints`. */
export function rocFromGroups(g: ScoreGroups, maxPoints = 200): { fpr: number[]; tpr: number[] } {
  let P = 0;
  let N = 0;
  for (let k = 0; k < g.groups; k++) {
    P += g.positives[k]!;
    N += g.negatives[k]!;
  }
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  for (let k = g.groups - 1; k >= 0; k--) {
    tp += g.positives[k]!;
    fp += g.negatives[k]!;
    fpr.push(N === 0 ? 0 : fp / N);
    tpr.push(P === 0 ? 0 : tp / P);
  }
  if (fpr.length <= maxPoints) return { fpr, tpr };
  const step = (fpr.length - 1) / (maxPoints - 1);
  const idx = Array.from({ length: maxPoints }, (_, i) => Math.round(i * step));
  return { fpr: idx.map((i) => fpr[i]!), tpr: idx.map((i) => tpr[i]!) };
}
