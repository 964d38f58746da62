/**
 * The registry's storage interface. SQLite (embedded) and PostgreSQL (shared)
 * implement it; one conformance suite (registry-store.suite.ts) runs against
 * both. Every mutating call is one transaction and appends its history event
 * in that same transaction, so history and state never disagree.
 *
 * Errors: MG_REGISTRY_MODEL_NOT_FOUND, MG_REGISTRY_MODEL_EXISTS,
 * MG_REGISTRY_VERSION_NOT_FOUND, MG_REGISTRY_ALIAS_NOT_FOUND,
 * MG_REGISTRY_INVALID_CURSOR, MG_STORE_UNAVAILABLE. Rules that need
 * configuration (protected aliases, approvals) live in the service.
 */
import type {
  AliasRecord, ApprovalRecord, EvaluationRecord, HistoryEvent, HistoryQuery, ModelQuery, ModelRecord,
  NewHistoryEvent, NewVersion, Page, VersionPatch, VersionQuery, VersionRecord, Tags,
} from './registry-types.ts';

export interface RegistryStore {
  /** Creates tables or applies pending migrations; safe to call from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  createModel(model: Omit<ModelRecord, 'createdAt' | 'updatedAt'>, event: NewHistoryEvent): Promise<ModelRecord>;
  getModel(name: string): Promise<ModelRecord | null>;
  updateModel(name: string, patch: { description?: string; tags?: Tags }, event: NewHistoryEvent): Promise<ModelRecord>;
  listModels(query: ModelQuery): Promise<Page<ModelRecord>>;
  /** Deletes the model with its versions, aliases, approvals and evaluations; history is kept. */
  deleteModel(name: string, event: NewHistoryEvent): Promise<void>;

  /**
   * Allocates the next version number (max ever used + 1, never reused even
   * after deletion) and inserts the version atomically; unique under
   * concurrent calls from many processes.
   */
  createVersion(version: NewVersion, event: Omit<NewHistoryEvent, 'version'>): Promise<VersionRecord>;
  getVersion(model: string, version: number): Promise<VersionRecord | null>;
  updateVersion(model: string, version: number, patch: VersionPatch, event: NewHistoryEvent): Promise<VersionRecord>;
  listVersions(model: string, query: VersionQuery): Promise<Page<VersionRecord>>;
  /** The highest version number that is not archived, or null. */
  latestVersion(model: string): Promise<number | null>;
  /** How many versions the model has, archived ones included. */
  countVersions(model: string): Promise<number>;
  deleteVersion(model: string, version: number, event: NewHistoryEvent): Promise<void>;

  /** Points an alias at a version (creating or moving it); records the previous version in the event. */
  setAlias(model: string, alias: string, version: number, event: NewHistoryEvent): Promise<AliasRecord>;
  getAlias(model: string, alias: string): Promise<AliasRecord | null>;
  listAliases(model: string): Promise<readonly AliasRecord[]>;
  deleteAlias(model: string, alias: string, event: NewHistoryEvent): Promise<void>;
  /** The version the alias pointed to at the given time (from history), or null. */
  aliasAt(model: string, alias: string, at: string): Promise<number | null>;

  addApproval(approval: Omit<ApprovalRecord, 'id' | 'createdAt'>, event: NewHistoryEvent): Promise<ApprovalRecord>;
  listApprovals(model: string, version?: number, alias?: string): Promise<readonly ApprovalRecord[]>;

  addEvaluation(evaluation: Omit<EvaluationRecord, 'id' | 'createdAt'>, event: NewHistoryEvent): Promise<EvaluationRecord>;
  listEvaluations(model: string, version: number): Promise<readonly EvaluationRecord[]>;

  history(model: string, query: HistoryQuery): Promise<Page<HistoryEvent>>;

  /** SHA-256 of every artifact (original and serving) some version references. */
  referencedBlobs(): Promise<ReadonlySet<string>>;
}
