import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { writeBigOnnx } from '../../bench/support/big-onnx.ts';
import { seededRng } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import type { TensorSpec } from '../store/registry-types.ts';
import { readOnnxSignature } from './onnx-model.ts';
import { fileSource } from './onnx-protobuf.ts';
import { concatBytes, messageField, stringField, varintField } from './onnx-protobuf-write.ts';
import { scanModel } from './onnx-scan.ts';

const fixtures = new URL('../../fixtures/models/', import.meta.url);
const fixturePath = (name: string) => new URL(`${name}/model.onnx`, fixtures).pathname;
const FIXTURES = ['breast_cancer_rf', 'breast_cancer_rf_weak', 'iris_logreg', 'diabetes_gbr', 'breast_cancer_mlp', 'wide_mlp', 'zipmap_logreg', 'zipmap_logreg_strings'];
const ORT_TYPES: Record<string, string> = { float32: 'FP32', int64: 'INT64', string: 'BYTES', float64: 'FP64', int32: 'INT32', bool: 'BOOL' };

async function withTempDir(body: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'mg-onnx-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What onnxruntime reports, in the registry's terms. */
function fromOrt(meta: readonly ort.InferenceSession.ValueMetadata[]): Partial<TensorSpec>[] {
  return meta.map((m) =>
    m.isTensor
      ? { name: m.name, datatype: ORT_TYPES[m.type] as TensorSpec['datatype'], shape: m.shape.map((d) => (d === '' ? null : d)) }
      : { name: m.name, datatype: null });
}

test('every fixture model reads as onnxruntime sees it', async () => {
  for (const name of FIXTURES) {
    const signature = await readOnnxSignature(fixturePath(name));
    const session = await ort.InferenceSession.create(fixturePath(name));
    const strip = (specs: readonly TensorSpec[]) => specs.map(({ name: n, datatype, shape }) =>
      datatype === null ? { name: n, datatype } : { name: n, datatype, shape });
    assert.deepEqual(strip(signature.inputs), fromOrt(session.inputMetadata), `${name} inputs`);
    assert.deepEqual(strip(signature.outputs), fromOrt(session.outputMetadata), `${name} outputs`);
    assert.equal(signature.irVersion, 8, name);
    await session.release();
  }
});

test('breast_cancer_rf: input, outputs, opsets, producer, ML operators', async () => {
  const signature = await readOnnxSignature(fixturePath('breast_cancer_rf'));
  assert.deepEqual(signature, {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [null, 30] }],
    outputs: [
      { name: 'label', datatype: 'INT64', shape: [null] },
      { name: 'probabilities', datatype: 'FP32', shape: [null, 2] },
    ],
    irVersion: 8,
    opsets: [{ domain: 'ai.onnx', version: 17 }, { domain: 'ai.onnx.ml', version: 3 }],
    producer: { name: 'sklearn-fixture', version: '' },
    usesMlOperators: true,
    nonTensorOutputs: [],
  });
  const mlp = await readOnnxSignature(fixturePath('breast_cancer_mlp'));
  assert.equal(mlp.usesMlOperators, false);
  assert.deepEqual(mlp.inputs[0].shape, ['batch', 30]);
});

test('a ZipMap output is flagged as a non-tensor with its kind', async () => {
  const signature = await readOnnxSignature(fixturePath('zipmap_logreg'));
  assert.deepEqual(signature.outputs[1], { name: 'output_probability', datatype: null, shape: null, kind: 'seq(map(int64,tensor(float)))' });
  assert.deepEqual(signature.nonTensorOutputs, ['output_probability']);
  const strings = await readOnnxSignature(fixturePath('zipmap_logreg_strings'));
  assert.equal(strings.outputs[0].datatype, 'BYTES');
  assert.equal(strings.outputs[1].kind, 'seq(map(string,tensor(float)))');
});

function typeProto(parts: Uint8Array[]): Uint8Array {
  return messageField(2, parts);
}
const tensorType = (elem: number, dims: Uint8Array[]) =>
  messageField(1, [varintField(1, elem), messageField(2, dims.map((d) => messageField(1, [d])))]);

