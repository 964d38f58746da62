/**
 * `modelgate versions register`: uploads an ONNX file with its metadata.
 * Everything the registry stores about the version is gathered here from
 * flags and files (metrics, lineage, model card, reference profile), then
 * sent in one registerVersion call with upload progress.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { fail } from '../lib/errors.ts';
import type { VersionMetadata } from '../registry/api.ts';
import type { Lineage } from '../store/registry-types.ts';
import { withRegistry } from './context.ts';
import { describeVersion } from './version-view.ts';
import { createProgress, stderrSink } from './progress.ts';
import type { TrainingData } from './train-data.ts';
import { csvList, keyNumber, keyValue, positiveInt } from './parse.ts';

interface RegisterFlags {
  metric?: Record<string, number>;
  param?: Record<string, string>;
  tag?: Record<string, string>;
  features?: string[];
  trainData?: string;
  label?: string;
  commit?: string;
  dataset?: string;
  trainingRun?: string;
  description?: string;
  modelCard?: string;
  framework?: string;
  parent?: number;
}

/** Size of a file the user named, or MG_FILE_NOT_FOUND. */
export async function fileSize(file: string): Promise<number> {
  try {
    const s = await stat(file);
    if (!s.isFile()) fail('MG_FILE_NOT_FOUND', { file });
    return s.size;
  } catch (err) {
    return fail('MG_FILE_NOT_FOUND', { file }, { cause: err });
  }
}

/** The text of a model card file the user named (undefined when none), or MG_FILE_NOT_FOUND. */
export async function readModelCard(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  await fileSize(file);
  return readFile(file, 'utf8');
}

/** `sklearn@1.2.1` or `sklearn` → framework and optional version. */
function framework(text: string | undefined): Pick<Lineage, 'framework' | 'frameworkVersion'> {
  if (text === undefined) return {};
  const at = text.indexOf('@');
  return at > 0 ? { framework: text.slice(0, at), frameworkVersion: text.slice(at + 1) } : { framework: text };
}

async function buildMetadata(file: string, o: RegisterFlags): Promise<VersionMetadata> {
  let train: TrainingData | undefined;
  if (o.trainData !== undefined) {
    await fileSize(o.trainData);
    // Loaded on demand: the data readers are only needed with --train-data.
    const { loadTrainingData } = await import('./train-data.ts');
    train = await loadTrainingData(o.trainData, o.label);
  }
  const modelCard = await readModelCard(o.modelCard);
  const lineage: Lineage = {
    commit: o.commit,
    datasetUri: o.dataset,
    datasetSha256: train?.sha256,
    trainingRun: o.trainingRun,
    parentVersion: o.parent,
    ...framework(o.framework),
  };
  return {
    description: o.description,
    features: o.features ?? train?.features,
    metrics: o.metric,
    params: o.param,
    tags: o.tag,
    lineage: Object.fromEntries(Object.entries(lineage).filter(([, v]) => v !== undefined)),
    modelCard,
    referenceProfile: train?.profile,
    artifactName: basename(file),
  };
}

export function registerVersionRegister(versions: Command): void {
  versions
    .command('register')
    .description('register a new version of a model from an ONNX file (creates the model if needed)')
    .argument('<model>', 'model name')
    .argument('<file>', 'the ONNX artifact')
    .option('--metric <key=value>', 'a numeric metric, e.g. accuracy=0.96; repeat for more', keyNumber)
    .option('--param <key=value>', 'a training parameter; repeat for more', keyValue)
    .option('--tag <key=value>', 'a tag; repeat for more', keyValue)
    .option('--features <a,b,...>', 'input feature names in tensor column order', csvList)
    .option('--train-data <file>', 'training data (CSV, TSV, JSONL, Parquet): stores a reference profile, its SHA-256, and its header as feature names')
    .option('--label <column>', 'label column of --train-data (default: "target" when present)')
    .option('--commit <sha>', 'code commit the model was trained from')
    .option('--dataset <uri>', 'where the training data lives, e.g. s3://bucket/train.parquet')
    .option('--training-run <id>', 'training run id or URL')
    .option('--description <text>', 'what changed in this version')
    .option('--model-card <file>', 'Markdown model card')
    .option('--framework <name[@version]>', 'training framework, e.g. sklearn@1.2.1')
    .option('--parent <version>', 'the version this one was derived from', positiveInt)
    .addHelpText('after', `
Example:
  modelgate versions register fraud model.onnx --train-data train.csv --label is_fraud \\
    --metric auc=0.93 --param max_depth=8 --tag owner=risk --commit 3f2c1ab \\
    --dataset s3://data/fraud/2024-05.parquet --framework sklearn@1.4.2`)
    .action(async (model: string, file: string, o: RegisterFlags, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer, call }) => {
        const size = await fileSize(file);
        const metadata = await buildMetadata(file, o);
        const progress = createProgress(basename(file), size, stderrSink());
        const version = await registry.registerVersion(model, createReadStream(file), metadata, {
          ...call,
          size,
          onProgress: (sent, total) => progress.update(sent, total),
        });
        progress.finish();
        printer.result(version, () => {
          printer.line(`registered ${version.model} version ${version.version} (${version.status})`);
          printer.line();
          describeVersion(printer, version);
        });
      }));
}
