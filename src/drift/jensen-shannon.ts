/**
 * Jensen–Shannon distance between two discrete distributions, as
 * scipy.spatial.distance.jensenshannon computes it: both normalised to sum to
 * one, natural logarithm by default, the square root of the divergence.
 */
function relEntr(x: number, y: number): number {
  if (x === 0) return 0;
  if (x > 0 && y > 0) return x * Math.log(x / y);
  return Infinity;
}

export function jensenShannon(p: readonly number[], q: readonly number[], base?: number): number {
  const ps = p.reduce((s, v) => s + v, 0);
  const qs = q.reduce((s, v) => s + v, 0);
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]! / ps;
    const b = q[i]! / qs;
    const m = (a + b) / 2;
    js += relEntr(a, m) + relEntr(b, m);
  }
  if (base !== undefined) js /= Math.log(base);
  return Math.sqrt(js / 2);
}