test('initializers listed as inputs are dropped; optional, map and sparse types get kinds', async () => {
  const valueInfo = (field: number, name: string, type: Uint8Array) => messageField(field, [stringField(1, name), type]);
  const graph = concatBytes([
    messageField(1, [stringField(1, 'x'), stringField(1, 'w'), stringField(2, 'y'), stringField(4, 'Add')]),
    messageField(5, [varintField(1, 2), varintField(2, 1), stringField(8, 'w'), messageField(9, [new Uint8Array(8)])]),
    valueInfo(11, 'x', typeProto([tensorType(10, [varintField(1, 3), stringField(2, 'n')])])),
    valueInfo(11, 'w', typeProto([tensorType(1, [varintField(1, 2)])])),
    valueInfo(12, 'y', typeProto([tensorType(16, [concatBytes([])])])),
    valueInfo(12, 'maybe', typeProto([messageField(9, [messageField(1, [tensorType(9, [])])])])),
    valueInfo(12, 'dict', typeProto([messageField(5, [varintField(1, 8), messageField(2, [tensorType(11, [])])])])),
    valueInfo(12, 'sparse', typeProto([messageField(8, [varintField(1, 1)])])),
    valueInfo(12, 'complex', typeProto([tensorType(14, [])])),
  ]);
  const model = concatBytes([varintField(1, 3), messageField(7, [graph]), messageField(8, [stringField(1, ''), varintField(2, 9)])]);
  await withTempDir(async (dir) => {
    const path = join(dir, 'm.onnx');
    await writeFile(path, model);
    const s = await readOnnxSignature(path);
    assert.deepEqual(s.inputs, [{ name: 'x', datatype: 'FP16', shape: [3, 'n'] }]);
    assert.deepEqual(s.outputs.map((o) => [o.name, o.datatype, o.kind ?? null]), [
      ['y', 'BF16', null],
      ['maybe', null, 'optional(tensor(bool))'],
      ['dict', null, 'map(string,tensor(double))'],
      ['sparse', null, 'sparse_tensor(float)'],
      ['complex', null, 'tensor(complex64)'],
    ]);
    assert.deepEqual(s.outputs[0].shape, [null]);
    assert.deepEqual(s.nonTensorOutputs, ['maybe', 'dict', 'sparse']);
    assert.deepEqual(s.opsets, [{ domain: 'ai.onnx', version: 9 }]);
  });
});

test('a large model is read without touching its initializer bytes', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'big.onnx');
    await writeBigOnnx(path, 32 * 1024 * 1024);
    const fh = await open(path, 'r');
    try {
      let bytesRead = 0;
      const counting = {
        read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
          const result = await fh.read(buffer, offset, length, position);
          bytesRead += result.bytesRead;
          return result;
        },
      } as unknown as FileHandle;
      const size = (await fh.stat()).size;
      const scan = await scanModel(fileSource(counting, size));
      assert.deepEqual([...scan.graph.initializerNames], ['starts', 'ends', 'padding']);
      // A few 64 KiB read windows at most, of a 32 MiB file.
      assert.ok(bytesRead <= 4 * 64 * 1024, `read ${bytesRead} bytes`);
    } finally {
      await fh.close();
    }
  });
});

async function expectInvalid(path: string): Promise<string> {
  let detail = '';
  await assert.rejects(readOnnxSignature(path), (err) => {
    assert.ok(isModelgateError(err, 'MG_REGISTRY_INVALID_ARTIFACT'), String(err));
    detail = String(err.context.detail);
    return true;
  });
  assert.ok(detail.length > 0);
  return detail;
}

test('corrupt, truncated, empty and non-ONNX files are MG_REGISTRY_INVALID_ARTIFACT with a reason', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'bad.onnx');
    const original = await readFile(fixturePath('breast_cancer_rf'));
    await writeFile(path, new Uint8Array(0));
    assert.equal(await expectInvalid(path), 'empty file');
    await writeFile(path, 'name,value\nalpha,1\nbeta,2\n');
    await expectInvalid(path);
    await writeFile(path, '{"model": "not really"}');
    await expectInvalid(path);
    for (const cut of [1, 17, 200, Math.floor(original.length / 2), original.length - 1]) {
      await writeFile(path, original.subarray(0, cut));
      assert.match(await expectInvalid(path), /truncated|no graph|no ir_version/, `cut at ${cut}`);
    }
    const rng = seededRng(42);
    for (let i = 0; i < 20; i++) {
      const noise = Buffer.alloc(1 + Math.floor(rng.next() * 4096));
      for (let j = 0; j < noise.length; j++) noise[j] = Math.floor(rng.next() * 256);
      await writeFile(path, noise);
      await expectInvalid(path);
    }
  });
  await assert.rejects(readOnnxSignature('no/such/model.onnx'), (err) => isModelgateError(err, 'MG_FILE_NOT_FOUND'));
});
