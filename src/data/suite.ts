/**
 * Expectation suites: YAML files users keep in Git (unknown keys are errors
 * naming the key and the file), running a suite over a data set, and
 * inferring a starting suite from a data set (`modelgate data infer-suite`).
 *
 *   expectations:
 *     - { expect: not_null, column: age, mostly: 0.99 }
 *     - { expect: between, column: age, min: 0, max: 120 }
 *     - { expect: freshness, column: updated_at, max_age: 1d }
 */
import { readFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import type { Clock } from '../lib/clock.ts';
import { formatDuration, parseDuration } from '../lib/duration.ts';
import { fail } from '../lib/errors.ts';
import { columnCells, type ColumnData } from './dataset.ts';
import { checkExpectation, type Expectation, type ExpectationResult } from './expectations.ts';

export interface Suite {
  readonly name?: string;
  readonly expectations: readonly Expectation[];
}

export interface SuiteResult {
  readonly success: boolean;
  readonly statistics: { readonly evaluated_expectations: number; readonly successful_expectations: number; readonly unsuccessful_expectations: number; readonly success_percent: number };
  readonly results: readonly ExpectationResult[];
}

const KEYS: Readonly<Record<Expectation['expect'], { required: readonly string[]; optional: readonly string[] }>> = {
  not_null: { required: ['column'], optional: ['mostly'] },
  between: { required: ['column'], optional: ['min', 'max', 'mostly'] },
  in_set: { required: ['column', 'values'], optional: ['mostly'] },
  unique: { required: ['column'], optional: ['mostly'] },
  regex: { required: ['column', 'pattern'], optional: ['mostly'] },
  type: { required: ['column', 'type'], optional: ['mostly'] },
  row_count_between: { required: [], optional: ['min', 'max'] },
  column_list: { required: ['columns'], optional: ['exact'] },
  freshness: { required: ['column', 'max_age'], optional: ['mostly'] },
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseExpectation(file: string, raw: unknown, i: number): Expectation {
  const where = `expectations[${i}]`;
  const bad = (detail: string): never => fail('MG_DATA_SUITE_INVALID', { file, detail: `${where}: ${detail}` });
  if (!isRecord(raw)) return bad('must be a mapping');
  const kind = raw.expect;
  if (typeof kind !== 'string' || !(kind in KEYS)) return bad(`unknown expectation "${String(kind)}"; use ${Object.keys(KEYS).join(', ')}`);
  const spec = KEYS[kind as Expectation['expect']];
  for (const key of Object.keys(raw)) if (key !== 'expect' && !spec.required.includes(key) && !spec.optional.includes(key)) bad(`unknown key "${key}" for ${kind}`);
  for (const key of spec.required) if (raw[key] === undefined) bad(`${kind} needs "${key}"`);
  const num = (key: string): number | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : bad(`"${key}" must be a number`);
  };
  const mostly = num('mostly');
  if (mostly !== undefined && (mostly < 0 || mostly > 1)) bad('"mostly" must be between 0 and 1');
  if (raw.column !== undefined && typeof raw.column !== 'string') bad('"column" must be a string');
  const column = raw.column as string;
  const m = mostly !== undefined ? { mostly } : {};
  switch (kind as Expectation['expect']) {
    case 'not_null':
    case 'unique':
      return { expect: kind as 'not_null' | 'unique', column, ...m };
    case 'between':
      return { expect: 'between', column, ...(num('min') !== undefined ? { min: num('min') } : {}), ...(num('max') !== undefined ? { max: num('max') } : {}), ...m };
    case 'in_set':
      if (!Array.isArray(raw.values) || raw.values.some((v) => v === null || typeof v === 'object')) bad('"values" must be a list of scalars');
      return { expect: 'in_set', column, values: raw.values as (string | number | boolean)[], ...m };
    case 'regex':
      if (typeof raw.pattern !== 'string') bad('"pattern" must be a string');
      try {
        new RegExp(raw.pattern as string, 'u');
      } catch (err) {
        bad(`"pattern" is not a valid regular expression: ${(err as Error).message}`);
      }
      return { expect: 'regex', column, pattern: raw.pattern as string, ...m };
    case 'type':
      if (raw.type !== 'number' && raw.type !== 'string' && raw.type !== 'boolean') bad('"type" must be number, string or boolean');
      return { expect: 'type', column, type: raw.type as 'number' | 'string' | 'boolean', ...m };
    case 'row_count_between':
      return { expect: 'row_count_between', ...(num('min') !== undefined ? { min: num('min') } : {}), ...(num('max') !== undefined ? { max: num('max') } : {}) };
    case 'column_list':
      if (!Array.isArray(raw.columns) || raw.columns.some((c) => typeof c !== 'string')) bad('"columns" must be a list of names');
      if (raw.exact !== undefined && typeof raw.exact !== 'boolean') bad('"exact" must be true or false');
      return { expect: 'column_list', columns: raw.columns as string[], ...(raw.exact !== undefined ? { exact: raw.exact as boolean } : {}) };
    case 'freshness': {
      const maxAgeMs = parseDuration(raw.max_age as string | number) ?? bad(`"max_age" must be a duration such as 30m, 6h or 2d`);
      return { expect: 'freshness', column, maxAgeMs, ...m };
    }
  }
}

/** Validates a parsed suite document. */
export function parseSuite(file: string, doc: unknown): Suite {
  if (!isRecord(doc)) fail('MG_DATA_SUITE_INVALID', { file, detail: 'the top level must be a mapping with "expectations"' });
  for (const key of Object.keys(doc)) if (key !== 'name' && key !== 'expectations') fail('MG_DATA_SUITE_INVALID', { file, detail: `unknown key "${key}"` });
  if (doc.name !== undefined && typeof doc.name !== 'string') fail('MG_DATA_SUITE_INVALID', { file, detail: '"name" must be a string' });
  if (!Array.isArray(doc.expectations)) fail('MG_DATA_SUITE_INVALID', { file, detail: '"expectations" must be a list' });
  const expectations = doc.expectations.map((e, i) => parseExpectation(file, e, i));
  return { ...(doc.name !== undefined ? { name: doc.name as string } : {}), expectations };
}

export async function loadSuite(file: string): Promise<Suite> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return fail('MG_DATA_SUITE_INVALID', { file, detail: (err as NodeJS.ErrnoException).code ?? String(err) }, { cause: err });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return fail('MG_DATA_SUITE_INVALID', { file, detail: `not valid YAML: ${(err as Error).message}` }, { cause: err });
  }
  return parseSuite(file, doc);
}

