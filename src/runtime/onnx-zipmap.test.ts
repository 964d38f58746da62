import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { isModelgateError } from '../lib/errors.ts';
import { sha256File } from '../lib/hash.ts';
import { readOnnxSignature } from './onnx-model.ts';
import { bufferSource } from './onnx-protobuf.ts';
import { bytesField, concatBytes, lengthHeader, messageField, stringField, varintField } from './onnx-protobuf-write.ts';
import { scanModel } from './onnx-scan.ts';
import { deriveServingArtifact, unservableOutputs } from './onnx-zipmap.ts';

const fixtures = new URL('../../fixtures/models/', import.meta.url);
const fixture = (name: string, file: string) => new URL(`${name}/${file}`, fixtures).pathname;

interface Expected {
  readonly class_labels: (number | string)[];
  readonly label: (number | string)[];
  readonly probabilities: number[][];
}

async function withTempDir(body: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'mg-zipmap-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function testRows(name: string): Promise<Float32Array> {
  const lines = (await readFile(fixture(name, 'test.csv'), 'utf8')).trim().split('\n').slice(1);
  return Float32Array.from(lines.flatMap((line) => line.split(',').slice(0, 4).map(Number)));
}

function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-5 * Math.abs(expected) + 1e-7;
}

/** The model at `path` with extra fields appended to its graph message. */
async function withGraphFields(path: string, extra: readonly Uint8Array[]): Promise<Uint8Array> {
  const bytes = await readFile(path);
  const { graph } = await scanModel(bufferSource(bytes));
  const added = concatBytes(extra);
  return concatBytes([
    bytes.subarray(0, graph.field.start),
    lengthHeader(7, graph.field.end - graph.field.valueStart + added.length),
    bytes.subarray(graph.field.valueStart, graph.field.end),
    added,
    bytes.subarray(graph.field.end),
  ]);
}

for (const name of ['zipmap_logreg', 'zipmap_logreg_strings']) {
  test(`${name}: the derived model serves the probabilities and the original is untouched`, async () => {
    const expected = JSON.parse(await readFile(fixture(name, 'expected.json'), 'utf8')) as Expected;
    const original = fixture(name, 'model.onnx');
    const before = await sha256File(original);
    await withTempDir(async (dir) => {
      const out = join(dir, 'serving.onnx');
      const derived = await deriveServingArtifact(original, out);
      assert.ok(derived);
      assert.deepEqual(derived.classLabels, expected.class_labels);
      assert.equal(derived.probabilityOutput, 'probabilities');
      assert.match(derived.derivation, /ZipMap/);
      assert.equal(await sha256File(original), before);

      const signature = await readOnnxSignature(out);
      assert.deepEqual(signature.nonTensorOutputs, []);
      assert.deepEqual(signature.outputs[1], { name: 'probabilities', datatype: 'FP32', shape: [null, 3] });

      const rows = await testRows(name);
      const session = await ort.InferenceSession.create(out);
      const result = await session.run({ input: new ort.Tensor('float32', rows, [rows.length / 4, 4]) });
      await session.release();
      const probabilities = result.probabilities.data as Float32Array;
      assert.deepEqual(result.probabilities.dims, [rows.length / 4, 3]);
      expected.probabilities.flat().forEach((p, i) => assert.ok(close(probabilities[i], p), `probability ${i}: ${probabilities[i]} vs ${p}`));
      const labels = Array.from(result.output_label.data as ArrayLike<bigint | string>, (v) => (typeof v === 'bigint' ? Number(v) : v));
      assert.deepEqual(labels, expected.label);

      // Only the graph message changed: the bytes before it are identical.
      const [a, b] = [await readFile(original), await readFile(out)];
      const { graph } = await scanModel(bufferSource(a));
      assert.deepEqual(b.subarray(0, graph.field.start), a.subarray(0, graph.field.start));
    });
  });
}

test('a model without a ZipMap derives nothing and writes nothing', async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'serving.onnx');
    assert.equal(await deriveServingArtifact(fixture('iris_logreg', 'model.onnx'), out), null);
    await assert.rejects(access(out));
  });
});

test('large initializers are copied byte for byte into the derived model', async () => {
  await withTempDir(async (dir) => {
    const payload = Buffer.alloc(3 * 1024 * 1024 + 5);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const tensor = concatBytes([varintField(1, payload.length), varintField(2, 2), stringField(8, 'unused'), bytesField(9, payload)]);
    const path = join(dir, 'big.onnx');
    await writeFile(path, await withGraphFields(fixture('zipmap_logreg', 'model.onnx'), [messageField(5, [tensor])]));
    const out = join(dir, 'serving.onnx');
    assert.ok(await deriveServingArtifact(path, out));
    const derived = await readFile(out);
    assert.ok(derived.includes(Buffer.from(tensor)));
    const { graph } = await scanModel(bufferSource(derived));
    assert.deepEqual(graph.nodes.map((n) => n.opType), ['LinearClassifier']);
    assert.deepEqual(graph.outputs.map((o) => o.name), ['output_label', 'probabilities']);
  });
});

test('other non-tensor outputs, or a ZipMap output used inside the graph, are refused', async () => {
  await withTempDir(async (dir) => {
    const seqType = messageField(2, [messageField(4, [messageField(1, [messageField(1, [varintField(1, 1)])])])]);
    const extraOutput = [
      messageField(1, [stringField(1, 'probabilities'), stringField(2, 'as_seq'), stringField(3, 'seq'), stringField(4, 'SequenceConstruct')]),
      messageField(12, [stringField(1, 'as_seq'), seqType]),
    ];
    const path = join(dir, 'm.onnx');
    await writeFile(path, await withGraphFields(fixture('zipmap_logreg', 'model.onnx'), extraOutput));
    assert.deepEqual(await unservableOutputs(await scanModel(bufferSource(await readFile(path)))), ['as_seq (seq(tensor(float)))']);
    await assert.rejects(deriveServingArtifact(path, join(dir, 'out.onnx')), (err) =>
      isModelgateError(err, 'MG_REGISTRY_UNSUPPORTED_ARTIFACT') && /as_seq/.test(err.message));

    const consumer = [messageField(1, [stringField(1, 'output_probability'), stringField(2, 'again'), stringField(3, 'use'), stringField(4, 'Identity')])];
    await writeFile(path, await withGraphFields(fixture('zipmap_logreg', 'model.onnx'), consumer));
    await assert.rejects(deriveServingArtifact(path, join(dir, 'out.onnx')), (err) =>
      isModelgateError(err, 'MG_REGISTRY_UNSUPPORTED_ARTIFACT') && /feeds node "use"/.test(err.message));
  });
});

test('a corrupt model is MG_REGISTRY_INVALID_ARTIFACT', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'cut.onnx');
    const bytes = await readFile(fixture('zipmap_logreg', 'model.onnx'));
    await writeFile(path, bytes.subarray(0, bytes.length - 3));
    await assert.rejects(deriveServingArtifact(path, join(dir, 'out.onnx')), (err) => isModelgateError(err, 'MG_REGISTRY_INVALID_ARTIFACT'));
  });
});
