/**
 * Sorting of numeric samples for the drift tests. Large samples are sorted by
 * an LSD radix sort on the IEEE-754 bit patterns (six 11-bit digits, passes
 * whose digit never varies skipped), about twice as fast as the built-in
 * typed-array sort on a million values; small ones use the built-in sort.
 * Both give the same order for finite values (−0 before +0), so a test's
 * result does not depend on which one ran.
 */

const RADIX_FROM = 4096;
const BITS = 11;
const BUCKETS = 1 << BITS;
const MASK = BUCKETS - 1;

/** The finite values of a sample, in their original order, as a Float64Array (a Float64Array with nothing to drop is returned as it is). */
export function finiteValues(values: ArrayLike<unknown>): Float64Array {
  if (values instanceof Float64Array) return finiteNumbers(values);
  const out = new Float64Array(values.length);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && v - v === 0) out[at++] = v;
  }
  return at === out.length ? out : out.slice(0, at);
}

/** The array itself when every value is finite (callers only read it), else a copy without the others. */
function finiteNumbers(values: Float64Array): Float64Array {
  let all = true;
  for (let i = 0; i < values.length && all; i++) all = values[i]! - values[i]! === 0;
  if (all) return values;
  const out = new Float64Array(values.length);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v - v === 0) out[at++] = v;
  }
  return at === out.length ? out : out.slice(0, at);
}

/** A sorted copy of finite values (NaN must not be present). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const copy = Float64Array.from(values);
  return copy.length < RADIX_FROM ? copy.sort() : radixSorted(copy);
}

/** Maps each double to an unsigned key whose order is the numeric order (negative: every bit flipped; positive: sign bit set) and counts each digit. */
function toKeys(words: Uint32Array, lo: Uint32Array, hi: Uint32Array, count: Uint32Array): void {
  for (let i = 0; i < lo.length; i++) {
    let l = words[2 * i]!;
    let h = words[2 * i + 1]!;
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else h = (h | 0x80000000) >>> 0;
    lo[i] = l;
    hi[i] = h;
    count[l & MASK]!++;
    count[BUCKETS + ((l >>> 11) & MASK)]!++;
    count[2 * BUCKETS + ((l >>> 22) | ((h & 1) << 10))]!++;
    count[3 * BUCKETS + ((h >>> 1) & MASK)]!++;
    count[4 * BUCKETS + ((h >>> 12) & MASK)]!++;
    count[5 * BUCKETS + (h >>> 23)]!++;
  }
}

/** Turns a pass's digit counts into start offsets; false when every key has the same digit (the pass changes nothing). */
function offsets(count: Uint32Array, base: number, n: number): boolean {
  let sum = 0;
  for (let d = 0; d < BUCKETS; d++) {
    const c = count[base + d]!;
    if (c === n) return false;
    count[base + d] = sum;
    sum += c;
  }
  return true;
}

/** One stable counting pass on the digit `(keys >>> shift) & MASK` (keys: one of the two words). */
function scatterWord(keys: Uint32Array, shift: number, lo: Uint32Array, hi: Uint32Array, lo2: Uint32Array, hi2: Uint32Array, count: Uint32Array, base: number): void {
  for (let i = 0; i < lo.length; i++) {
    const p = count[base + ((keys[i]! >>> shift) & MASK)]!++;
    lo2[p] = lo[i]!;
    hi2[p] = hi[i]!;
  }
}

/** The counting pass whose digit straddles the two words (bits 22 to 32). */
function scatterMiddle(lo: Uint32Array, hi: Uint32Array, lo2: Uint32Array, hi2: Uint32Array, count: Uint32Array, base: number): void {
  for (let i = 0; i < lo.length; i++) {
    const l = lo[i]!;
    const h = hi[i]!;
    const p = count[base + ((l >>> 22) | ((h & 1) << 10))]!++;
    lo2[p] = l;
    hi2[p] = h;
  }
}

function fromKeys(lo: Uint32Array, hi: Uint32Array, words: Uint32Array): void {
  for (let i = 0; i < lo.length; i++) {
    let l = lo[i]!;
    let h = hi[i]!;
    if (h & 0x80000000) h = (h & 0x7fffffff) >>> 0;
    else {
      h = ~h >>> 0;
      l = ~l >>> 0;
    }
    words[2 * i] = l;
    words[2 * i + 1] = h;
  }
}

/** Radix sort; the input array is read, never changed. */
export function radixSorted(values: Float64Array): Float64Array {
  const n = values.length;
  // Copy so that the Uint32 view is aligned whatever offset the input has.
  const words = new Uint32Array(Float64Array.from(values).buffer);
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  const count = new Uint32Array(BUCKETS * 6);
  toKeys(words, lo, hi, count);
  let lo2 = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  for (let pass = 0; pass < 6; pass++) {
    const base = pass * BUCKETS;
    if (!offsets(count, base, n)) continue;
    if (pass === 2) scatterMiddle(lo, hi, lo2, hi2, count, base);
    // The other digits lie within one word: the low word for passes 0 and 1, the high one for 3 to 5.
    else if (pass < 2) scatterWord(lo, pass * BITS, lo, hi, lo2, hi2, count, base);
    else scatterWord(hi, (pass - 3) * BITS + 1, lo, hi, lo2, hi2, count, base);
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
  }
  const out = new Float64Array(n);
  fromKeys(lo, hi, new Uint32Array(out.buffer));
  return out;
}