export function runSuite(suite: Suite, data: ColumnData, clock: Clock): SuiteResult {
  const results = suite.expectations.map((e) => checkExpectation(e, data, clock));
  const ok = results.filter((r) => r.success).length;
  return {
    success: ok === results.length,
    statistics: { evaluated_expectations: results.length, successful_expectations: ok, unsuccessful_expectations: results.length - ok, success_percent: results.length === 0 ? 100 : (100 * ok) / results.length },
    results,
  };
}

/** A starting suite that the given data set passes: its columns, row count range, nulls, ranges, small category sets, unique keys. */
export function inferSuite(data: ColumnData, name?: string): Suite {
  const expectations: Expectation[] = [
    { expect: 'column_list', columns: data.columns, exact: true },
    { expect: 'row_count_between', min: Math.floor(data.rows / 2), max: data.rows * 2 },
  ];
  for (const column of data.columns) {
    const values = columnCells(data.values[column]!);
    const present = values.filter((v) => v !== null);
    if (present.length === values.length) expectations.push({ expect: 'not_null', column });
    else if (present.length > 0) expectations.push({ expect: 'not_null', column, mostly: Math.floor((100 * present.length) / values.length) / 100 });
    if (present.length === 0) continue;
    const numeric = present.every((v) => typeof v === 'number');
    expectations.push({ expect: 'type', column, type: numeric ? 'number' : present.every((v) => v === 'true' || v === 'false') ? 'boolean' : 'string' });
    const distinct = new Set(present);
    if (numeric) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of present as number[]) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expectations.push({ expect: 'between', column, min, max });
    } else if (distinct.size <= 20) {
      expectations.push({ expect: 'in_set', column, values: [...distinct].map(String).sort() });
    }
    if (!numeric && distinct.size === present.length && present.length > 20) expectations.push({ expect: 'unique', column });
  }
  return { ...(name !== undefined ? { name } : {}), expectations };
}

/** YAML text of a suite, in the file format loadSuite reads. */
export function suiteToYaml(suite: Suite): string {
  const expectations = suite.expectations.map((e) => (e.expect === 'freshness' ? (({ maxAgeMs, ...rest }) => ({ ...rest, max_age: formatDuration(maxAgeMs) }))(e) : e));
  return stringify({ ...(suite.name !== undefined ? { name: suite.name } : {}), expectations });
}
