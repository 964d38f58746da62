/**
 * Opaque pagination cursors shared by both stores: base64url JSON holding the
 * ordering the page was read with and the sort key of its last item, so the
 * next page starts strictly after it (keyset pagination, stable under inserts).
 */
import { fail } from '../lib/errors.ts';

export type CursorKey = readonly (string | number)[];

interface CursorBody {
  readonly o: string;
  readonly d: 0 | 1;
  readonly k: CursorKey;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export function encodeCursor(order: string, descending: boolean, key: CursorKey): string {
  const body: CursorBody = { o: order, d: descending ? 1 : 0, k: key };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by encodeCursor for the same ordering; anything else
 * (garbage, another ordering, a key of the wrong shape) is MG_REGISTRY_INVALID_CURSOR.
 */
export function decodeCursor(cursor: string, order: string, descending: boolean, shape: readonly ('string' | 'number')[]): CursorKey {
  const invalid = (): never => fail('MG_REGISTRY_INVALID_CURSOR', { cursor });
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) invalid();
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return invalid();
  }
  if (typeof body !== 'object' || body === null) return invalid();
  const { o, d, k } = body as Partial<CursorBody>;
  if (o !== order || d !== (descending ? 1 : 0) || !Array.isArray(k) || k.length !== shape.length) return invalid();
  for (let i = 0; i < shape.length; i++) {
    const value: unknown = k[i];
    if (typeof value !== shape[i] || (typeof value === 'number' && !Number.isFinite(value))) invalid();
  }
  return k;
}

/** The page size to use: default 100, at most 1000; anything but a positive integer is refused. */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1) fail('MG_VALIDATION_FAILED', { location: 'limit', detail: `${limit} is not a positive integer` });
  return Math.min(limit, MAX_PAGE_SIZE);
}
