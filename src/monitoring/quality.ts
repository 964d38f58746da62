/**
 * Live quality from feedback: predictions joined to the true label or value
 * by request id, per version. Classification gives accuracy and F1 (binary:
 * of the positive class 1; multiclass: macro average); numeric truths on a
 * regressor give MAE.
 */
import type { LabelledPair } from '../store/prediction-store.ts';

export interface LiveQuality {
  readonly version: number;
  readonly count: number;
  readonly accuracy?: number;
  readonly f1?: number;
  readonly mae?: number;
}

function isRegression(pairs: readonly LabelledPair[]): boolean {
  return pairs.some((p) => typeof p.prediction === 'number' && !Number.isInteger(p.prediction));
}

function classification(version: number, pairs: readonly LabelledPair[]): LiveQuality {
  const classes = new Set<string>();
  let correct = 0;
  for (const p of pairs) {
    classes.add(String(p.feedback));
    classes.add(String(p.prediction));
    if (String(p.prediction) === String(p.feedback)) correct++;
  }
  const f1Of = (c: string): number => {
    let tp = 0, fp = 0, fn = 0;
    for (const p of pairs) {
      const pred = String(p.prediction) === c;
      const truth = String(p.feedback) === c;
      if (pred && truth) tp++;
      else if (pred) fp++;
      else if (truth) fn++;
    }
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  };
  const binary = classes.size <= 2 && [...classes].every((c) => c === '0' || c === '1');
  const f1 = binary ? f1Of('1') : [...classes].reduce((s, c) => s + f1Of(c), 0) / classes.size;
  return { version, count: pairs.length, accuracy: correct / pairs.length, f1 };
}

export function liveQuality(pairs: readonly LabelledPair[]): LiveQuality[] {
  const byVersion = new Map<number, LabelledPair[]>();
  for (const p of pairs) {
    let list = byVersion.get(p.version);
    if (list === undefined) byVersion.set(p.version, (list = []));
    list.push(p);
  }
  const out: LiveQuality[] = [];
  for (const [version, list] of [...byVersion].sort((a, b) => a[0] - b[0])) {
    if (isRegression(list)) {
      let sum = 0;
      for (const p of list) sum += Math.abs(Number(p.prediction) - Number(p.feedback));
      out.push({ version, count: list.length, mae: sum / list.length });
    } else out.push(classification(version, list));
  }
  return out;
}
