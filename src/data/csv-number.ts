/**
 * Numbers straight from CSV bytes. Plain decimals (sign, at most 15
 * significant digits, a point, an exponent that keeps the power of ten within
 * 10^±22) are computed as one exact integer times or divided by an exact
 * power of ten, which IEEE-754 rounds correctly, so the result is the very
 * double Number() gives (Clinger's fast path). Anything else returns
 * undefined and the caller decodes the text and takes the general route.
 */

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const ZERO = 48;
const NINE = 57;
const MINUS = 45;
const PLUS = 43;
const POINT = 46;

/**
 * Reads a plain decimal from `start` up to the first byte that cannot belong
 * to one, so that a CSV scanner parses a numeric field in the same pass that
 * finds its end. `scan` returns the number, or undefined when the bytes are
 * not a plain decimal the fast path can take; `end` tells where it stopped.
 */
export class NumberScan {
  end = 0;

  scan(bytes: Uint8Array, start: number, limit: number): number | undefined {
    let i = start;
    let negative = false;
    let c = bytes[i];
    if (c === MINUS) {
      negative = true;
      i++;
    } else if (c === PLUS) i++;
    let mantissa = 0;
    let significant = 0;
    let digits = 0;
    let scale = 0;
    for (; i < limit; i++) {
      c = bytes[i]!;
      if (c < ZERO || c > NINE) break;
      digits++;
      if (mantissa !== 0 || c !== ZERO) significant++;
      mantissa = mantissa * 10 + (c - ZERO);
    }
    if (i < limit && bytes[i] === POINT) {
      for (i++; i < limit; i++) {
        c = bytes[i]!;
        if (c < ZERO || c > NINE) break;
        digits++;
        scale++;
        if (mantissa !== 0 || c !== ZERO) significant++;
        mantissa = mantissa * 10 + (c - ZERO);
      }
    }
    this.end = i;
    if (digits === 0 || significant > 15) return undefined;
    let exponent = 0;
    if (i < limit && (bytes[i] === 101 || bytes[i] === 69)) {
      i++;
      let expNegative = false;
      if (bytes[i] === MINUS) {
        expNegative = true;
        i++;
      } else if (bytes[i] === PLUS) i++;
      const expStart = i;
      for (; i < limit; i++) {
        c = bytes[i]!;
        if (c < ZERO || c > NINE || exponent > 1000) break;
        exponent = exponent * 10 + (c - ZERO);
      }
      this.end = i;
      if (i === expStart) return undefined;
      if (expNegative) exponent = -exponent;
    }
    const e10 = exponent - scale;
    let value: number;
    if (mantissa === 0) value = 0;
    else if (e10 >= 0 && e10 <= 22) value = mantissa * POW10[e10]!;
    else if (e10 < 0 && e10 >= -22) value = mantissa / POW10[-e10]!;
    else return undefined;
    return negative ? -value : value;
  }
}

const shared = new NumberScan();

/** The number in bytes [start, end), or undefined when it is not a plain decimal the fast path can take. */
export function fastNumber(bytes: Uint8Array, start: number, end: number): number | undefined {
  const v = shared.scan(bytes, start, end);
  return shared.end === end ? v : undefined;
}
