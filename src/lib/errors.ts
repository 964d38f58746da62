/**
 * The one error catalogue. Every error modelgate reports has a stable code, an
 * HTTP status and a message template filled from the error's context. The
 * HTTP error handler, the CLI and docs/errors.md all read from here; a test
 * keeps docs/errors.md in step with this table.
 */

interface CatalogueEntry {
  readonly status: number;
  readonly message: string;
}

export const errorCatalogue = {
  // Generic input and transport
  MG_BAD_REQUEST: { status: 400, message: 'Bad request: {detail}' },
  MG_VALIDATION_FAILED: { status: 400, message: 'Invalid {location}: {detail}' },
  MG_NOT_FOUND: { status: 404, message: 'No route {method} {url}' },
  MG_PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body exceeds the limit of {limit} bytes' },
  MG_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type {contentType}: {detail}' },
  MG_INTERNAL: { status: 500, message: 'Internal error: {detail}' },
  MG_UNAVAILABLE: { status: 503, message: 'Service unavailable: {detail}' },

  // Configuration and usage
  MG_CONFIG_INVALID: { status: 400, message: 'Invalid configuration {key}: {detail}' },
  MG_CONFIG_FILE_UNREADABLE: { status: 400, message: 'Cannot read configuration file {file}: {detail}' },
  MG_USAGE: { status: 400, message: '{detail}' },
  MG_FILE_NOT_FOUND: { status: 400, message: 'File not found: {file}' },

  // Registry
  MG_REGISTRY_INVALID_NAME: { status: 400, message: 'Invalid {kind} name "{name}": {detail}' },
  MG_REGISTRY_MODEL_NOT_FOUND: { status: 404, message: 'Model "{model}" does not exist' },
  MG_REGISTRY_MODEL_EXISTS: { status: 409, message: 'Model "{model}" already exists' },
  MG_REGISTRY_MODEL_NOT_EMPTY: { status: 409, message: 'Model "{model}" still has {count} version(s) holding an alias or deployed; remove them first or pass force' },
  MG_REGISTRY_VERSION_NOT_FOUND: { status: 404, message: 'Model "{model}" has no version {version}' },
  MG_REGISTRY_VERSION_ARCHIVED: { status: 409, message: 'Version {version} of "{model}" is archived and cannot take alias "{alias}"' },
  MG_REGISTRY_VERSION_NOT_READY: { status: 409, message: 'Version {version} of "{model}" is {status}, not ready' },
  MG_REGISTRY_ALIAS_NOT_FOUND: { status: 404, message: 'Model "{model}" has no alias "{alias}"' },
  MG_REGISTRY_ALIAS_RESERVED: { status: 400, message: 'Alias "{alias}" is reserved: {detail}' },
  MG_REGISTRY_APPROVAL_REQUIRED: { status: 409, message: 'Alias "{alias}" is protected: version {version} of "{model}" has {have} of {need} approvals' },
  MG_REGISTRY_APPROVAL_REJECTED: { status: 409, message: 'Version {version} of "{model}" was rejected for alias "{alias}" by {actor}' },
  MG_REGISTRY_EVALUATION_REQUIRED: { status: 409, message: 'Alias "{alias}" requires a passing evaluation of version {version} of "{model}"' },
  MG_REGISTRY_SELF_APPROVAL: { status: 403, message: '{actor} registered version {version} of "{model}" and cannot approve it' },
  MG_REGISTRY_ALREADY_DECIDED: { status: 409, message: '{actor} already recorded a decision on version {version} of "{model}" for alias "{alias}"' },
  MG_REGISTRY_INVALID_ARTIFACT: { status: 422, message: 'The artifact is not a valid ONNX model: {detail}' },
  MG_REGISTRY_ARTIFACT_TOO_LARGE: { status: 413, message: 'The artifact exceeds the limit of {limit} bytes' },
  MG_REGISTRY_INVALID_METADATA: { status: 400, message: 'Invalid version metadata: {detail}' },
  MG_REGISTRY_INVALID_CURSOR: { status: 400, message: 'Invalid pagination cursor' },
  MG_REGISTRY_VERSION_PROTECTED: { status: 409, message: 'Version {version} of "{model}" is {reason} and cannot be deleted' },
  MG_REGISTRY_UNSUPPORTED_ARTIFACT: { status: 422, message: 'The artifact cannot be served: {detail}' },
  MG_REGISTRY_VERSION_HAS_ALIAS: { status: 409, message: 'Version {version} of "{model}" holds alias(es) {aliases}; move them before archiving' },

  // Stores
  MG_STORE_UNAVAILABLE: { status: 503, message: 'The store is unavailable: {detail}' },
  MG_STORE_CONFLICT: { status: 409, message: 'Concurrent update of {target}; retry' },
  MG_BLOB_NOT_FOUND: { status: 404, message: 'Blob {sha256} is missing from the blob store' },
  MG_BLOB_CORRUPT: { status: 500, message: 'Blob {sha256} failed verification: {detail}' },

  // Runtime and inference (data plane)
  MG_RUNTIME_LOAD_FAILED: { status: 422, message: 'Cannot load model {target} into ONNX Runtime: {detail}' },
  MG_RUNTIME_NON_TENSOR_OUTPUT: { status: 422, message: 'Output "{output}" of {target} is not a tensor ({kind}); only tensor outputs can be served' },
  MG_RUNTIME_SESSION_CLOSED: { status: 503, message: 'The session for {target} is {state} and takes no new requests' },
  MG_INFERENCE_FAILED: { status: 500, message: 'Inference failed in the runtime: {detail}' },
  MG_INFERENCE_INVALID_REQUEST: { status: 400, message: 'Invalid inference request: {detail}' },
  MG_INFERENCE_INVALID_INPUT: { status: 400, message: 'Invalid input "{input}": {detail}' },
  MG_INFERENCE_UNKNOWN_OUTPUT: { status: 400, message: 'Requested output "{output}" does not exist; the model has {available}' },
  MG_INFERENCE_BATCH_TOO_LARGE: { status: 400, message: 'Input "{input}" has batch size {size}; the limit is {limit}' },
  MG_INFERENCE_MODEL_NOT_FOUND: { status: 404, message: 'Model "{model}" is not served here' },
  MG_INFERENCE_VERSION_NOT_FOUND: { status: 404, message: 'Model "{model}" has no served version {version}' },
  MG_INFERENCE_MODEL_NOT_READY: { status: 503, message: 'Model "{model}" is not ready: {detail}' },
  MG_INFERENCE_OVERLOADED: { status: 503, message: 'Model "{model}" is overloaded ({detail}); retry after {retryAfter} s' },
  MG_INFERENCE_QUEUE_TIMEOUT: { status: 503, message: 'The request waited more than {timeoutMs} ms in the queue of "{model}"' },

  // Endpoints (rollout)
  MG_ENDPOINT_NOT_FOUND: { status: 404, message: 'Endpoint "{endpoint}" does not exist' },
  MG_ENDPOINT_INVALID: { status: 400, message: 'Invalid endpoint "{endpoint}": {detail}' },
  MG_ROLLOUT_PLAN_INVALID: { status: 400, message: 'Invalid rollout plan in {source}: {detail}' },
  MG_ROLLOUT_NOT_FOUND: { status: 404, message: 'Endpoint "{endpoint}" has no rollout {id}' },
  MG_ROLLOUT_ACTIVE: { status: 409, message: 'Endpoint "{endpoint}" already has an active rollout {id}; wait for it, abort it, or pass replace: true' },
  MG_ROLLOUT_INVALID_STATE: { status: 409, message: 'Rollout {id} is {phase}: cannot {action}' },
  MG_ROLLOUT_NO_TARGET: { status: 409, message: 'Endpoint "{endpoint}" has nothing to roll back to: {detail}' },

  // Data sets
  MG_DATA_UNREADABLE: { status: 400, message: 'Cannot read data set {file}: {detail}' },
  MG_DATA_INVALID: { status: 400, message: 'Invalid data set {file}: {detail}' },
  MG_DATA_SUITE_INVALID: { status: 400, message: 'Invalid expectation suite {file}: {detail}' },

  // Evaluation
  MG_EVAL_METRIC_UNDEFINED: { status: 422, message: 'Cannot compute {metric}: {detail}' },
  MG_EVAL_GATES_INVALID: { status: 400, message: 'Invalid gates file {file}: {detail}' },
  MG_EVAL_UNSUPPORTED_MODEL: { status: 422, message: 'Cannot evaluate {target}: {detail}' },
  MG_EVAL_DATA_MISMATCH: { status: 400, message: 'Data set {file} does not fit {target}: {detail}' },

  // Drift
  MG_DRIFT_EMPTY_SAMPLE: { status: 422, message: 'The {test} drift test needs data on both sides: {detail}' },
  MG_DRIFT_INVALID_OPTIONS: { status: 400, message: 'Invalid drift options: {detail}' },

  // Monitoring
  MG_MONITORING_ALERT_INVALID: { status: 400, message: 'Invalid alert rule {name}: {detail}' },
  MG_MONITORING_ALERT_EXISTS: { status: 409, message: 'An alert rule named "{name}" already exists' },
  MG_MONITORING_UNAVAILABLE: { status: 503, message: 'Monitoring is unavailable: {detail}' },
  MG_MONITORING_FEEDBACK_INVALID: { status: 400, message: 'Invalid feedback: {detail}' },

  // Security
  MG_AUTH_REQUIRED: { status: 401, message: 'Authentication required: {detail}' },
  MG_AUTH_INVALID: { status: 401, message: 'Invalid credentials: {reason}' },
  MG_AUTH_FORBIDDEN: { status: 403, message: '{principal} lacks the permission {permission}' },
  MG_RATE_LIMITED: { status: 429, message: 'Rate limit of {scope} exceeded; retry after {retryAfter} s' },
  MG_SECURITY_INVALID_PERMISSION: { status: 400, message: 'Invalid permission "{permission}": {detail}' },
  MG_SECURITY_UNKNOWN_ROLE: { status: 400, message: 'Unknown role "{role}"; known roles: {known}' },
  MG_SECURITY_KEY_NOT_FOUND: { status: 404, message: 'No API key with prefix {prefix}' },
  MG_SECURITY_JWKS_UNAVAILABLE: { status: 503, message: 'Cannot load the JSON Web Key Set from {source}: {detail}' },
  MG_SECURITY_FIELD_KEY_UNKNOWN: { status: 422, message: 'No field-encryption key with id "{keyId}"' },
  MG_SECURITY_DECRYPT_FAILED: { status: 422, message: 'Cannot decrypt a protected field: {detail}' },
  MG_SECURITY_JSON_TOO_DEEP: { status: 400, message: 'The JSON body is nested deeper than {limit} levels' },
  MG_SECURITY_TENSOR_TOO_LARGE: { status: 413, message: 'The request declares {elements} tensor elements; the limit is {limit}' },
  MG_SECURITY_AUDIT_BROKEN: { status: 409, message: 'The audit chain is broken at entry {id} ({reason})' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof errorCatalogue;
export type ErrorContext = Readonly<Record<string, unknown>>;

function fill(template: string, context: ErrorContext): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in context ? String(context[key]) : whole,
  );
}

/** An error from the catalogue, with structured context and an optional cause. */
export class ModelgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(fill(errorCatalogue[code].message, context), options);
    this.name = 'ModelgateError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.context = context;
  }
}

export function isModelgateError(err: unknown, code?: ErrorCode): err is ModelgateError {
  return err instanceof ModelgateError && (code === undefined || err.code === code);
}

/** Throws a ModelgateError; for use in expressions (`x ?? fail(...)`). */
export function fail(code: ErrorCode, context: ErrorContext = {}, options?: { cause?: unknown }): never {
  throw new ModelgateError(code, context, options);
}
