/**
 * One ONNX Runtime session per served model version, with its lifecycle:
 * load (execution provider chosen and recorded), warm up, serve while counting
 * in-flight runs, drain, release. A version being replaced keeps answering
 * until its in-flight runs finish; only then is its native memory freed.
 */
import * as ort from 'onnxruntime-node';
import { fail, ModelgateError } from '../lib/errors.ts';
import type { TensorSpec } from '../store/registry-types.ts';
import { datatypeToOrt, ortToDatatype, type NamedTensor, type TensorData, type TensorDatatype } from './tensor.ts';
import { floatToHalf } from './tensor-fp16.ts';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';
export type ExecutionProvider = 'cpu' | 'cuda';

export interface SessionOptions {
  readonly intraOpNumThreads?: number;
  readonly interOpNumThreads?: number;
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /** Whether idle intra-op threads spin waiting for the next run (the runtime's default); false leaves the core to other threads between runs. */
  readonly allowSpinning?: boolean;
  /** Providers in order of preference; 'cuda' is tried only when listed, and 'cpu' is always the fallback. */
  readonly executionProviders?: readonly ExecutionProvider[];
  /** A name for messages (e.g. "fraud v3"); defaults to the file path. */
  readonly label?: string;
}

export type SessionState = 'ready' | 'draining' | 'released';

/** Which provider runs the model, and why a preferred one was not used. */
export interface ProviderChoice {
  readonly provider: ExecutionProvider;
  readonly fallbackReason?: string;
}

function specOf(meta: ort.InferenceSession.ValueMetadata): TensorSpec {
  if (!meta.isTensor) return { name: meta.name, datatype: null, shape: null, kind: 'non-tensor' };
  return {
    name: meta.name,
    datatype: ortToDatatype(meta.type),
    // ORT reports a dynamic dimension as its symbolic name, or "" when it has none.
    shape: meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : typeof d === 'string' && d !== '' ? d : null)),
  };
}

function toOrtTensor(t: NamedTensor): ort.Tensor {
  const type = datatypeToOrt(t.datatype);
  return new ort.Tensor(type, t.data as never, t.shape as number[]);
}

function fromOrtTensor(name: string, t: ort.Tensor): NamedTensor {
  const datatype = ortToDatatype(t.type);
  if (datatype === null) fail('MG_INFERENCE_FAILED', { detail: `output "${name}" has type ${t.type}, which the protocol cannot carry` });
  let data = t.data as TensorData;
  if (datatype === 'FP16' && !(data instanceof Uint16Array)) {
    // Newer runtimes may hand back a Float16Array; the data plane carries bit patterns.
    data = Uint16Array.from(data as unknown as ArrayLike<number>, floatToHalf);
  }
  if (datatype === 'BOOL' && !(data instanceof Uint8Array)) data = Uint8Array.from(data as unknown as ArrayLike<number>, Number);
  return { name, datatype: datatype as TensorDatatype, shape: [...t.dims], data };
}

function open(source: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  return typeof source === 'string' ? ort.InferenceSession.create(source, options) : ort.InferenceSession.create(source, options);
}

async function createSession(source: string | Uint8Array, options: SessionOptions): Promise<{ session: ort.InferenceSession; choice: ProviderChoice }> {
  // The runtime rejects keys present with an undefined value, so only set what was given.
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
    ...(options.interOpNumThreads === undefined ? {} : { interOpNumThreads: options.interOpNumThreads }),
    ...(options.allowSpinning === undefined ? {} : { extra: { session: { intra_op: { allow_spinning: options.allowSpinning ? '1' : '0' } } } }),
  };
  let fallbackReason: string | undefined;
  if (options.executionProviders?.includes('cuda')) {
    const backend = ort.listSupportedBackends().find((b) => b.name === 'cuda');
    if (backend === undefined || !backend.bundled) {
      fallbackReason = 'the installed onnxruntime-node has no CUDA execution provider';
    } else {
      try {
        return { session: await open(source, { ...base, executionProviders: ['cuda'] }), choice: { provider: 'cuda' } };
      } catch (err) {
        fallbackReason = `CUDA failed to start: ${(err as Error).message}`;
      }
    }
  }
  const session = await open(source, { ...base, executionProviders: ['cpu'] });
  return { session, choice: fallbackReason === undefined ? { provider: 'cpu' } : { provider: 'cpu', fallbackReason } };
}

