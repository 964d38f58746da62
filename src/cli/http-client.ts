/**
 * RegistryApi over HTTP: the CLI's `--url` mode. Every call maps to one
 * /api/v1 route; server errors come back as ModelgateError with the server's
 * code and message. Uploads stream: the multipart framing is written by hand
 * around the artifact stream, so a large file is never held in memory.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { formatDuration } from '../lib/duration.ts';
import { ModelgateError } from '../lib/errors.ts';
import { remoteError, serverResponse, type ServerTarget } from './server-call.ts';
import type {
  CallContext, GcOptions, GcReport, ModelDetail, RegisterOptions, RegistryApi, VersionComparison, VersionMetadata,
} from '../registry/api.ts';
import type {
  AliasRecord, ApprovalRecord, Decision, EvaluationRecord, HistoryEvent, HistoryQuery, ModelQuery, ModelRecord, Page,
  Tags, VersionQuery, VersionRecord,
} from '../store/registry-types.ts';
import { versionQueryParams } from '../http/registry-query.ts';

const enc = encodeURIComponent;

/**
 * POSTs a streamed body with node:http rather than fetch: fetch copies every
 * chunk through a web stream, which halves upload throughput for large artifacts.
 */
async function postStream(
  url: string,
  headers: Readonly<Record<string, string>>,
  body: AsyncIterable<Uint8Array>,
): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = send(target, { method: 'POST', headers });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  try {
    // The server may answer (e.g. 413) before the body is sent; the answer wins over the broken pipe.
    const sent = pipeline(Readable.from(body), req).catch((err: unknown) => err);
    const res = await response;
    let text = '';
    for await (const chunk of res) text += String(chunk);
    await sent;
    return { status: res.statusCode ?? 500, text };
  } catch (err) {
    throw new ModelgateError('MG_UNAVAILABLE', { detail: `cannot reach ${target.origin}: ${(err as Error).message}` }, { cause: err });
  }
}

