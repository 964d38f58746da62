/**
 * `--train-data FILE` for `versions register`: the reference profile is built
 * here, on the client, so a server never needs the training set, and only
 * the statistics travel with the version.
 */
import { buildReferenceProfile } from '../data/profile.ts';
import { readDataset } from '../data/dataset.ts';
import { fail } from '../lib/errors.ts';
import { sha256File } from '../lib/hash.ts';
import type { ReferenceProfile } from '../store/registry-types.ts';

export interface TrainingData {
  readonly profile: ReferenceProfile;
  /** Feature columns in file order, the label excluded. */
  readonly features: string[];
  readonly label: string | undefined;
  readonly sha256: string;
}

/** The column names of a data set, read from its header (or first row for JSON Lines). */
export async function datasetColumns(file: string): Promise<string[]> {
  let columns: readonly string[] | undefined;
  for await (const row of readDataset(file, { onColumns: (c) => { columns = c; } })) {
    columns ??= Object.keys(row);
    break;
  }
  return [...(columns ?? [])];
}

/**
 * Profiles the training data. The label is `label` when given (it must
 * exist), else a column named `target` when there is one.
 */
export async function loadTrainingData(file: string, label?: string): Promise<TrainingData> {
  const columns = await datasetColumns(file);
  if (columns.length === 0) fail('MG_DATA_INVALID', { file, detail: 'no columns' });
  if (label !== undefined && !columns.includes(label)) {
    fail('MG_DATA_INVALID', { file, detail: `label column "${label}" is not one of its columns (${columns.join(', ')})` });
  }
  const chosen = label ?? (columns.includes('target') ? 'target' : undefined);
  const [profile, sha256] = await Promise.all([buildReferenceProfile(file, { label: chosen }), sha256File(file)]);
  return { profile, features: columns.filter((c) => c !== chosen), label: chosen, sha256 };
}
