/**
 * Registry records as the store keeps them. Repositories take and return
 * these; the registry service (src/registry) adds the rules.
 */

export type Tags = Readonly<Record<string, string>>;

export interface ModelRecord {
  readonly name: string;
  readonly description: string;
  readonly tags: Tags;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
}

/** Open Inference Protocol datatype names. */
export type Datatype =
  | 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64'
  | 'INT8' | 'INT16' | 'INT32' | 'INT64'
  | 'FP16' | 'FP32' | 'FP64' | 'BF16' | 'BYTES';

export interface TensorSpec {
  readonly name: string;
  /** OIP datatype, or null for a non-tensor value (sequence, map). */
  readonly datatype: Datatype | null;
  /** Dimensions: a number when fixed, a name (e.g. "batch") or null when symbolic or unknown. */
  readonly shape: readonly (number | string | null)[] | null;
  /** For non-tensor values: what it is, e.g. "seq(map(int64,tensor(float)))". */
  readonly kind?: string;
}

export interface Signature {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly irVersion: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producer: { readonly name: string; readonly version: string };
  /** True when the graph uses ai.onnx.ml operators (tree ensembles, ZipMap, …). */
  readonly usesMlOperators: boolean;
  /** Names of outputs that are not tensors (sequences, maps). */
  readonly nonTensorOutputs: readonly string[];
}

export interface Lineage {
  readonly commit?: string;
  readonly datasetUri?: string;
  readonly datasetSha256?: string;
  readonly trainingRun?: string;
  readonly parentVersion?: number;
  readonly framework?: string;
  readonly frameworkVersion?: string;
}

export interface ArtifactRef {
  readonly sha256: string;
  readonly size: number;
  readonly format: 'onnx';
  readonly fileName?: string;
}

/** An artifact derived from the original for serving (e.g. ZipMap removed), and how. */
export interface DerivedArtifactRef extends ArtifactRef {
  readonly derivation: string;
}

export type VersionStatus = 'pending' | 'ready' | 'failed' | 'archived';

/** Per-feature statistics of the training data, kept so drift checks need not ship it again. */
export type FeatureProfile =
  | {
      readonly kind: 'numeric';
      readonly count: number;
      readonly missing: number;
      readonly min: number;
      readonly max: number;
      readonly mean: number;
      readonly std: number;
      readonly quantiles: Readonly<Record<string, number>>;
      readonly distinct: number;
      /** Histogram bin edges (bins + 1 values) and counts. */
      readonly histogram: { readonly edges: readonly number[]; readonly counts: readonly number[] };
      /** A uniform sample of at most a few thousand values, for exact tests such as KS. */
      readonly sample: readonly number[];
    }
  | {
      readonly kind: 'categorical';
      readonly count: number;
      readonly missing: number;
      readonly distinct: number;
      readonly frequencies: Readonly<Record<string, number>>;
    };

export interface ReferenceProfile {
  readonly rows: number;
  readonly sha256: string;
  readonly features: Readonly<Record<string, FeatureProfile>>;
  /** The label column, when one was named, profiled like a feature. */
  readonly label?: { readonly name: string; readonly profile: FeatureProfile };
}

export interface VersionRecord {
  readonly model: string;
  readonly version: number;
  readonly status: VersionStatus;
  readonly statusReason?: string;
  readonly description: string;
  readonly artifact: ArtifactRef;
  readonly servingArtifact?: DerivedArtifactRef;
  readonly signature: Signature;
  /** Input feature names in tensor column order, when known. */
  readonly features: readonly string[] | null;
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Tags;
  readonly lineage: Lineage;
  readonly modelCard: string | null;
  readonly referenceProfile: ReferenceProfile | null;
  /** Free-form metadata owned by other modules (serving class labels, examples). */
  readonly extra: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
}

export type NewVersion = Omit<VersionRecord, 'version' | 'createdAt' | 'updatedAt'>;

export type VersionPatch = Partial<Pick<VersionRecord, 'status' | 'statusReason' | 'description' | 'tags' | 'modelCard' | 'extra'>>;

export interface AliasRecord {
  readonly model: string;
  readonly alias: string;
  readonly version: number;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

export type Decision = 'approved' | 'rejected';

export interface ApprovalRecord {
  readonly id: number;
  readonly model: string;
  readonly version: number;
  readonly alias: string;
  readonly decision: Decision;
  readonly actor: string;
  readonly comment: string;
  readonly createdAt: string;
}

export type HistoryKind =
  | 'model.created' | 'model.updated' | 'model.deleted'
  | 'version.registered' | 'version.updated' | 'version.archived' | 'version.deleted'
  | 'alias.set' | 'alias.removed'
  | 'approval.approved' | 'approval.rejected'
  | 'evaluation.recorded';

export interface HistoryEvent {
  readonly id: number;
  readonly model: string;
  readonly kind: HistoryKind;
  readonly version: number | null;
  readonly alias: string | null;
  /** For alias events: the version the alias pointed to before (null if none). */
  readonly previousVersion: number | null;
  readonly actor: string;
  readonly reason: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly at: string;
}

export type NewHistoryEvent = Omit<HistoryEvent, 'id' | 'at' | 'model'> & { readonly at?: string };

export interface EvaluationRecord {
  readonly id: number;
  readonly model: string;
  readonly version: number;
  /** passed | failed | no-gates | inconclusive */
  readonly verdict: string;
  readonly report: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque cursor for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface ModelQuery {
  readonly prefix?: string;
  readonly tag?: Readonly<Record<string, string>>;
  readonly orderBy?: 'name' | 'createdAt' | 'updatedAt';
  readonly descending?: boolean;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface MetricRange {
  readonly metric: string;
  readonly min?: number;
  readonly max?: number;
}

export interface VersionQuery {
  readonly status?: readonly VersionStatus[];
  readonly tag?: Readonly<Record<string, string>>;
  readonly metrics?: readonly MetricRange[];
  /** Order by version number (default), creation time, or a metric. */
  readonly orderBy?: 'version' | 'createdAt' | { readonly metric: string };
  readonly descending?: boolean;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface HistoryQuery {
  readonly alias?: string;
  readonly version?: number;
  readonly kinds?: readonly HistoryKind[];
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly cursor?: string;
}
