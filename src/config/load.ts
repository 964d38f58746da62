/**
 * Configuration in three stages: user options (YAML file, MODELGATE_*
 * variables, flags) → merged with defaults → validated, resolved (durations
 * to `…Ms`, sizes to bytes) and frozen. This is the only module that reads
 * process.env; everything else receives the resolved Config.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ModelgateError } from '../lib/errors.ts';
import { parseDuration } from '../lib/duration.ts';
import { configSchema, isField, type FieldSpec, type SectionSpec } from './schema.ts';

type FieldValue<F> = F extends { type: 'string' | 'enum' }
  ? string
  : F extends { type: 'int' | 'number' | 'bytes' | 'duration' }
    ? number
    : F extends { type: 'bool' }
      ? boolean
      : F extends { type: 'stringList' }
        ? readonly string[]
        : F extends { type: 'map'; of: infer S }
          ? Readonly<Record<string, Resolved<S>>>
          : unknown;

type HasDefault<F> = F extends { default: unknown } ? true : false;
type Key<K, F> = F extends { type: 'duration' } ? `${K & string}Ms` : K;

export type Resolved<S> = {
  readonly [K in keyof S as Key<K, S[K]>]: S[K] extends { type: string; doc: string }
    ? HasDefault<S[K]> extends true
      ? FieldValue<S[K]>
      : FieldValue<S[K]> | undefined
    : Resolved<S[K]>;
};

export type Config = Resolved<typeof configSchema>;

export interface LoadOptions {
  /** Path of a YAML file (`--config`). */
  file?: string;
  /** Environment; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values from flags, as a nested object using schema key names. */
  flags?: Record<string, unknown>;
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

export function parseBytes(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)?\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase().replace('i', '');
  return Math.round(Number(m[1]) * BYTE_UNITS[unit]);
}

function invalid(key: string, detail: string): never {
  throw new ModelgateError('MG_CONFIG_INVALID', { key, detail });
}

function envName(path: readonly string[]): string {
  return 'MODELGATE_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__');
}

/** Coerces one raw value (from YAML, env or a flag) to the field's type. */
function coerce(spec: FieldSpec, raw: unknown, key: string): unknown {
  switch (spec.type) {
    case 'string':
      if (typeof raw === 'string' || typeof raw === 'number') return String(raw);
      return invalid(key, 'expected a string');
    case 'enum':
      if (typeof raw === 'string' && spec.values.includes(raw)) return raw;
      return invalid(key, `expected one of ${spec.values.join(', ')}, got ${JSON.stringify(raw)}`);
    case 'int':
    case 'number': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n))) {
        return invalid(key, `expected ${spec.type === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(raw)}`);
      }
      if (spec.min !== undefined && n < spec.min) return invalid(key, `must be at least ${spec.min}, got ${n}`);
      if (spec.max !== undefined && n > spec.max) return invalid(key, `must be at most ${spec.max}, got ${n}`);
      return n;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return invalid(key, `expected true or false, got ${JSON.stringify(raw)}`);
    case 'duration': {
      const ms = typeof raw === 'string' || typeof raw === 'number' ? parseDuration(raw) : undefined;
      return ms ?? invalid(key, `expected a duration like 500ms, 10s, 2m, 1h, 7d; got ${JSON.stringify(raw)}`);
    }
    case 'bytes': {
      const n = typeof raw === 'string' || typeof raw === 'number' ? parseBytes(raw) : undefined;
      return n ?? invalid(key, `expected a size like 1048576, 512kb, 32mb, 4gb; got ${JSON.stringify(raw)}`);
    }
    case 'stringList':
      if (typeof raw === 'string') return raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (Array.isArray(raw) && raw.every((s) => typeof s === 'string')) return raw;
      return invalid(key, 'expected a list of strings');
    case 'map': {
      const obj = typeof raw === 'string' ? parseJsonOption(raw, key) : raw;
      if (!isPlainObject(obj)) return invalid(key, 'expected a mapping');
      return Object.fromEntries(Object.entries(obj).map(([name, section]) => [name, resolveSection(spec.of, section, [key, name], {})]));
    }
    case 'any':
      return typeof raw === 'string' ? parseJsonOption(raw, key) : raw;
  }
}

function parseJsonOption(raw: string, key: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return invalid(key, 'expected JSON');
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Resolves one section: for each key the first of flag, env, file, default.
 * Unknown keys in the file or flags are errors naming the key.
 */
function resolveSection(
  spec: SectionSpec,
  file: unknown,
  path: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  flags: unknown = {},
  fileName = 'configuration',
): Record<string, unknown> {
  const where = path.join('.') || fileName;
  if (file !== undefined && file !== null && !isPlainObject(file)) invalid(where, 'expected a mapping');
  const fileObj = (file ?? {}) as Record<string, unknown>;
  const flagObj = (flags ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(fileObj)) {
    if (!(key in spec)) invalid([...path, key].join('.'), `unknown key in ${fileName}`);
  }
  for (const key of Object.keys(flagObj)) {
    if (!(key in spec)) invalid([...path, key].join('.'), 'unknown option');
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(spec)) {
    const childPath = [...path, key];
    const dotted = childPath.join('.');
    if (!isField(child)) {
      out[key] = resolveSection(child, fileObj[key], childPath, env, flagObj[key], fileName);
      continue;
    }
    const envValue = env[envName(childPath)];
    const raw = flagObj[key] ?? (envValue !== undefined && envValue !== '' ? envValue : undefined) ?? fileObj[key] ?? child.default;
    const outKey = child.type === 'duration' ? `${key}Ms` : key;
    out[outKey] = raw === undefined ? undefined : coerce(child, raw, dotted);
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function readFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelgateError('MG_CONFIG_FILE_UNREADABLE', { file, detail: (err as Error).message }, { cause: err });
  }
  try {
    return parseYaml(text) ?? {};
  } catch (err) {
    throw new ModelgateError('MG_CONFIG_FILE_UNREADABLE', { file, detail: (err as Error).message }, { cause: err });
  }
}

/** Loads, validates and freezes the configuration. Throws MG_CONFIG_INVALID naming the bad key. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.MODELGATE_CONFIG;
  const fileData = file ? readFile(file) : {};
  const resolved = resolveSection(configSchema, fileData, [], env, options.flags ?? {}, file ?? 'configuration');
  return deepFreeze(resolved) as unknown as Config;
}

/** The environment variable that sets a config path, for docs and error messages. */
export { envName as configEnvName };