export class ModelSession {
  readonly label: string;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly provider: ProviderChoice;
  #session: ort.InferenceSession;
  #state: SessionState = 'ready';
  #inFlight = 0;
  #idle: (() => void)[] = [];

  private constructor(label: string, session: ort.InferenceSession, provider: ProviderChoice) {
    this.label = label;
    this.#session = session;
    this.provider = provider;
    this.inputs = session.inputMetadata.map(specOf);
    this.outputs = session.outputMetadata.map(specOf);
  }

  /**
   * Loads a model file (or bytes). Fails with MG_RUNTIME_LOAD_FAILED carrying the
   * runtime's message, or MG_RUNTIME_NON_TENSOR_OUTPUT for sequence or map outputs.
   */
  static async load(source: string | Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
    const label = options.label ?? (typeof source === 'string' ? source : 'the model');
    let created: Awaited<ReturnType<typeof createSession>>;
    try {
      created = await createSession(source, options);
    } catch (err) {
      throw new ModelgateError('MG_RUNTIME_LOAD_FAILED', { target: label, detail: (err as Error).message }, { cause: err });
    }
    const ms = new ModelSession(label, created.session, created.choice);
    const bad = ms.outputs.find((o) => o.datatype === null);
    if (bad !== undefined) {
      await created.session.release();
      fail('MG_RUNTIME_NON_TENSOR_OUTPUT', { target: label, output: bad.name, kind: 'sequence or map' });
    }
    return ms;
  }

  get state(): SessionState {
    return this.#state;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Runs the model; `outputNames` limits which outputs are computed and returned. */
  async run(feeds: readonly NamedTensor[], outputNames?: readonly string[]): Promise<NamedTensor[]> {
    if (this.#state !== 'ready') fail('MG_RUNTIME_SESSION_CLOSED', { target: this.label, state: this.#state });
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const t of feeds) ortFeeds[t.name] = toOrtTensor(t);
    const fetches = outputNames !== undefined && outputNames.length > 0 ? [...outputNames] : [...this.#session.outputNames];
    this.#inFlight++;
    try {
      const result = await this.#session.run(ortFeeds, fetches);
      return fetches.map((name) => fromOrtTensor(name, result[name]));
    } catch (err) {
      if (err instanceof ModelgateError) throw err;
      throw new ModelgateError('MG_INFERENCE_FAILED', { detail: (err as Error).message }, { cause: err });
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  /** Feeds built from the signature: batch 1, zeros (empty strings, false) for each input. */
  zeroFeeds(): NamedTensor[] {
    return this.inputs.map((spec) => {
      const datatype = (spec.datatype ?? 'FP32') as TensorDatatype;
      const shape = (spec.shape ?? [1]).map((d) => (typeof d === 'number' ? d : 1));
      const n = shape.reduce((a, b) => a * b, 1);
      return { name: spec.name, datatype, shape, data: zeros(datatype, n) };
    });
  }

  /** One inference so the first real request does not pay for lazy initialisation. */
  async warmup(example?: readonly NamedTensor[]): Promise<void> {
    await this.run(example ?? this.zeroFeeds());
  }

  /** Stops taking runs and resolves once the in-flight ones have finished. */
  async drain(): Promise<void> {
    if (this.#state === 'ready') this.#state = 'draining';
    if (this.#inFlight === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  /** Drains, then frees the native session. Safe to call twice. */
  async release(): Promise<void> {
    await this.drain();
    if (this.#state === 'released') return;
    this.#state = 'released';
    await this.#session.release();
  }
}

function zeros(datatype: TensorDatatype, n: number): TensorData {
  switch (datatype) {
    case 'BYTES': return new Array<string>(n).fill('');
    case 'BOOL': case 'UINT8': return new Uint8Array(n);
    case 'INT8': return new Int8Array(n);
    case 'UINT16': case 'FP16': return new Uint16Array(n);
    case 'INT16': return new Int16Array(n);
    case 'UINT32': return new Uint32Array(n);
    case 'INT32': return new Int32Array(n);
    case 'UINT64': return new BigUint64Array(n);
    case 'INT64': return new BigInt64Array(n);
    case 'FP64': return new Float64Array(n);
    default: return new Float32Array(n);
  }
}
