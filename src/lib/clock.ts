/** Time and randomness are injected so controllers and statistics can be tested without sleeping. */

export interface Clock {
  now(): number;
  /** ISO-8601 string of now(). */
  iso(): string;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  iso: () => new Date().toISOString(),
};

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  #now: number;
  constructor(start: number | string = '2026-01-01T00:00:00.000Z') {
    this.#now = typeof start === 'number' ? start : Date.parse(start);
  }
  now(): number {
    return this.#now;
  }
  iso(): string {
    return new Date(this.#now).toISOString();
  }
  advance(ms: number): void {
    this.#now += ms;
  }
  set(time: number | string): void {
    this.#now = typeof time === 'number' ? time : Date.parse(time);
  }
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

/** Mulberry32: small, fast, seeded; good enough for sampling and noise, not for secrets. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
