/**
 * TypeBox schemas of the registry API: request validation, response
 * serialisation and the OpenAPI document all come from these.
 */
import { Type } from 'typebox';

export const Name = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,62}$', description: 'lowercase letters, digits, ".", "_", "-"; 1-63 characters' });
/** Path names are checked by the service, so a bad one gets MG_REGISTRY_INVALID_NAME with the reason. */
const PathName = Type.String({ maxLength: 256 });
export const Tags = Type.Record(Type.String(), Type.String());
const FreeObject = Type.Record(Type.String(), Type.Unknown());

export const ModelParams = Type.Object({ m: PathName });
export const VersionParams = Type.Object({ m: PathName, v: Type.String({ description: 'version number or alias' }) });
export const AliasParams = Type.Object({ m: PathName, alias: PathName });

export const ErrorBody = Type.Object({ error: Type.String(), code: Type.String() });

export const Model = Type.Object({
  name: Type.String(),
  description: Type.String(),
  tags: Tags,
  createdAt: Type.String(),
  createdBy: Type.String(),
  updatedAt: Type.String(),
});

export const AliasRecord = Type.Object({
  model: Type.String(),
  alias: Type.String(),
  version: Type.Integer(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
});

export const ModelDetail = Type.Object({
  ...Model.properties,
  aliases: Type.Array(AliasRecord),
  latestVersion: Type.Union([Type.Integer(), Type.Null()]),
  versionCount: Type.Integer(),
});

const Dim = Type.Union([Type.Number(), Type.String(), Type.Null()]);
const TensorSpec = Type.Object({
  name: Type.String(),
  datatype: Type.Union([Type.String(), Type.Null()]),
  shape: Type.Union([Type.Array(Dim), Type.Null()]),
  kind: Type.Optional(Type.String()),
});
const Signature = Type.Object({
  inputs: Type.Array(TensorSpec),
  outputs: Type.Array(TensorSpec),
  irVersion: Type.Number(),
  opsets: Type.Array(Type.Object({ domain: Type.String(), version: Type.Number() })),
  producer: Type.Object({ name: Type.String(), version: Type.String() }),
  usesMlOperators: Type.Boolean(),
  nonTensorOutputs: Type.Array(Type.String()),
});
const Artifact = Type.Object({
  sha256: Type.String(),
  size: Type.Number(),
  format: Type.String(),
  fileName: Type.Optional(Type.String()),
});

export const Version = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('ready'), Type.Literal('failed'), Type.Literal('archived')]),
  statusReason: Type.Optional(Type.String()),
  description: Type.String(),
  artifact: Artifact,
  servingArtifact: Type.Optional(Type.Object({ ...Artifact.properties, derivation: Type.String() })),
  signature: Signature,
  features: Type.Union([Type.Array(Type.String()), Type.Null()]),
  metrics: Type.Record(Type.String(), Type.Number()),
  params: Tags,
  tags: Tags,
  lineage: FreeObject,
  modelCard: Type.Union([Type.String(), Type.Null()]),
  referenceProfile: Type.Union([FreeObject, Type.Null()]),
  extra: FreeObject,
  createdAt: Type.String(),
  createdBy: Type.String(),
  updatedAt: Type.String(),
});

export const Decision = Type.Union([Type.Literal('approved'), Type.Literal('rejected')]);
export const Approval = Type.Object({
  id: Type.Integer(),
  model: Type.String(),
  version: Type.Integer(),
  alias: Type.String(),
  decision: Decision,
  actor: Type.String(),
  comment: Type.String(),
  createdAt: Type.String(),
});

export const Evaluation = Type.Object({
  id: Type.Integer(),
  model: Type.String(),
  version: Type.Integer(),
  verdict: Type.String(),
  report: FreeObject,
  createdAt: Type.String(),
  createdBy: Type.String(),
});

export const HistoryKinds = [
  'model.created', 'model.updated', 'model.deleted',
  'version.registered', 'version.updated', 'version.archived', 'version.deleted',
  'alias.set', 'alias.removed', 'approval.approved', 'approval.rejected', 'evaluation.recorded',
] as const;
export const HistoryKind = Type.Union(HistoryKinds.map((k) => Type.Literal(k)));

export const HistoryEvent = Type.Object({
  id: Type.Integer(),
  model: Type.String(),
  kind: Type.String(),
  version: Type.Union([Type.Integer(), Type.Null()]),
  alias: Type.Union([Type.String(), Type.Null()]),
  previousVersion: Type.Union([Type.Integer(), Type.Null()]),
  actor: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  data: FreeObject,
  at: Type.String(),
});

const Diff = <T extends ReturnType<typeof Type.Unknown> | ReturnType<typeof Type.Number> | ReturnType<typeof Type.String>>(t: T) =>
  Type.Object({ key: Type.String(), a: Type.Optional(t), b: Type.Optional(t), delta: Type.Optional(Type.Number()) });

export const Comparison = Type.Object({
  model: Type.String(),
  a: Type.Integer(),
  b: Type.Integer(),
  metrics: Type.Array(Diff(Type.Number())),
  params: Type.Array(Diff(Type.String())),
  tags: Type.Array(Diff(Type.String())),
  lineage: Type.Array(Diff(Type.Unknown())),
  signature: Type.Object({
    verdict: Type.Union([Type.Literal('compatible'), Type.Literal('breaking')]),
    changes: Type.Array(Type.Object({ kind: Type.Union([Type.Literal('compatible'), Type.Literal('breaking')]), detail: Type.String() })),
  }),
});

export const GcReport = Type.Object({
  dryRun: Type.Boolean(),
  versions: Type.Array(Type.Object({ model: Type.String(), version: Type.Integer() })),
  kept: Type.Array(Type.Object({ model: Type.String(), version: Type.Integer(), reason: Type.String() })),
  blobs: Type.Array(Type.Object({ sha256: Type.String(), size: Type.Number() })),
  bytesFreed: Type.Number(),
  pendingBlobs: Type.Integer(),
});

/** `{items, nextCursor}` of a listing. */
export function PageOf<T extends Parameters<typeof Type.Array>[0]>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export const Limit = Type.Integer({ minimum: 1, maximum: 1000 });
/** Repeatable `k:v` parameter. */
export const TagFilter = Type.Array(Type.String({ pattern: '^[^:]+:.*$' }), { description: 'key:value, repeatable' });
