/** Population stability index over binned shares: Σ (ref − cur) · ln(ref / cur), Evidently's formula. */
export function psi(reference: readonly number[], current: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i]!;
    const c = current[i]!;
    sum += (r - c) * Math.log(r / c);
  }
  return sum;
}
