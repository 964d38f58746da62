/**
 * The configuration reference, derived from the schema: every option with
 * its type, default and environment variable. `modelgate config reference`
 * prints it and docs/configuration.md embeds it (a test keeps them equal);
 * `redactedConfig` is what `modelgate config show` prints.
 */
import { configEnvName, type Config } from './load.ts';
import { configSchema, isField, type FieldSpec, type SectionSpec } from './schema.ts';

export interface ReferenceRow {
  readonly key: string;
  readonly type: string;
  readonly default: string;
  readonly env: string;
  readonly doc: string;
}

function typeName(spec: FieldSpec): string {
  return spec.type === 'enum' ? spec.values.join(' \\| ') : spec.type;
}

function defaultText(spec: FieldSpec): string {
  if (spec.default === undefined) return '';
  return typeof spec.default === 'string' ? spec.default : JSON.stringify(spec.default);
}

function walk(spec: SectionSpec, path: readonly string[], rows: ReferenceRow[]): ReferenceRow[] {
  for (const [key, child] of Object.entries(spec)) {
    const childPath = [...path, key];
    if (!isField(child)) {
      walk(child, childPath, rows);
      continue;
    }
    rows.push({ key: childPath.join('.'), type: typeName(child), default: defaultText(child), env: configEnvName(childPath), doc: child.doc });
  }
  return rows;
}

export function configReference(): readonly ReferenceRow[] {
  return walk(configSchema, [], []);
}

export function configReferenceMarkdown(): string {
  const lines = ['| key | type | default | environment | meaning |', '|---|---|---|---|---|'];
  for (const r of configReference()) {
    lines.push(`| \`${r.key}\` | ${r.type} | ${r.default ? `\`${r.default}\`` : ''} | \`${r.env}\` | ${r.doc.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n') + '\n';
}

function secretPaths(spec: SectionSpec, path: readonly string[], out: string[][]): string[][] {
  for (const [key, child] of Object.entries(spec)) {
    if (!isField(child)) secretPaths(child, [...path, key], out);
    else if ((child.type === 'string' || child.type === 'any') && child.secret === true) out.push([...path, key]);
  }
  return out;
}

/** The resolved config with every secret option replaced by "[redacted]". */
export function redactedConfig(config: Config): Record<string, unknown> {
  const copy = structuredClone(config) as Record<string, unknown>;
  for (const path of secretPaths(configSchema, [], [])) {
    let node: Record<string, unknown> | undefined = copy;
    for (const key of path.slice(0, -1)) node = node?.[key] as Record<string, unknown> | undefined;
    const last = path[path.length - 1];
    if (node && node[last] !== undefined) node[last] = '[redacted]';
  }
  return copy;
}
