/** Routes for versions: streamed multipart upload, listing, details, artifact download, archive. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { fail } from '../lib/errors.ts';
import type { VersionMetadata } from '../registry/api.ts';
import type { RegistryRouteOptions } from './registry.ts';
import { wire, wired } from './wire.ts';
import { parseMetricRanges, parseTags, parseVersionOrder } from './registry-query.ts';
import { ErrorBody, Limit, ModelParams, PageOf, TagFilter, Tags, Version, VersionParams } from './registry-schemas.ts';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };
/** Streamed bytes: Fastify pipes a stream without serialising it. */
const ArtifactBody = Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'the ONNX file' });
const Status = Type.Union([Type.Literal('pending'), Type.Literal('ready'), Type.Literal('failed'), Type.Literal('archived')]);

type Part = MultipartFile | MultipartValue;

/** Largest metadata field; reference profiles with samples run to a few megabytes. */
export const METADATA_LIMIT = 16 * 1024 * 1024;

/** Reads the `metadata` field, which must come before the artifact so the upload can stream. */
function parseMetadataPart(part: Part | undefined): VersionMetadata {
  if (!part || part.type !== 'field' || part.fieldname !== 'metadata') {
    fail('MG_BAD_REQUEST', { detail: 'the first part of the form must be the "metadata" field (JSON), followed by the "artifact" file' });
  }
  if (part.valueTruncated) fail('MG_PAYLOAD_TOO_LARGE', { limit: METADATA_LIMIT });
  // A field sent with Content-Type: application/json arrives already parsed.
  if (typeof part.value === 'object' && part.value !== null) return part.value as VersionMetadata;
  const text = typeof part.value === 'string' ? part.value : String(part.value ?? '');
  try {
    return (text.trim() === '' ? {} : JSON.parse(text)) as VersionMetadata;
  } catch (err) {
    return fail('MG_REGISTRY_INVALID_METADATA', { detail: `the metadata part is not valid JSON (${(err as Error).message})` });
  }
}

async function nextPart(iter: AsyncIterator<Part>): Promise<Part | undefined> {
  const r = await iter.next();
  return r.done ? undefined : r.value;
}

/** Reads the form to its end (the closing boundary, any extra parts) so the request completes. */
async function drain(iter: AsyncIterator<Part>): Promise<void> {
  for (let r = await iter.next(); !r.done; r = await iter.next()) {
    if (r.value.type === 'file') r.value.file.resume();
  }
}

export const versionRoutes: FastifyPluginAsyncTypebox<RegistryRouteOptions> = async (app, { registry, config }) => {
  app.post('/models/:m/versions', {
    schema: {
      tags: ['registry'],
      summary: 'Register a version (multipart/form-data: a "metadata" JSON field first, then the "artifact" file)',
      consumes: ['multipart/form-data'],
      params: ModelParams,
      response: { 201: Version, ...errors, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    const raw = request as FastifyRequest;
    if (!raw.isMultipart()) fail('MG_UNSUPPORTED_MEDIA_TYPE', { contentType: String(request.headers['content-type'] ?? 'none'), detail: 'send multipart/form-data with "metadata" and "artifact" parts' });
    // One byte over the limit reaches the blob store, which refuses it with MG_REGISTRY_ARTIFACT_TOO_LARGE
    // (multipart would otherwise silently truncate at the limit).
    const iter = raw.parts({ limits: { fileSize: config.registry.maxArtifactBytes + 1, files: 1, fields: 1, fieldSize: METADATA_LIMIT } })[Symbol.asyncIterator]();
    const metadata = parseMetadataPart(await nextPart(iter));
    const file = await nextPart(iter);
    if (!file || file.type !== 'file' || file.fieldname !== 'artifact') {
      fail('MG_BAD_REQUEST', { detail: 'the form has no "artifact" file part after "metadata"' });
    }
    const size = Number(request.headers['x-modelgate-artifact-size']);
    let version;
    try {
      version = await registry.registerVersion(request.params.m, file.file,
        { ...metadata, artifactName: metadata.artifactName ?? file.filename }, {
          actor: request.actor,
          ...(Number.isFinite(size) && size > 0 ? { size } : {}),
        });
    } catch (err) {
      // The upload may have stopped mid-file: close the connection after the
      // answer rather than read (possibly gigabytes) to the end.
      file.file.resume();
      void reply.header('connection', 'close');
      drain(iter).catch((drainErr: unknown) => request.log.debug({ err: drainErr }, 'upload drain ended'));
      raw.raw.resume();
      throw err;
    }
    await drain(iter);
    return reply.status(201).send(wire(version));
  });

  app.get('/models/:m/versions', {
    schema: {
      tags: ['registry'],
      summary: 'List versions, filtered by status, tags and metric ranges',
      params: ModelParams,
      querystring: Type.Object({
        status: Type.Optional(Type.Array(Status)),
        tag: Type.Optional(TagFilter),
        metric: Type.Optional(Type.Array(Type.String(), { description: 'name:min:max, either bound may be empty; repeatable' })),
        orderBy: Type.Optional(Type.String({ description: 'version | createdAt | metric:NAME' })),
        desc: Type.Optional(Type.Boolean()),
        limit: Type.Optional(Limit),
        cursor: Type.Optional(Type.String()),
      }, { additionalProperties: false }),
      response: { 200: PageOf(Version), ...errors },
    },
  }, async (request) => {
    const q = request.query;
    return wired(registry.listVersions(request.params.m, {
      status: q.status, tag: parseTags(q.tag), metrics: parseMetricRanges(q.metric), orderBy: parseVersionOrder(q.orderBy),
      descending: q.desc, limit: q.limit, cursor: q.cursor,
    }));
  });

  app.get('/models/:m/versions/:v', {
    schema: { tags: ['registry'], summary: 'Show a version (by number or alias)', params: VersionParams, response: { 200: Version, ...errors } },
  }, async (request) => wired(registry.getVersion(request.params.m, request.params.v)));

  app.patch('/models/:m/versions/:v', {
    schema: {
      tags: ['registry'],
      summary: 'Update the mutable fields of a version',
      params: VersionParams,
      body: Type.Object({ description: Type.Optional(Type.String()), tags: Type.Optional(Tags), modelCard: Type.Optional(Type.String()) }, { additionalProperties: false }),
      response: { 200: Version, ...errors },
    },
  }, async (request) => {
    const v = await registry.getVersion(request.params.m, request.params.v);
    return wired(registry.updateVersion(v.model, v.version, request.body, { actor: request.actor }));
  });

  app.get('/models/:m/versions/:v/artifact', {
    schema: { tags: ['registry'], summary: 'Download the original artifact', params: VersionParams, produces: ['application/octet-stream'], response: { 200: ArtifactBody, ...errors } },
  }, async (request, reply) => {
    const v = await registry.getVersion(request.params.m, request.params.v);
    const artifact = await registry.downloadArtifact(v.model, v.version);
    const fileName = (v.artifact.fileName ?? `${v.model}-${v.version}.onnx`).replace(/[^A-Za-z0-9._-]/g, '_');
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(artifact.size))
      .header('x-modelgate-sha256', artifact.sha256)
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .send(artifact.stream);
  });

  app.post('/models/:m/versions/:v/archive', {
    schema: { tags: ['registry'], summary: 'Archive a version', params: VersionParams, response: { 200: Version, ...errors } },
  }, async (request) => {
    const v = await registry.getVersion(request.params.m, request.params.v);
    return wired(registry.archiveVersion(v.model, v.version, { actor: request.actor }));
  });
};
