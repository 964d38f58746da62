/**
 * Data-quality expectations with Great Expectations' semantics and result
 * shape: column expectations skip missing values (except not_null), count the
 * values that fail, and succeed when the share that passes reaches `mostly`
 * (default 1). Results carry element_count, unexpected_count,
 * unexpected_percent (of non-missing values) and the first 20 unexpected values.
 */
import type { Clock } from '../lib/clock.ts';
import { columnCells, type ColumnData } from './dataset.ts';

export type ValueType = 'number' | 'string' | 'boolean';
type Mostly = { readonly mostly?: number };

export type Expectation =
  | ({ readonly expect: 'not_null'; readonly column: string } & Mostly)
  | ({ readonly expect: 'between'; readonly column: string; readonly min?: number; readonly max?: number } & Mostly)
  | ({ readonly expect: 'in_set'; readonly column: string; readonly values: readonly (string | number | boolean)[] } & Mostly)
  | ({ readonly expect: 'unique'; readonly column: string } & Mostly)
  | ({ readonly expect: 'regex'; readonly column: string; readonly pattern: string } & Mostly)
  | ({ readonly expect: 'type'; readonly column: string; readonly type: ValueType } & Mostly)
  | { readonly expect: 'row_count_between'; readonly min?: number; readonly max?: number }
  | { readonly expect: 'column_list'; readonly columns: readonly string[]; readonly exact?: boolean }
  /** The newest timestamp in the column is at most maxAgeMs old; with mostly, that share of rows is. */
  | ({ readonly expect: 'freshness'; readonly column: string; readonly maxAgeMs: number } & Mostly);

export interface ExpectationResult {
  readonly expectation: Expectation;
  readonly success: boolean;
  readonly result: {
    readonly element_count: number;
    readonly missing_count: number;
    readonly unexpected_count: number;
    readonly unexpected_percent: number;
    readonly partial_unexpected_list: readonly (number | string | null)[];
    readonly observed_value?: number | string | readonly string[] | null;
    readonly details?: string;
  };
}

const PARTIAL = 20;
type Cell = number | string | null;

/** Reads a timestamp: ISO-like strings, or numbers as Unix seconds (below 1e11) or milliseconds. */
export function timestampMs(v: Cell): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? (Math.abs(v) < 1e11 ? v * 1000 : v) : undefined;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function typeOf(v: Cell): ValueType {
  if (typeof v === 'number') return 'number';
  return v === 'true' || v === 'false' ? 'boolean' : 'string';
}

function columnResult(expectation: Expectation & Mostly & { column: string }, values: readonly Cell[], failing: (v: Cell, i: number) => boolean, includeMissing = false): ExpectationResult {
  let missing = 0;
  let unexpected = 0;
  const partial: Cell[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === null && !includeMissing) {
      missing++;
      continue;
    }
    if (failing(v, i)) {
      unexpected++;
      if (partial.length < PARTIAL) partial.push(v);
    }
  }
  const evaluated = includeMissing ? values.length : values.length - missing;
  const percent = evaluated === 0 ? 0 : (100 * unexpected) / evaluated;
  const mostly = expectation.mostly ?? 1;
  const success = evaluated === 0 ? true : 1 - unexpected / evaluated >= mostly;
  return { expectation, success, result: { element_count: values.length, missing_count: includeMissing ? unexpected : missing, unexpected_count: unexpected, unexpected_percent: percent, partial_unexpected_list: partial } };
}

function tableResult(expectation: Expectation, data: ColumnData, success: boolean, observed: number | readonly string[], details?: string): ExpectationResult {
  return {
    expectation, success,
    result: { element_count: data.rows, missing_count: 0, unexpected_count: success ? 0 : 1, unexpected_percent: success ? 0 : 100, partial_unexpected_list: [], observed_value: observed, ...(details ? { details } : {}) },
  };
}

function missingColumn(expectation: Expectation, column: string, data: ColumnData): ExpectationResult {
  return tableResult(expectation, data, false, data.columns, `column "${column}" is not in the data set`);
}

export function checkExpectation(expectation: Expectation, data: ColumnData, clock: Clock): ExpectationResult {
  const e = expectation;
  switch (e.expect) {
    case 'row_count_between':
      return tableResult(e, data, data.rows >= (e.min ?? 0) && data.rows <= (e.max ?? Infinity), data.rows);
    case 'column_list': {
      const missing = e.columns.filter((c) => !data.columns.includes(c));
      const extra = e.exact ? data.columns.filter((c) => !e.columns.includes(c)) : [];
      const ordered = !e.exact || e.columns.every((c, i) => data.columns[i] === c);
      const problems = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unexpected ${extra.join(', ')}` : '', ordered ? '' : 'columns out of order'].filter(Boolean);
      return tableResult(e, data, problems.length === 0, data.columns, problems.join('; ') || undefined);
    }
    default:
      break;
  }
  const column = data.values[e.column];
  if (column === undefined) return missingColumn(e, e.column, data);
  const values = columnCells(column);
  switch (e.expect) {
    case 'not_null':
      return columnResult(e, values, (v) => v === null, true);
    case 'between':
      return columnResult(e, values, (v) => typeof v !== 'number' || v < (e.min ?? -Infinity) || v > (e.max ?? Infinity));
    case 'in_set': {
      const allowed = new Set(e.values.map(String));
      return columnResult(e, values, (v) => !allowed.has(String(v)));
    }
    case 'unique': {
      const counts = new Map<string, number>();
      for (const v of values) if (v !== null) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
      return columnResult(e, values, (v) => counts.get(String(v))! > 1);
    }
    case 'regex': {
      const re = new RegExp(e.pattern, 'u');
      return columnResult(e, values, (v) => !re.test(String(v)));
    }
    case 'type':
      return columnResult(e, values, (v) => typeOf(v) !== e.type);
    case 'freshness': {
      const now = clock.now();
      let latest = -Infinity;
      for (const v of values) {
        const t = timestampMs(v);
        if (t !== undefined && t > latest) latest = t;
      }
      const r = columnResult(e, values, (v) => {
        const t = timestampMs(v);
        return t === undefined || now - t > e.maxAgeMs;
      });
      const fresh = latest !== -Infinity && now - latest <= e.maxAgeMs;
      const success = e.mostly === undefined ? fresh : r.success;
      const observed = latest === -Infinity ? null : new Date(latest).toISOString();
      return { ...r, success, result: { ...r.result, observed_value: observed, details: `newest ${observed ?? 'none'}, ${latest === -Infinity ? 'no timestamps' : `${Math.round((now - latest) / 1000)}s old`}` } };
    }
  }
}
