// Predictions of every fixture model through each protocol codec and an ONNX
// Runtime session match the values in its expected.json (relative difference
// at most 1e-5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelSession } from '../src/runtime/session.ts';
import type { ServedModel } from '../src/inference/served-model.ts';
import { decodeV2Json, encodeV2Json } from '../src/inference/v2-json.ts';
import { decodeV2Binary, encodeV2BinaryRequest, encodeV2Response, splitV2BinaryResponse } from '../src/inference/v2-binary.ts';
import { decodeV1, encodeV1 } from '../src/inference/v1.ts';
import { decodeMlflow, encodeMlflow } from '../src/inference/mlflow.ts';
import { assertClose, load, rowsOf } from './support/expected.ts';

const models = ['breast_cancer_rf', 'iris_logreg', 'diabetes_gbr', 'breast_cancer_mlp', 'wide_mlp'];

for (const name of models) {
  test(`${name}: V2 JSON, V2 binary, V1 and MLflow predictions match expected.json`, async () => {
    const fx = load(name);
    const session = await ModelSession.load(new URL(`../fixtures/models/${name}/model.onnx`, import.meta.url).pathname, { label: name, intraOpNumThreads: 1 });
    await session.warmup();
    const model: ServedModel = { name, version: '1', inputs: session.inputs, outputs: session.outputs, features: fx.columns };
    const input = session.inputs[0];
    const n = fx.rows.length;
    const width = fx.rows[0].length;
    const pick = (predictions: unknown[]): unknown[] =>
      predictions.map((p) => (typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>)[fx.output] : p));

    // V2 JSON, nested data, one requested output, id echoed.
    const v2 = decodeV2Json(JSON.stringify({
      id: 'req-1', inputs: [{ name: input.name, datatype: 'FP32', shape: [n, width], data: fx.rows }], outputs: [{ name: fx.output }],
    }), model);
    const v2Out = await session.run(v2.inputs, v2.outputs);
    const v2Body = JSON.parse(JSON.stringify(encodeV2Json(model, v2, v2Out))) as { id: string; model_name: string; model_version: string; outputs: { name: string; shape: number[]; data: number[] }[] };
    assert.equal(v2Body.id, 'req-1');
    assert.equal(v2Body.model_name, name);
    assert.equal(v2Body.model_version, '1');
    assert.deepEqual(v2Body.outputs.map((o) => o.name), [fx.output]);
    const [o] = v2Body.outputs;
    const w = o.shape[1] ?? 1;
    assertClose(Array.from({ length: n }, (_, r) => o.data.slice(r * w, r * w + w)), fx.expected, `${name} V2 JSON`);

    // V2 binary extension, inputs and outputs binary.
    const req = encodeV2BinaryRequest([{ name: input.name, datatype: 'FP32', shape: [n, width], data: Float32Array.from(fx.rows.flat()) }], { outputs: [fx.output], binaryOutputs: true });
    const bin = decodeV2Binary(req.body, String(req.headerLength), model);
    const res = encodeV2Response(model, bin, await session.run(bin.inputs, bin.outputs));
    assert.equal(res.kind, 'binary');
    if (res.kind !== 'binary') return;
    const split = splitV2BinaryResponse(res.body, res.headerLength);
    const bytes = split.binary.get(fx.output);
    assert.ok(bytes !== undefined);
    const floats = new Float32Array(Uint8Array.from(bytes).buffer);
    assertClose(Array.from({ length: n }, (_, r) => Array.from(floats.subarray(r * w, r * w + w))), fx.expected, `${name} V2 binary`);

    // KServe V1: rows, and objects keyed by feature name where the model has them.
    const v1 = decodeV1({ instances: fx.rows }, model);
    assertClose(rowsOf(pick(encodeV1(await session.run(v1.inputs), v1.rows).predictions)), fx.expected, `${name} V1 rows`);
    if (fx.columns !== null) {
      const cols = fx.columns;
      const objects = fx.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]]).reverse()));
      const v1o = decodeV1(JSON.stringify({ instances: objects }), model);
      assertClose(rowsOf(pick(encodeV1(await session.run(v1o.inputs), v1o.rows).predictions)), fx.expected, `${name} V1 objects`);
    }

    // MLflow: every JSON form, and CSV.
    const bodies: [string, unknown, string?][] = [['instances', { instances: fx.rows }], ['inputs', { inputs: { [input.name]: fx.rows } }]];
    if (fx.columns !== null && fx.csv !== null) {
      const cols = fx.columns;
      const order = [...cols].reverse();
      bodies.push(['dataframe_split', { dataframe_split: { columns: order, data: fx.rows.map((r) => [...r].reverse()) } }]);
      bodies.push(['dataframe_records', { dataframe_records: fx.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]]))) }]);
      bodies.push(['csv', fx.csv, 'text/csv']);
    } else {
      bodies.push(['dataframe_split', { dataframe_split: { data: fx.rows } }]);
    }
    for (const [form, body, type] of bodies) {
      const m = decodeMlflow(typeof body === 'string' ? body : JSON.stringify(body), type, model);
      assertClose(rowsOf(pick(encodeMlflow(await session.run(m.inputs), m.rows).predictions)), fx.expected, `${name} MLflow ${form}`);
    }
    await session.release();
  });
}
