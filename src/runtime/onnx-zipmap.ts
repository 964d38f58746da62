/**
 * Serving models that end in a ZipMap. skl2onnx's default classifiers return
 * their probabilities as a sequence of {class: probability} maps, which
 * onnxruntime-node cannot hand back ("Non tensor type is temporarily not
 * supported"). The derived artifact drops the ZipMap node and exposes its
 * input, the FP32 [batch, classes] probability tensor, as the graph output;
 * the class labels move to the version's metadata. Only the graph message is
 * rewritten: every other byte, initializers included, is copied from the
 * original file as it is, in bounded chunks.
 */
import { open, unlink } from 'node:fs/promises';
import { ModelgateError } from '../lib/errors.ts';
import { readBytes, readInt64s, readString, submessage } from './onnx-protobuf.ts';
import type { ByteSource, Field } from './onnx-protobuf.ts';
import { lengthHeader, messageField, stringField, varintField } from './onnx-protobuf-write.ts';
import { ML_DOMAIN, scanModel, withOnnxFile } from './onnx-scan.ts';
import type { ModelScan, NodeScan, ValueInfoScan } from './onnx-scan.ts';
import { FLOAT_ELEMENT_TYPE, readValueType } from './onnx-types.ts';

export interface ServingDerivation {
  /** How the serving artifact differs from the original, for people reading the version. */
  readonly derivation: string;
  /** Class labels in the order of the probability tensor's columns. */
  readonly classLabels: (number | string)[];
  /** The graph output that now holds the FP32 [batch, classes] probabilities. */
  readonly probabilityOutput: string;
}

export interface ZipMapOutput {
  readonly node: NodeScan;
  readonly output: ValueInfoScan;
}

const GRAPH_FIELD = 7;
const ATTRIBUTE = { name: 1, ints: 8, strings: 9 } as const;
const COPY_CHUNK_BYTES = 1024 * 1024;

/** Graph outputs produced by an ai.onnx.ml ZipMap node. */
export function zipMapOutputs(scan: ModelScan): ZipMapOutput[] {
  const found: ZipMapOutput[] = [];
  for (const output of scan.graph.outputs) {
    const node = scan.graph.nodes.find((n) => n.domain === ML_DOMAIN && n.opType === 'ZipMap' && n.outputs[0] === output.name);
    if (node) found.push({ node, output });
  }
  return found;
}

/** Outputs that are not tensors and not removable ZipMaps: a model with any of these cannot be served. */
export async function unservableOutputs(scan: ModelScan): Promise<string[]> {
  const zipped = new Set(zipMapOutputs(scan).map((z) => z.output.name));
  const out: string[] = [];
  for (const output of scan.graph.outputs) {
    if (zipped.has(output.name)) continue;
    const type = await readValueType(scan.src, output.type);
    if (type.datatype === null) out.push(`${output.name} (${type.kind})`);
  }
  return out;
}

function unsupported(detail: string): ModelgateError {
  return new ModelgateError('MG_REGISTRY_UNSUPPORTED_ARTIFACT', { detail });
}

async function classLabels(src: ByteSource, node: NodeScan): Promise<(number | string)[]> {
  for (const attribute of node.attributes) {
    let name = '';
    const ints: number[] = [];
    const strings: string[] = [];
    for await (const f of submessage(src, attribute)) {
      if (f.number === ATTRIBUTE.name) name = await readString(src, f);
      else if (f.number === ATTRIBUTE.ints) ints.push(...(await readInt64s(src, f)));
      else if (f.number === ATTRIBUTE.strings) strings.push(Buffer.from(await readBytes(src, f)).toString('utf8'));
    }
    if (name === 'classlabels_int64s') return ints;
    if (name === 'classlabels_strings') return strings;
  }
  throw unsupported(`ZipMap node "${node.name}" has no class labels`);
}

