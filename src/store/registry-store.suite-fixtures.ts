/** Records and events for the registry store conformance suite. */
import type { HistoryKind, NewHistoryEvent, NewVersion, Signature } from './registry-types.ts';

export function event(kind: HistoryKind, extra: Partial<NewHistoryEvent> = {}): NewHistoryEvent {
  return { kind, version: null, alias: null, previousVersion: null, actor: 'alice', reason: null, data: {}, ...extra };
}

export const signature: Signature = {
  inputs: [{ name: 'input', datatype: 'FP32', shape: ['batch', 30] }],
  outputs: [
    { name: 'label', datatype: 'INT64', shape: [null] },
    { name: 'probabilities', datatype: null, shape: null, kind: 'seq(map(int64,tensor(float)))' },
  ],
  irVersion: 8,
  opsets: [{ domain: '', version: 17 }, { domain: 'ai.onnx.ml', version: 3 }],
  producer: { name: 'skl2onnx', version: '1.17.0' },
  usesMlOperators: true,
  nonTensorOutputs: ['probabilities'],
};

/** A fully populated version: every JSON column has nested content to round-trip. */
export function fullVersion(model: string, seed = 1): NewVersion {
  const sha = (n: number) => n.toString(16).padStart(64, '0');
  return {
    model,
    status: 'ready',
    statusReason: 'parsed',
    description: `version seeded ${seed} — ünïcode ✓`,
    artifact: { sha256: sha(seed), size: 1234 + seed, format: 'onnx', fileName: 'model.onnx' },
    servingArtifact: { sha256: sha(seed + 1_000_000), size: 999, format: 'onnx', derivation: 'zipmap-removed' },
    signature,
    features: ['mean radius', 'mean "texture"', 'worst area'],
    metrics: { accuracy: 0.9 + seed / 1000, f1: 0.5, loss: -1.25e-3 },
    params: { max_depth: '8', n_estimators: '100' },
    tags: { team: 'risk', 'key with space': 'v', emoji: '🚀' },
    lineage: { commit: 'abc123', datasetUri: 's3://b/train.csv', datasetSha256: sha(7), parentVersion: 1, framework: 'sklearn', frameworkVersion: '1.5' },
    modelCard: '# Card\n\nMarkdown **body**.',
    referenceProfile: {
      rows: 3,
      sha256: sha(9),
      features: {
        'mean radius': {
          kind: 'numeric', count: 3, missing: 0, min: 1, max: 3, mean: 2, std: 0.816, quantiles: { p50: 2 }, distinct: 3,
          histogram: { edges: [1, 2, 3], counts: [1, 2] }, sample: [1, 2, 3],
        },
        colour: { kind: 'categorical', count: 3, missing: 1, distinct: 2, frequencies: { red: 1, blue: 1 } },
      },
      label: { name: 'target', profile: { kind: 'categorical', count: 3, missing: 0, distinct: 2, frequencies: { '0': 1, '1': 2 } } },
    },
    extra: { classLabels: [0, 1], nested: { deep: [true, null, 'x'] } },
    createdBy: 'alice',
  };
}

/** A small version with chosen metrics, tags and status. */
export function version(model: string, over: Partial<NewVersion> = {}, seed = 1): NewVersion {
  return {
    model,
    status: 'ready',
    description: '',
    artifact: { sha256: seed.toString(16).padStart(64, 'a'), size: 10, format: 'onnx' },
    signature,
    features: null,
    metrics: {},
    params: {},
    tags: {},
    lineage: {},
    modelCard: null,
    referenceProfile: null,
    extra: {},
    createdBy: 'alice',
    ...over,
  };
}