/** Yields the multipart body: the metadata part, then the artifact's bytes as they arrive, then the end. */
async function* multipartBody(
  boundary: string,
  metadata: VersionMetadata,
  artifact: AsyncIterable<Uint8Array>,
  onBytes: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  const fileName = (metadata.artifactName ?? 'model.onnx').replace(/["\r\n]/g, '_');
  yield Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\nContent-Type: application/json\r\n\r\n` +
    `${JSON.stringify(metadata)}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="artifact"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  let sent = 0;
  for await (const chunk of artifact) {
    sent += chunk.byteLength;
    onBytes(sent);
    yield chunk;
  }
  yield Buffer.from(`\r\n--${boundary}--\r\n`);
}

export class HttpRegistryClient implements RegistryApi {
  readonly #server: ServerTarget;

  /** `baseUrl` is the server root (http://host:port); extra headers go with every request (e.g. authorization). */
  constructor(baseUrl: string, headers: Readonly<Record<string, string>> = {}) {
    this.#server = { url: baseUrl.replace(/\/+$/, ''), headers };
  }

  #fetch(method: string, path: string, init: { body?: unknown; query?: URLSearchParams } = {}): Promise<Response> {
    const qs = init.query && [...init.query.keys()].length > 0 ? `?${init.query.toString()}` : '';
    return serverResponse(this.#server, method, path + qs, init.body);
  }

  async #json<T>(method: string, path: string, init: { body?: unknown; query?: URLSearchParams } = {}): Promise<T> {
    const res = await this.#fetch(method, path, init);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  createModel(input: { name: string; description?: string; tags?: Tags }): Promise<ModelRecord> {
    return this.#json('POST', '/models', { body: input });
  }

  getModel(name: string): Promise<ModelDetail> {
    return this.#json('GET', `/models/${enc(name)}`);
  }

  listModels(query: ModelQuery = {}): Promise<Page<ModelRecord>> {
    const p = new URLSearchParams();
    if (query.prefix !== undefined) p.set('prefix', query.prefix);
    for (const [k, v] of Object.entries(query.tag ?? {})) p.append('tag', `${k}:${v}`);
    if (query.orderBy !== undefined) p.set('orderBy', query.orderBy);
    if (query.descending !== undefined) p.set('desc', String(query.descending));
    if (query.limit !== undefined) p.set('limit', String(query.limit));
    if (query.cursor !== undefined) p.set('cursor', query.cursor);
    return this.#json('GET', '/models', { query: p });
  }

  updateModel(name: string, patch: { description?: string; tags?: Tags }): Promise<ModelRecord> {
    return this.#json('PATCH', `/models/${enc(name)}`, { body: patch });
  }

  async deleteModel(name: string): Promise<void> {
    await this.#fetch('DELETE', `/models/${enc(name)}`);
  }

  async registerVersion(
    model: string,
    artifact: AsyncIterable<Uint8Array> | Readable,
    metadata: VersionMetadata,
    options: RegisterOptions = {},
  ): Promise<VersionRecord> {
    const boundary = `modelgate-${randomBytes(12).toString('hex')}`;
    const body = multipartBody(boundary, metadata, artifact, (n) => options.onProgress?.(n, options.size));
    const res = await postStream(`${this.#server.url}/api/v1/models/${enc(model)}/versions`, {
      ...this.#server.headers,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      ...(options.size !== undefined ? { 'x-modelgate-artifact-size': String(options.size) } : {}),
    }, body);
    if (res.status >= 400) throw remoteError(res.status, res.text);
    return JSON.parse(res.text) as VersionRecord;
  }

  getVersion(model: string, ref: number | string): Promise<VersionRecord> {
    return this.#json('GET', `/models/${enc(model)}/versions/${enc(String(ref))}`);
  }

  listVersions(model: string, query: VersionQuery = {}): Promise<Page<VersionRecord>> {
    return this.#json('GET', `/models/${enc(model)}/versions`, { query: versionQueryParams(query) });
  }

  updateVersion(model: string, version: number, patch: { description?: string; tags?: Tags; modelCard?: string }): Promise<VersionRecord> {
    return this.#json('PATCH', `/models/${enc(model)}/versions/${version}`, { body: patch });
  }

  archiveVersion(model: string, version: number): Promise<VersionRecord> {
    return this.#json('POST', `/models/${enc(model)}/versions/${version}/archive`);
  }

  async downloadArtifact(model: string, version: number): Promise<{ stream: Readable; size: number; sha256: string }> {
    const res = await this.#fetch('GET', `/models/${enc(model)}/versions/${version}/artifact`);
    if (!res.body) throw new ModelgateError('MG_INTERNAL', { detail: 'the artifact response has no body' });
    return {
      stream: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      size: Number(res.headers.get('content-length') ?? 0),
      sha256: res.headers.get('x-modelgate-sha256') ?? '',
    };
  }

  compareVersions(model: string, a: number | string, b: number | string): Promise<VersionComparison> {
    return this.#json('GET', `/models/${enc(model)}/compare`, { query: new URLSearchParams({ a: String(a), b: String(b) }) });
  }

  setAlias(model: string, alias: string, version: number, ctx?: CallContext): Promise<AliasRecord> {
    return this.#json('PUT', `/models/${enc(model)}/aliases/${enc(alias)}`, { body: { version, ...(ctx?.reason ? { reason: ctx.reason } : {}) } });
  }

  async removeAlias(model: string, alias: string, ctx?: CallContext): Promise<void> {
    const query = ctx?.reason ? new URLSearchParams({ reason: ctx.reason }) : undefined;
    await this.#fetch('DELETE', `/models/${enc(model)}/aliases/${enc(alias)}`, { query });
  }

  decide(model: string, version: number, input: { alias: string; decision: Decision; comment?: string }): Promise<ApprovalRecord> {
    return this.#json('POST', `/models/${enc(model)}/versions/${version}/approvals`, { body: input });
  }

  listApprovals(model: string, version: number): Promise<readonly ApprovalRecord[]> {
    return this.#json('GET', `/models/${enc(model)}/versions/${version}/approvals`);
  }

  addEvaluation(model: string, version: number, input: { verdict: string; report: Record<string, unknown> }): Promise<EvaluationRecord> {
    return this.#json('POST', `/models/${enc(model)}/versions/${version}/evaluations`, { body: input });
  }

  listEvaluations(model: string, version: number): Promise<readonly EvaluationRecord[]> {
    return this.#json('GET', `/models/${enc(model)}/versions/${version}/evaluations`);
  }

  history(model: string, query: HistoryQuery = {}): Promise<Page<HistoryEvent>> {
    const p = new URLSearchParams();
    if (query.alias !== undefined) p.set('alias', query.alias);
    if (query.version !== undefined) p.set('version', String(query.version));
    for (const k of query.kinds ?? []) p.append('kind', k);
    if (query.since !== undefined) p.set('since', query.since);
    if (query.until !== undefined) p.set('until', query.until);
    if (query.limit !== undefined) p.set('limit', String(query.limit));
    if (query.cursor !== undefined) p.set('cursor', query.cursor);
    return this.#json('GET', `/models/${enc(model)}/history`, { query: p });
  }

  async aliasAt(model: string, alias: string, at: string): Promise<number | null> {
    const r = await this.#json<{ version: number | null }>('GET', `/models/${enc(model)}/aliases/${enc(alias)}`, { query: new URLSearchParams({ at }) });
    return r.version;
  }

  gc(options: GcOptions = {}): Promise<GcReport> {
    return this.#json('POST', '/gc', {
      body: {
        ...(options.dryRun !== undefined ? { dryRun: options.dryRun } : {}),
        ...(options.keepLast !== undefined ? { keepLast: options.keepLast } : {}),
        ...(options.maxAgeMs !== undefined ? { maxAge: formatDuration(options.maxAgeMs) } : {}),
        ...(options.model !== undefined ? { model: options.model } : {}),
      },
    });
  }
}
