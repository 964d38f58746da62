/**
 * Reference profiles: per-feature statistics of a training set, stored with a
 * version at registration so that drift checks later need not ship the
 * training data again. Numeric features get moments, quantiles, a histogram
 * and a uniform sample (for exact tests such as KS); text and boolean
 * features get frequency tables. Feature order is the file's column order.
 */
import { seededRng, type Rng } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import { sha256File } from '../lib/hash.ts';
import type { FeatureProfile, ReferenceProfile } from '../store/registry-types.ts';
import { ColumnStats, type ColumnStatsOptions } from './column-stats.ts';
import { readDataset, type DatasetFormat, type DatasetProgress } from './dataset.ts';

export interface ProfileOptions {
  /** The label column: profiled apart from the features. */
  readonly label?: string;
  /** Reservoir sample size per numeric feature (default 5000). */
  readonly sampleSize?: number;
  /** Histogram bins (default 20). */
  readonly bins?: number;
  /** Seeded randomness for the reservoir sample (default seed 42). */
  readonly rng?: Rng;
  /** Numeric values held exactly per column before quantiles are estimated from the sample (default 1,000,000). */
  readonly exactLimit?: number;
  readonly format?: DatasetFormat;
  readonly onProgress?: (progress: DatasetProgress) => void;
}

function statsOptions(options: ProfileOptions): ColumnStatsOptions {
  return {
    sampleSize: options.sampleSize ?? 5000,
    bins: options.bins ?? 20,
    rng: options.rng ?? seededRng(42),
    exactLimit: options.exactLimit ?? 1_000_000,
  };
}

function assemble(file: string, columns: readonly string[], stats: Map<string, ColumnStats>, rows: number, sha256: string, label?: string): ReferenceProfile {
  if (label !== undefined && !stats.has(label)) {
    fail('MG_DATA_INVALID', { file, detail: `label column "${label}" is not among the columns ${columns.join(', ')}` });
  }
  const features: Record<string, FeatureProfile> = {};
  for (const name of columns) if (name !== label) features[name] = stats.get(name)!.finish();
  return {
    rows,
    sha256,
    features,
    ...(label !== undefined ? { label: { name: label, profile: stats.get(label)!.finish() } } : {}),
  };
}

/** Profiles a data set file (CSV, JSONL, Parquet), streaming it; large files take a second pass for histograms. */
export async function buildReferenceProfile(file: string, options: ProfileOptions = {}): Promise<ReferenceProfile> {
  const opts = statsOptions(options);
  const columns: string[] = [];
  const stats = new Map<string, ColumnStats>();
  const column = (name: string): ColumnStats => {
    let s = stats.get(name);
    if (s === undefined) {
      s = new ColumnStats(opts);
      stats.set(name, s);
      columns.push(name);
    }
    return s;
  };
  let rows = 0;
  const read = { format: options.format, onProgress: options.onProgress };
  for await (const row of readDataset(file, { ...read, onColumns: (names) => names.forEach(column) })) {
    rows++;
    for (const key in row) column(key).add(row[key]!);
    // JSONL rows may lack a key: it is missing in that row.
    if (columns.length > Object.keys(row).length) for (const name of columns) if (!(name in row)) stats.get(name)!.add(null);
  }
  const again = [...stats.entries()].filter(([, s]) => s.needsSecondPass);
  if (again.length > 0) {
    for await (const row of readDataset(file, read)) for (const [name, s] of again) s.addToHistogram(row[name] ?? null);
  }
  return assemble(file, columns, stats, rows, await sha256File(file), options.label);
}

/** Profiles in-memory columns, as live monitoring windows hold them. */
export function profileColumns(
  values: Readonly<Record<string, readonly (number | string | boolean | null)[]>>,
  options: Omit<ProfileOptions, 'format' | 'onProgress' | 'label'> = {},
): Record<string, FeatureProfile> {
  const opts = statsOptions({ ...options, exactLimit: Infinity });
  const out: Record<string, FeatureProfile> = {};
  for (const [name, column] of Object.entries(values)) {
    const s = new ColumnStats(opts);
    for (const v of column) s.add(v);
    out[name] = s.finish();
  }
  return out;
}
