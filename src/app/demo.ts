/**
 * The bundled example models (fixtures/models) and how `modelgate demo`
 * registers them: with feature names, tags, lineage and, where the training
 * data ships, a reference profile; then points `staging` at each. Running it
 * again registers nothing new: a model that already has a version with the
 * same artifact SHA-256 is skipped.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildReferenceProfile } from '../data/profile.ts';
import { isModelgateError } from '../lib/errors.ts';
import { sha256File } from '../lib/hash.ts';
import type { CallContext, RegistryApi } from '../registry/api.ts';
import type { Lineage } from '../store/registry-types.ts';

/** fixtures/models in the repository, found from this file so any working directory works. */
export const DEMO_FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/models/', import.meta.url));

export interface DemoModel {
  /** Registry name, also the fixture directory name. */
  readonly name: string;
  readonly description: string;
  readonly framework: string;
  readonly frameworkVersion: string;
  /** Fixture whose expected.json lists the feature names (the MLP shares the random forest's). */
  readonly featuresFrom: string;
  /** Training data in the fixture directory, profiled as the reference; its `target` column is the label. */
  readonly trainData?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export const DEMO_MODELS: readonly DemoModel[] = [
  {
    name: 'breast_cancer_rf', description: 'Random forest on the Wisconsin breast cancer data set (binary classification).',
    framework: 'sklearn', frameworkVersion: '1.2.1', featuresFrom: 'breast_cancer_rf', trainData: 'train.csv',
    tags: { task: 'binary_classification', dataset: 'breast_cancer', demo: 'true' },
  },
  {
    name: 'breast_cancer_mlp', description: 'PyTorch MLP on the Wisconsin breast cancer data set (binary classification).',
    framework: 'torch', frameworkVersion: '2.11.0', featuresFrom: 'breast_cancer_rf',
    tags: { task: 'binary_classification', dataset: 'breast_cancer', demo: 'true' },
  },
  {
    name: 'iris_logreg', description: 'Logistic regression on the iris data set (three classes).',
    framework: 'sklearn', frameworkVersion: '1.2.1', featuresFrom: 'iris_logreg', trainData: 'train.csv',
    tags: { task: 'multiclass_classification', dataset: 'iris', demo: 'true' },
  },
  {
    name: 'diabetes_gbr', description: 'Gradient boosting regressor on the diabetes data set.',
    framework: 'sklearn', frameworkVersion: '1.2.1', featuresFrom: 'diabetes_gbr', trainData: 'train.csv',
    tags: { task: 'regression', dataset: 'diabetes', demo: 'true' },
  },
];

export type DemoResult =
  | { readonly kind: 'registered'; readonly model: string; readonly version: number; readonly alias: string }
  | { readonly kind: 'existing'; readonly model: string; readonly version: number; readonly alias: string };

export interface DemoOptions extends CallContext {
  readonly fixturesDir?: string;
  readonly alias?: string;
  /** Called after each model, so a caller can print as it goes. */
  readonly onResult?: (result: DemoResult) => void;
}

interface Expected {
  readonly features?: readonly string[];
  readonly test_accuracy?: number;
}

async function readExpected(dir: string): Promise<Expected> {
  return JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8')) as Expected;
}

/** Whether the model exists, and its version whose artifact has this SHA-256, if any. */
async function findBySha(registry: RegistryApi, model: string, sha256: string): Promise<{ exists: boolean; version?: number }> {
  let cursor: string | undefined;
  try {
    do {
      const page = await registry.listVersions(model, { cursor, limit: 100 });
      const hit = page.items.find((v) => v.artifact.sha256 === sha256 && v.status !== 'archived');
      if (hit) return { exists: true, version: hit.version };
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  } catch (err) {
    if (isModelgateError(err, 'MG_REGISTRY_MODEL_NOT_FOUND')) return { exists: false };
    throw err;
  }
  return { exists: true };
}

async function registerOne(registry: RegistryApi, spec: DemoModel, fixturesDir: string, ctx: CallContext): Promise<{ kind: DemoResult['kind']; version: number }> {
  const dir = join(fixturesDir, spec.name);
  const artifact = join(dir, 'model.onnx');
  const sha256 = await sha256File(artifact);
  const existing = await findBySha(registry, spec.name, sha256);
  if (existing.version !== undefined) return { kind: 'existing', version: existing.version };
  if (!existing.exists) await registry.createModel({ name: spec.name, description: spec.description, tags: spec.tags }, ctx);

  const features = (await readExpected(join(fixturesDir, spec.featuresFrom))).features;
  const expected = await readExpected(dir);
  const trainFile = spec.trainData === undefined ? undefined : join(dir, spec.trainData);
  const profile = trainFile === undefined ? undefined : await buildReferenceProfile(trainFile, { label: 'target' });
  const lineage: Lineage = {
    framework: spec.framework,
    frameworkVersion: spec.frameworkVersion,
    ...(trainFile === undefined ? {} : { datasetUri: `fixtures/models/${spec.name}/${spec.trainData}`, datasetSha256: await sha256File(trainFile) }),
  };
  const record = await registry.registerVersion(spec.name, createReadStream(artifact), {
    description: `Bundled example from fixtures/models/${spec.name}.`,
    features,
    tags: spec.tags,
    lineage,
    metrics: expected.test_accuracy === undefined ? undefined : { test_accuracy: expected.test_accuracy },
    referenceProfile: profile,
    artifactName: 'model.onnx',
  }, ctx);
  return { kind: 'registered', version: record.version };
}

/** Registers every demo model that is not registered yet and points the alias (default `staging`) at it. */
export async function registerDemoModels(registry: RegistryApi, options: DemoOptions = {}): Promise<DemoResult[]> {
  const fixturesDir = options.fixturesDir ?? DEMO_FIXTURES_DIR;
  const alias = options.alias ?? 'staging';
  const ctx: CallContext = { actor: options.actor, reason: options.reason ?? 'modelgate demo' };
  const results: DemoResult[] = [];
  for (const spec of DEMO_MODELS) {
    const { kind, version } = await registerOne(registry, spec, fixturesDir, ctx);
    const current = (await registry.getModel(spec.name)).aliases.find((a) => a.alias === alias);
    if (current?.version !== version) await registry.setAlias(spec.name, alias, version, ctx);
    const result: DemoResult = { kind, model: spec.name, version, alias };
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}

/** What deploying needs: the endpoint service in process, or the HTTP API. */
export type DeployDemo = (input: { name: string; model: string; version: number }) => Promise<unknown>;

/** Deploys each registered demo model to an endpoint of the same name, serving the version just registered. */
export async function deployDemoModels(results: readonly DemoResult[], deploy: DeployDemo): Promise<string[]> {
  const names: string[] = [];
  for (const r of results) {
    await deploy({ name: r.model, model: r.model, version: r.version });
    names.push(r.model);
  }
  return names;
}
