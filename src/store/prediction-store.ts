/**
 * Prediction log records as the store keeps them, and the repository the
 * monitoring module receives: sampled request/response pairs, the feedback
 * joined to them by request id, and retention by age and size.
 */
import { endianness } from 'node:os';

export interface PredictionRecord {
  readonly requestId: string;
  readonly endpoint: string;
  readonly version: number;
  /** ISO-8601 time the request was answered. */
  readonly at: string;
  readonly latencyMs: number;
  /** Feature name (or input name) → value; sensitive fields hold `{"enc": …}` envelopes or are absent. */
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
  /** The predicted label or value of a one-row request (what feedback is compared with), null otherwise. */
  readonly prediction: number | string | null;
  readonly feedback: number | string | null;
  readonly feedbackAt: string | null;
}

/** JSON text already written (the prediction log writes common inputs straight from the tensor); stored as is. */
export class JsonText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/**
 * A row to insert: inputs and outputs as objects, or as the JSON text of one.
 * With `features`, inputs is instead the JSON text of the values alone, in
 * feature order (the names are stored once per list, not in every row):
 * an array holding each feature's value (or column of values), or a string
 * from `packFloats`. Either reads back as the object by feature name.
 */
export type PredictionWrite = Omit<PredictionRecord, 'feedback' | 'feedbackAt' | 'inputs' | 'outputs'> & {
  readonly inputs: Readonly<Record<string, unknown>> | JsonText;
  readonly outputs: Readonly<Record<string, unknown>> | JsonText;
  readonly features?: readonly string[];
};

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Float rows (row-major, one value per feature) as a JSON string
 * `"f32:<base64>"` or `"f64:<base64>"` of their little-endian bytes: the
 * exact values, written without formatting each number (about a tenth of the
 * CPU and a third of the bytes of decimal text). Null on a big-endian host.
 */
export function packFloats(data: Float32Array | Float64Array): string | null {
  if (!LITTLE_ENDIAN) return null;
  return `"${data instanceof Float32Array ? 'f32' : 'f64'}:${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')}"`;
}

/** Stored values (see PredictionWrite) back into the object by feature name; a non-finite float reads as null, as JSON writes it. */
export function unpackValues(text: string, names: readonly string[]): Record<string, unknown> {
  const parsed = JSON.parse(text) as unknown;
  if (typeof parsed !== 'string') {
    const values = parsed as unknown[];
    return Object.fromEntries(names.map((n, i) => [n, values[i]]));
  }
  const width = parsed.startsWith('f32:') ? 4 : 8;
  const bytes = Buffer.from(parsed.slice(4), 'base64');
  const columns = names.length;
  const rows = bytes.length / width / columns;
  const at = (r: number, c: number): number | null => {
    const offset = (r * columns + c) * width;
    const v = width === 4 ? bytes.readFloatLE(offset) : bytes.readDoubleLE(offset);
    return Number.isFinite(v) ? v : null;
  };
  return Object.fromEntries(names.map((n, c) => [n, rows === 1 ? at(0, c) : Array.from({ length: rows }, (_, r) => at(r, c))]));
}

export type FeedbackResult =
  | { readonly kind: 'joined'; readonly requestId: string; readonly endpoint: string; readonly version: number }
  | { readonly kind: 'unknown'; readonly requestId: string }
  | { readonly kind: 'late'; readonly requestId: string; readonly endpoint: string; readonly version: number; readonly ageMs: number };

export interface PredictionQuery {
  readonly endpoint: string;
  readonly since?: string;
  readonly until?: string;
  readonly version?: number;
  readonly limit?: number;
  /** Opaque position from the previous page. */
  readonly after?: string;
}

/** Predictions with feedback, for live quality: prediction and truth per row. */
export interface LabelledPair {
  readonly version: number;
  readonly prediction: number | string;
  readonly feedback: number | string;
}

export interface PredictionStore {
  /** Inserts a batch; a request id already stored is skipped. Returns how many were written. */
  insert(records: readonly PredictionWrite[]): Promise<number>;
  /** Records feedback for each id; ids older than `lateBefore` (ISO) are reported late and not joined. */
  feedback(items: readonly { requestId: string; value: number | string }[], at: string, lateBefore: string): Promise<FeedbackResult[]>;
  list(query: PredictionQuery): Promise<{ items: PredictionRecord[]; next: string | null }>;
  labelled(endpoint: string, since: string): Promise<LabelledPair[]>;
  /** Deletes rows answered before `before` (ISO), then the oldest rows beyond `maxBytes` of stored data. Returns rows deleted. */
  prune(before: string, maxBytes: number): Promise<number>;
  close(): Promise<void>;
}
