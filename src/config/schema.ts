/**
 * The configuration schema: every option, its type and default. The loader
 * (load.ts) merges defaults, the YAML file, MODELGATE_* variables and flags
 * against this table, so adding an option is one line here.
 *
 * Environment names follow the path: `registry.maxArtifactBytes` is
 * MODELGATE_REGISTRY__MAX_ARTIFACT_BYTES, `dataDir` is MODELGATE_DATA_DIR.
 */

export type FieldSpec =
  | { readonly type: 'string'; readonly default?: string; readonly secret?: boolean; readonly doc: string }
  | { readonly type: 'int'; readonly default?: number; readonly min?: number; readonly max?: number; readonly doc: string }
  | { readonly type: 'number'; readonly default?: number; readonly min?: number; readonly max?: number; readonly doc: string }
  | { readonly type: 'bool'; readonly default?: boolean; readonly doc: string }
  | { readonly type: 'duration'; readonly default?: string; readonly doc: string }
  | { readonly type: 'bytes'; readonly default?: string | number; readonly doc: string }
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly default?: string; readonly doc: string }
  | { readonly type: 'stringList'; readonly default?: readonly string[]; readonly doc: string }
  /** A map from a name to a section with fixed fields (e.g. protected aliases). */
  | { readonly type: 'map'; readonly of: SectionSpec; readonly default?: Readonly<Record<string, unknown>>; readonly doc: string }
  /** Free-form data validated by its owner (alert rules, notifiers). */
  | { readonly type: 'any'; readonly default?: unknown; readonly secret?: boolean; readonly doc: string };

export interface SectionSpec {
  readonly [key: string]: FieldSpec | SectionSpec;
}

export function isField(spec: FieldSpec | SectionSpec): spec is FieldSpec {
  return typeof (spec as { type?: unknown }).type === 'string' && typeof (spec as { doc?: unknown }).doc === 'string';
}