/** A ValueInfoProto declaring an FP32 tensor of shape [batch, classes]. */
function probabilityValueInfo(name: string, batch: number | string | null, classes: number): Uint8Array {
  const batchDim = typeof batch === 'number' ? [varintField(1, batch)] : typeof batch === 'string' ? [stringField(2, batch)] : [];
  const shape = messageField(2, [messageField(1, batchDim), messageField(1, [varintField(1, classes)])]);
  const tensorType = messageField(1, [varintField(1, FLOAT_ELEMENT_TYPE), shape]);
  return messageField(12, [stringField(1, name), messageField(2, [tensorType])]);
}

type Piece = { readonly copy: Field | { readonly start: number; readonly end: number } } | { readonly bytes: Uint8Array };

function pieceLength(piece: Piece): number {
  return 'bytes' in piece ? piece.bytes.length : piece.copy.end - piece.copy.start;
}

async function writePieces(src: ByteSource, outPath: string, pieces: readonly Piece[]): Promise<void> {
  const out = await open(outPath, 'w');
  try {
    for (const piece of pieces) {
      if ('bytes' in piece) {
        await out.write(piece.bytes);
        continue;
      }
      for (let at = piece.copy.start; at < piece.copy.end; at += COPY_CHUNK_BYTES) {
        const chunk = await src.read(at, Math.min(COPY_CHUNK_BYTES, piece.copy.end - at));
        await out.write(chunk);
      }
    }
    await out.sync();
  } catch (err) {
    await out.close();
    await unlink(outPath).catch(() => undefined);
    throw err;
  }
  await out.close();
}

async function derive(scan: ModelScan, outPath: string): Promise<ServingDerivation | null> {
  const zipmaps = zipMapOutputs(scan);
  if (zipmaps.length === 0) return null;
  if (zipmaps.length > 1) throw unsupported(`more than one ZipMap output (${zipmaps.map((z) => z.output.name).join(', ')})`);
  const others = await unservableOutputs(scan);
  if (others.length > 0) throw unsupported(`output(s) ${others.join(', ')} are not tensors`);
  const [{ node, output }] = zipmaps;
  const consumers = scan.graph.nodes.filter((n) => n !== node && n.inputs.includes(output.name));
  if (consumers.length > 0) throw unsupported(`ZipMap output "${output.name}" also feeds node "${consumers[0].name}"`);
  const probabilities = node.inputs[0];
  if (!probabilities) throw unsupported(`ZipMap node "${node.name}" has no input`);
  const labels = await classLabels(scan.src, node);

  const firstInput = scan.graph.inputs.find((i) => !scan.graph.initializerNames.has(i.name));
  const inputShape = firstInput ? (await readValueType(scan.src, firstInput.type)).shape : null;
  const batch = inputShape && inputShape.length > 0 ? inputShape[0] : null;
  const alreadyOutput = scan.graph.outputs.some((o) => o.name === probabilities);

  const graphPieces: Piece[] = [];
  for (const field of scan.graph.fields) {
    if (field === node.field) continue;
    if (field === output.field) {
      if (!alreadyOutput) graphPieces.push({ bytes: probabilityValueInfo(probabilities, batch, labels.length) });
      continue;
    }
    graphPieces.push({ copy: field });
  }
  const graphLength = graphPieces.reduce((sum, piece) => sum + pieceLength(piece), 0);
  const graph = scan.graph.field;
  await writePieces(scan.src, outPath, [
    { copy: { start: 0, end: graph.start } },
    { bytes: lengthHeader(GRAPH_FIELD, graphLength) },
    ...graphPieces,
    { copy: { start: graph.end, end: scan.src.size } },
  ]);
  return {
    derivation: `ZipMap removed: output "${output.name}" replaced by the FP32 [batch, ${labels.length}] tensor "${probabilities}"`,
    classLabels: labels,
    probabilityOutput: probabilities,
  };
}

/**
 * Writes to `outPath` a copy of the model at `path` whose ZipMap output is
 * replaced by the probability tensor feeding it. Null (and nothing written)
 * when the model has no ZipMap output; MG_REGISTRY_UNSUPPORTED_ARTIFACT when it
 * has one but also other outputs that cannot be served.
 */
export async function deriveServingArtifact(path: string, outPath: string): Promise<ServingDerivation | null> {
  return withOnnxFile(path, async (src) => derive(await scanModel(src), outPath));
}
