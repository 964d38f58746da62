/**
 * Domain records are deeply readonly; TypeBox's static types are mutable.
 * `wire()` bridges the two at the type level only, so a handler's return value
 * is still checked field by field against its response schema.
 */
export type Mutable<T> = T extends readonly (infer U)[]
  ? Mutable<U>[]
  : T extends (...args: never[]) => unknown
    ? T
    : T extends object
      ? { -readonly [K in keyof T]: Mutable<T[K]> }
      : T;

export function wire<T>(value: T): Mutable<T> {
  return value as Mutable<T>;
}

/** Same, for a pending value. */
export async function wired<T>(value: Promise<T>): Promise<Mutable<T>> {
  return wire(await value);
}