export const configSchema = {
  dataDir: { type: 'string', default: './.modelgate', doc: 'Directory for the embedded store, blobs and logs.' },
  databaseUrl: { type: 'string', secret: true, doc: 'postgres://… to share a PostgreSQL store; unset: SQLite in dataDir.' },
  redisUrl: { type: 'string', secret: true, doc: 'redis://… for the shared cache and rate limits; unset: in-process.' },
  blobUrl: { type: 'string', doc: 's3://bucket/prefix for artifacts; unset: dataDir/blobs.' },
  url: { type: 'string', doc: 'Server URL for CLI commands; unset: work on dataDir directly.' },
  token: { type: 'string', secret: true, doc: 'API key (mg_…) or JWT the CLI sends to the server at url; file:PATH reads it from a file.' },
  user: { type: 'string', default: 'local', doc: 'Actor recorded in history when no authenticated principal is present.' },
  logLevel: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', doc: 'Log level.' },
  server: {
    host: { type: 'string', default: '127.0.0.1', doc: 'Address to listen on.' },
    port: { type: 'int', default: 8080, min: 0, max: 65535, doc: 'Port to listen on.' },
    workers: { type: 'int', default: 0, min: 0, max: 256, doc: 'Data-plane worker processes; 0 means one per CPU core.' },
    bodyLimit: { type: 'bytes', default: '32mb', doc: 'Largest JSON or binary request body.' },
    maxJsonDepth: { type: 'int', default: 64, min: 2, max: 1000, doc: 'Deepest nesting of arrays and objects accepted in a control-plane JSON body.' },
    maxTensorElements: { type: 'int', default: 16_777_216, min: 1, doc: 'Most tensor elements one inference request may declare (sum over its inputs).' },
    maxHeaderSize: { type: 'bytes', default: '16kb', doc: 'Largest total size of request headers.' },
    requestTimeout: { type: 'duration', default: '5m', doc: 'Longest time to receive a whole request (slow uploads are cut).' },
    headersTimeout: { type: 'duration', default: '20s', doc: 'Longest time to receive the request headers.' },
    connectionTimeout: { type: 'duration', default: '0ms', doc: 'Idle socket timeout; 0: none beyond keep-alive.' },
    tlsCert: { type: 'string', doc: 'PEM certificate file; with tlsKey the server speaks HTTPS.' },
    tlsKey: { type: 'string', doc: 'PEM private key file for tlsCert.' },
  },
  runtime: {
    intraOpThreads: { type: 'int', default: 0, min: 0, max: 256, doc: 'ONNX Runtime threads inside one operator, per session; 0: the runtime default (one per core).' },
    interOpThreads: { type: 'int', default: 0, min: 0, max: 256, doc: 'ONNX Runtime threads running independent operators, per session; 0: the runtime default.' },
    graphOptimizationLevel: { type: 'enum', values: ['disabled', 'basic', 'extended', 'all'], default: 'all', doc: 'ONNX Runtime graph optimisation level.' },
    executionProviders: { type: 'stringList', default: ['cpu'], doc: 'Execution providers in order of preference (cpu, cuda); cuda falls back to cpu, with the reason in the model metadata.' },
    allowNonFinite: { type: 'bool', default: false, doc: 'Accept NaN and infinity in float inputs.' },
    maxBatchRows: { type: 'int', default: 0, min: 0, doc: 'Largest first (batch) dimension accepted per request; 0: no limit (dynamic batching sets its own).' },
  },
  rollout: {
    controller: { type: 'bool', default: true, doc: 'Run the rollout controller in this process (the primary, or the only process).' },
    tickInterval: { type: 'duration', default: '1s', doc: 'How often the rollout controller advances active rollouts.' },
    webhookSecret: { type: 'string', secret: true, doc: 'Shared secret signing rollout webhook payloads (HMAC-SHA256); unset: unsigned.' },
    rollbackWindow: { type: 'duration', default: '24h', doc: 'Rolling back to a version that was stable within this window switches at once, skipping the steps.' },
  },
  registry: {
    maxArtifactBytes: { type: 'bytes', default: '4gb', doc: 'Largest artifact accepted at registration.' },
    archivePreviousOnMove: { type: 'bool', default: false, doc: 'Archive the version an alias leaves when it moves.' },
    protectedAliases: {
      type: 'map',
      default: { production: { approvals: 1, requireEvaluation: false } },
      of: {
        approvals: { type: 'int', default: 1, min: 0, max: 20, doc: 'Approvals needed from principals other than the registrant.' },
        requireEvaluation: { type: 'bool', default: false, doc: 'Require a passing evaluation stored on the version.' },
      },
      doc: 'Aliases that need approvals before they can point at a version.',
    },
    retention: {
      keepLast: { type: 'int', min: 1, doc: 'Keep at least the newest N versions of each model.' },
      maxAge: { type: 'duration', doc: 'Versions older than this may be collected (e.g. 90d).' },
    },
    gcGracePeriod: { type: 'duration', default: '1h', doc: 'gc leaves an unreferenced blob younger than this (a registration in another process may still be writing its version).' },
  },
  security: {
    auth: { type: 'enum', values: ['none', 'required'], default: 'none', doc: 'required: every non-public route needs an API key or a JWT.' },
    insecure: { type: 'bool', default: false, doc: 'Allow a non-loopback host without authentication.' },
    jwt: {
      secret: { type: 'string', secret: true, doc: 'Shared secret for HS256 tokens (at least 32 bytes).' },
      jwksUrl: { type: 'string', doc: 'URL of a JSON Web Key Set for RS256/ES256 tokens.' },
      jwksFile: { type: 'string', doc: 'File holding a JSON Web Key Set for RS256/ES256 tokens.' },
      jwksRefresh: { type: 'duration', default: '10m', doc: 'How long a fetched JWKS is trusted before it is fetched again.' },
      audience: { type: 'string', doc: 'Required `aud` claim.' },
      issuer: { type: 'string', doc: 'Required `iss` claim.' },
      clockSkew: { type: 'duration', default: '30s', doc: 'Allowance when checking exp and nbf.' },
      roleClaim: { type: 'string', default: 'roles', doc: 'Claim holding the role names (a string or a list).' },
      permissionClaim: { type: 'string', default: 'permissions', doc: 'Claim holding extra permissions (a string or a list).' },
    },
    roles: { type: 'any', default: {}, doc: 'Role name → list of permissions; overrides or adds to the built-in roles.' },
    rateLimit: {
      perPrincipal: {
        rate: { type: 'number', default: 0, min: 0, doc: 'Requests per second per principal; 0 disables.' },
        burst: { type: 'int', default: 0, min: 0, doc: 'Bucket size per principal; 0 means max(1, rate).' },
      },
      perEndpoint: {
        rate: { type: 'number', default: 0, min: 0, doc: 'Requests per second per endpoint; 0 disables.' },
        burst: { type: 'int', default: 0, min: 0, doc: 'Bucket size per endpoint; 0 means max(1, rate).' },
      },
    },
    audit: {
      predictions: { type: 'bool', default: false, doc: 'Also audit every prediction request (not only state changes).' },
    },
    fieldKeys: { type: 'any', default: {}, secret: true, doc: 'Key id → base64 32-byte AES key for prediction-log fields.' },
    fieldKeyId: { type: 'string', doc: 'Key id used to seal new fields; unset: the only key in fieldKeys.' },
    compliance: {
      maxPredictionRetention: { type: 'duration', default: '90d', doc: 'Longest prediction-log retention (monitoring.predictionLog.maxAge) the compliance report accepts.' },
    },
  },
  monitoring: {
    enabled: { type: 'bool', default: true, doc: 'Live windows, request metrics, prediction log and live drift on the request path; false turns them all off.' },
    bucket: { type: 'duration', default: '10s', doc: 'Width of one live-window bucket (windows of 1m, 5m and 1h are built from them).' },
    pushInterval: { type: 'duration', default: '1s', doc: 'How often workers send their window deltas and feature samples to the primary.' },
    accuracyWindow: { type: 'duration', default: '24h', doc: 'Live accuracy, F1 and MAE use feedback on predictions made within this window.' },
    alertInterval: { type: 'duration', default: '15s', doc: 'How often the primary evaluates alert rules.' },
    builtinAlerts: { type: 'bool', default: true, doc: 'Add the built-in alert pack (p99 latency, error rate, drift, accuracy drop).' },
    predictionLog: {
      samplePercent: { type: 'number', default: 0, min: 0, max: 100, doc: 'Percent of inference requests captured in the prediction log.' },
      endpointPercent: { type: 'any', default: {}, doc: 'Endpoint name → percent captured, overriding samplePercent.' },
      sensitiveFields: { type: 'stringList', default: [], doc: 'Input features (by name) that are encrypted (or dropped) in the log.' },
      sensitiveMode: { type: 'enum', values: ['encrypt', 'drop'], default: 'encrypt', doc: 'encrypt: sealed with security.fieldKeys (AES-256-GCM); drop: not stored.' },
      bufferSize: { type: 'int', default: 10000, min: 1, doc: 'Entries waiting for the store; beyond this new entries are dropped and counted.' },
      batchSize: { type: 'int', default: 500, min: 1, max: 10000, doc: 'Entries written per insert.' },
      flushInterval: { type: 'duration', default: '1s', doc: 'How often buffered entries are written.' },
      maxAge: { type: 'duration', default: '30d', doc: 'Entries older than this are deleted.' },
      maxBytes: { type: 'bytes', default: '1gb', doc: 'Stored inputs and outputs beyond this are deleted, oldest first.' },
      feedbackWindow: { type: 'duration', default: '7d', doc: 'Feedback for a prediction older than this is reported late and not joined.' },
    },
    drift: {
      interval: { type: 'duration', default: '1m', doc: 'How often live drift is computed against each version\'s reference profile.' },
      sampleRate: { type: 'number', default: 0.1, min: 0, max: 1, doc: 'Share of input rows kept for live drift.' },
      maxRowsPerSecond: { type: 'int', default: 100, min: 1, doc: 'Most input rows kept for live drift per second in each process, whatever sampleRate gives under heavy traffic.' },
      windowRows: { type: 'int', default: 1000, min: 10, max: 100000, doc: 'Most recent sampled rows per version compared with the reference.' },
      minRows: { type: 'int', default: 100, min: 1, doc: 'Fewer sampled rows than this: no drift score yet.' },
    },
  },
  alerts: { type: 'any', default: [], doc: 'Alert rules (see docs/monitoring.md).' },
  notifiers: { type: 'any', default: {}, doc: 'Named notifiers for alert rules: webhook, slack or log.' },
} as const satisfies SectionSpec;
