/**
 * Argument parsers for commander options. They throw commander's
 * InvalidArgumentError so a bad value is reported like any other usage error
 * (one line, exit 2), never as a registry error.
 */
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../lib/duration.ts';
import type { MetricRange, VersionStatus } from '../store/registry-types.ts';

/** Collects repeated `--flag k=v` into a record; later keys win. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

/** Collects repeated values of an option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Collects repeated `--metric k=v` with numeric values. */
export function keyNumber(value: string, previous: Record<string, number> = {}): Record<string, number> {
  const [key, raw] = Object.entries(keyValue(value))[0];
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`metric "${key}" needs a number, got "${raw}"`);
  return { ...previous, [key]: n };
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return n;
}

export function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) throw new InvalidArgumentError(`expected a port 0-65535, got "${value}"`);
  return n;
}

export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return Number(value);
}

/** A version number, or an alias name such as `production` or `latest`. */
export function versionRef(value: string): number | string {
  if (/^\d+$/.test(value)) return positiveInt(value);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(value)) throw new InvalidArgumentError(`expected a version number or an alias, got "${value}"`);
  return value;
}

/** A version number only (commands that change one version). */
export function versionNumber(value: string): number {
  return positiveInt(value);
}

export function duration(value: string): number {
  return parseDuration(value) ?? (() => {
    throw new InvalidArgumentError(`expected a duration like 30s, 12h, 90d; got "${value}"`);
  })();
}

export function isoTime(value: string): string {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) {
    throw new InvalidArgumentError(`expected an ISO time like 2024-05-01T14:05:00Z, got "${value}"`);
  }
  return new Date(t).toISOString();
}

export function csvList(value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return items;
}

const STATUSES: readonly VersionStatus[] = ['pending', 'ready', 'failed', 'archived'];

export function statusList(value: string): VersionStatus[] {
  return csvList(value).map((s) => {
    if (!(STATUSES as readonly string[]).includes(s)) throw new InvalidArgumentError(`unknown status "${s}"; one of ${STATUSES.join(', ')}`);
    return s as VersionStatus;
  });
}

/** `accuracy>=0.9` or `latency_ms<=20`, repeatable; bounds on one metric merge. */
export function metricBound(value: string, previous: MetricRange[] = []): MetricRange[] {
  const m = /^([^<>=\s]+)\s*(>=|<=)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected METRIC>=N or METRIC<=N, got "${value}"`);
  const [, metric, op, num] = m;
  const existing = previous.find((r) => r.metric === metric) ?? { metric };
  const next: MetricRange = op === '>=' ? { ...existing, min: Number(num) } : { ...existing, max: Number(num) };
  return [...previous.filter((r) => r.metric !== metric), next];
}

export type VersionOrder = 'version' | 'createdAt' | { readonly metric: string };

/** `version`, `created`, or `metric:NAME`. */
export function versionOrder(value: string): VersionOrder {
  if (value === 'version') return 'version';
  if (value === 'created' || value === 'createdAt') return 'createdAt';
  if (value.startsWith('metric:') && value.length > 7) return { metric: value.slice(7) };
  throw new InvalidArgumentError(`expected version, created or metric:NAME; got "${value}"`);
}

export function modelOrder(value: string): 'name' | 'createdAt' | 'updatedAt' {
  if (value === 'name') return 'name';
  if (value === 'created' || value === 'createdAt') return 'createdAt';
  if (value === 'updated' || value === 'updatedAt') return 'updatedAt';
  throw new InvalidArgumentError(`expected name, created or updated; got "${value}"`);
}
