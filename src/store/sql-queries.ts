/**
 * The list queries of the registry store (models, versions, history), built
 * once for both dialects: filters, ordering with a unique tie-breaker, keyset
 * pagination from the cursor, and one extra row to know whether a next page
 * exists. Parameters are bound positionally in the order the SQL names them.
 */
import { decodeCursor, encodeCursor, pageSize } from './cursor.ts';
import type { CursorKey } from './cursor.ts';
import type { HistoryEvent, HistoryQuery, ModelQuery, ModelRecord, VersionQuery, VersionRecord } from './registry-types.ts';
import type { SqlDialect, SqlValue } from './sql-driver.ts';
import { isoTime } from './rows.ts';

export interface ListSql<T> {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  /** Items per page; the query asks for one more. */
  readonly limit: number;
  /** The cursor that continues after this item. */
  cursorAfter(item: T): string;
}

class Builder {
  readonly where: string[] = [];
  readonly params: SqlValue[] = [];
  add(clause: string, ...values: SqlValue[]): void {
    this.where.push(clause);
    this.params.push(...values);
  }
  whereSql(): string {
    return this.where.length ? `WHERE ${this.where.join(' AND ')}` : '';
  }
}

function tagFilters(b: Builder, d: SqlDialect, column: string, tags: Readonly<Record<string, string>> | undefined): void {
  for (const [key, value] of Object.entries(tags ?? {})) b.add(`${d.jsonText(column)} = ?`, key, value);
}

/** `(a, b) > (?, ?)` continues after the cursor's key in the page's direction. */
function after(b: Builder, columns: readonly string[], key: CursorKey, descending: boolean, keyParams: readonly SqlValue[] = []): void {
  const marks = key.map(() => '?').join(', ');
  b.add(`(${columns.join(', ')}) ${descending ? '<' : '>'} (${marks})`, ...keyParams, ...key);
}

export function listModelsSql(d: SqlDialect, q: ModelQuery): ListSql<ModelRecord> {
  const orderBy = q.orderBy ?? 'name';
  const descending = q.descending ?? false;
  const b = new Builder();
  if (q.prefix) b.add('substr(name, 1, ?) = ?', q.prefix.length, q.prefix);
  tagFilters(b, d, 'tags', q.tag);
  const columns = orderBy === 'name' ? ['name'] : [orderBy === 'createdAt' ? 'created_at' : 'updated_at', 'name'];
  const keyOf = (m: ModelRecord): CursorKey => (orderBy === 'name' ? [m.name] : [orderBy === 'createdAt' ? m.createdAt : m.updatedAt, m.name]);
  if (q.cursor) after(b, columns, decodeCursor(q.cursor, orderBy, descending, columns.map(() => 'string')), descending);
  const limit = pageSize(q.limit);
  const dir = descending ? 'DESC' : 'ASC';
  return {
    sql: `SELECT * FROM models ${b.whereSql()} ORDER BY ${columns.map((c) => `${c} ${dir}`).join(', ')} LIMIT ?`,
    params: [...b.params, limit + 1],
    limit,
    cursorAfter: (m) => encodeCursor(orderBy, descending, keyOf(m)),
  };
}

export function listVersionsSql(d: SqlDialect, model: string, q: VersionQuery): ListSql<VersionRecord> {
  const orderBy = q.orderBy ?? 'version';
  const descending = q.descending ?? false;
  const b = new Builder();
  b.add('model = ?', model);
  if (q.status) {
    if (q.status.length === 0) b.add('1 = 0');
    else b.add(`status IN (${q.status.map(() => '?').join(', ')})`, ...q.status);
  }
  tagFilters(b, d, 'tags', q.tag);
  for (const range of q.metrics ?? []) {
    // A range on a metric also requires the version to report it.
    b.add(`${d.jsonNumber('metrics')} IS NOT NULL`, range.metric);
    if (range.min !== undefined) b.add(`${d.jsonNumber('metrics')} >= ?`, range.metric, range.min);
    if (range.max !== undefined) b.add(`${d.jsonNumber('metrics')} <= ?`, range.metric, range.max);
  }
  let order: string;
  let columns: string[];
  let keyParams: SqlValue[] = [];
  let shape: ('string' | 'number')[];
  let keyOf: (v: VersionRecord) => CursorKey;
  if (orderBy === 'version') {
    order = 'version';
    columns = ['version'];
    shape = ['number'];
    keyOf = (v) => [v.version];
  } else if (orderBy === 'createdAt') {
    order = 'createdAt';
    columns = ['created_at', 'version'];
    shape = ['string', 'number'];
    keyOf = (v) => [v.createdAt, v.version];
  } else {
    // Ordering by a metric lists the versions that report it.
    const metric = orderBy.metric;
    order = `metric:${metric}`;
    columns = [d.jsonNumber('metrics'), 'version'];
    keyParams = [metric];
    shape = ['number', 'number'];
    keyOf = (v) => [v.metrics[metric], v.version];
    b.add(`${d.jsonNumber('metrics')} IS NOT NULL`, metric);
  }
  if (q.cursor) after(b, columns, decodeCursor(q.cursor, order, descending, shape), descending, keyParams);
  const limit = pageSize(q.limit);
  const dir = descending ? 'DESC' : 'ASC';
  return {
    sql: `SELECT * FROM versions ${b.whereSql()} ORDER BY ${columns.map((c) => `${c} ${dir}`).join(', ')} LIMIT ?`,
    params: [...b.params, ...keyParams, limit + 1],
    limit,
    cursorAfter: (v) => encodeCursor(order, descending, keyOf(v)),
  };
}

export function historySql(model: string, q: HistoryQuery): ListSql<HistoryEvent> {
  const b = new Builder();
  b.add('model = ?', model);
  if (q.alias !== undefined) b.add('alias = ?', q.alias);
  if (q.version !== undefined) b.add('version = ?', q.version);
  if (q.kinds) {
    if (q.kinds.length === 0) b.add('1 = 0');
    else b.add(`kind IN (${q.kinds.map(() => '?').join(', ')})`, ...q.kinds);
  }
  if (q.since !== undefined) b.add('at >= ?', isoTime(q.since, 'since'));
  if (q.until !== undefined) b.add('at <= ?', isoTime(q.until, 'until'));
  if (q.cursor) after(b, ['id'], decodeCursor(q.cursor, 'id', false, ['number']), false);
  const limit = pageSize(q.limit);
  return {
    sql: `SELECT * FROM history ${b.whereSql()} ORDER BY id ASC LIMIT ?`,
    params: [...b.params, limit + 1],
    limit,
    cursorAfter: (e) => encodeCursor('id', false, [e.id]),
  };
}
