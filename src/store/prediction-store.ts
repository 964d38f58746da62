/**
 * Prediction log records as the store keeps them, and the repository the
 * monitoring module receives: sampled request/response pairs, the feedback
 * joined to them by request id, and retention by age and size.
 */

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
 * With `features`, inputs is the JSON text of an array instead, holding each
 * feature's value (or column of values) in that order: the names are stored
 * once per list, not in every row, and the row reads back as the object.
 */
export type PredictionWrite = Omit<PredictionRecord, 'feedback' | 'feedbackAt' | 'inputs' | 'outputs'> & {
  readonly inputs: Readonly<Record<string, unknown>> | JsonText;
  readonly outputs: Readonly<Record<string, unknown>> | JsonText;
  readonly features?: readonly string[];
};

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
