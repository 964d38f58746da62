/** Parses the compact query forms of the registry API: `tag=k:v`, `metric=name:min:max`, `orderBy=metric:NAME`. */
import { fail } from '../lib/errors.ts';
import type { MetricRange, VersionQuery } from '../store/registry-types.ts';

function invalid(detail: string): never {
  return fail('MG_VALIDATION_FAILED', { location: 'query', detail });
}

export function parseTags(raw: readonly string[] | undefined): Record<string, string> | undefined {
  if (!raw || raw.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const item of raw) {
    const i = item.indexOf(':');
    if (i <= 0) invalid(`tag "${item}" must be key:value`);
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

function bound(text: string, item: string): number | undefined {
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) invalid(`metric "${item}": "${text}" is not a number`);
  return n;
}

export function parseMetricRanges(raw: readonly string[] | undefined): MetricRange[] | undefined {
  if (!raw || raw.length === 0) return undefined;
  return raw.map((item) => {
    const parts = item.split(':');
    if (parts.length !== 3 || parts[0] === '') invalid(`metric "${item}" must be name:min:max (min or max may be empty)`);
    return { metric: parts[0], min: bound(parts[1], item), max: bound(parts[2], item) };
  });
}

export function parseVersionOrder(raw: string | undefined): VersionQuery['orderBy'] {
  if (raw === undefined || raw === 'version' || raw === 'createdAt') return raw;
  if (raw.startsWith('metric:') && raw.length > 'metric:'.length) return { metric: raw.slice('metric:'.length) };
  return invalid(`orderBy must be version, createdAt or metric:NAME, not "${raw}"`);
}

/** Formats a version query for the URL; the inverse of the parsers above. */
export function versionQueryParams(q: VersionQuery): URLSearchParams {
  const p = new URLSearchParams();
  for (const s of q.status ?? []) p.append('status', s);
  for (const [k, v] of Object.entries(q.tag ?? {})) p.append('tag', `${k}:${v}`);
  for (const m of q.metrics ?? []) p.append('metric', `${m.metric}:${m.min ?? ''}:${m.max ?? ''}`);
  if (q.orderBy !== undefined) p.set('orderBy', typeof q.orderBy === 'string' ? q.orderBy : `metric:${q.orderBy.metric}`);
  if (q.descending !== undefined) p.set('desc', String(q.descending));
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.cursor !== undefined) p.set('cursor', q.cursor);
  return p;
}
