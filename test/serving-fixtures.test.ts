// Every fixture model registered, deployed to an endpoint and called over
// HTTP (app.inject): V2 JSON, V2 binary, KServe V1 and MLflow predictions
// match expected.json; a ZipMap model serves its probabilities.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { encodeV2BinaryRequest, splitV2BinaryResponse } from '../src/inference/v2-binary.ts';
import { fixture, makeTestApp, type TestApp } from './support/app.ts';
import { assertClose, load, rowsOf, type Fixture } from './support/expected.ts';

let t: TestApp;
before(async () => {
  t = await makeTestApp();
});
after(async () => t.close());

async function deploy(model: string, fx: Fixture): Promise<string> {
  await t.services.registry.createModel({ name: model });
  await t.services.registry.registerVersion(model, createReadStream(fixture(model)), fx.columns === null ? {} : { features: fx.columns });
  const endpoint = `ep-${model.replaceAll('_', '-')}`;
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', payload: { name: endpoint, model, version: 'latest' } });
  assert.equal(res.statusCode, 200, res.body);
  return endpoint;
}

const pickOutput = (name: string) => (p: unknown): unknown =>
  typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>)[name] : p;

async function checkAllProtocols(model: string): Promise<void> {
  const fx = load(model);
  const endpoint = await deploy(model, fx);
  const meta = (await t.app.inject({ method: 'GET', url: `/v2/models/${endpoint}` })).json() as { inputs: { name: string; shape: number[] }[] };
  const input = meta.inputs[0].name;
  const n = fx.rows.length;
  const width = fx.rows[0].length;
  const byRow = (flat: ArrayLike<number>, w: number): number[][] => Array.from({ length: n }, (_, r) => Array.from(flat).slice(r * w, r * w + w));

  // V2 JSON: nested data, one requested output, id echoed, version named.
  const v2 = await t.app.inject({
    method: 'POST', url: `/v2/models/${endpoint}/infer`,
    payload: { id: 'r1', inputs: [{ name: input, datatype: 'FP32', shape: [n, width], data: fx.rows }], outputs: [{ name: fx.output }] },
  });
  assert.equal(v2.statusCode, 200, v2.body);
  assert.equal(v2.headers['x-modelgate-version'], '1');
  const body = v2.json() as { id: string; model_name: string; model_version: string; outputs: { shape: number[]; data: number[] }[] };
  assert.equal(body.id, 'r1');
  assert.equal(body.model_name, endpoint);
  assert.equal(body.model_version, '1');
  assertClose(byRow(body.outputs[0].data, body.outputs[0].shape[1] ?? 1), fx.expected, `${model} V2 JSON`);

  // V2 binary extension, binary in and out, through the versioned path.
  const req = encodeV2BinaryRequest([{ name: input, datatype: 'FP32', shape: [n, width], data: Float32Array.from(fx.rows.flat()) }], { outputs: [fx.output], binaryOutputs: true });
  const bin = await t.app.inject({
    method: 'POST', url: `/v2/models/${endpoint}/versions/1/infer`, payload: req.body,
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(req.headerLength) },
  });
  assert.equal(bin.statusCode, 200, bin.body);
  const split = splitV2BinaryResponse(bin.rawPayload, Number(bin.headers['inference-header-content-length']));
  const bytes = split.binary.get(fx.output);
  assert.ok(bytes !== undefined);
  const w = split.header.outputs[0].shape[1] ?? 1;
  assertClose(byRow(new Float32Array(Uint8Array.from(bytes).buffer), w), fx.expected, `${model} V2 binary`);

  // KServe V1, rows and (with feature names) objects.
  const v1Bodies: unknown[] = [{ instances: fx.rows }];
  const cols = fx.columns;
  if (cols !== null) v1Bodies.push({ instances: fx.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]]))) });
  for (const payload of v1Bodies) {
    const v1 = await t.app.inject({ method: 'POST', url: `/v1/models/${endpoint}:predict`, payload: payload as object });
    assert.equal(v1.statusCode, 200, v1.body);
    assertClose(rowsOf((v1.json() as { predictions: unknown[] }).predictions.map(pickOutput(fx.output))), fx.expected, `${model} V1`);
  }

  // MLflow: JSON forms and CSV.
  const forms: [string, string | object, string][] = [['instances', { instances: fx.rows }, 'application/json'], ['inputs', { inputs: { [input]: fx.rows } }, 'application/json']];
  if (cols !== null && fx.csv !== null) {
    forms.push(['dataframe_split', { dataframe_split: { columns: cols, data: fx.rows } }, 'application/json']);
    forms.push(['dataframe_records', { dataframe_records: fx.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]]))) }, 'application/json']);
    forms.push(['csv', fx.csv, 'text/csv']);
  }
  for (const [form, payload, type] of forms) {
    const res = await t.app.inject({ method: 'POST', url: `/endpoints/${endpoint}/invocations`, payload, headers: { 'content-type': type } });
    assert.equal(res.statusCode, 200, `${form}: ${res.body}`);
    assertClose(rowsOf((res.json() as { predictions: unknown[] }).predictions.map(pickOutput(fx.output))), fx.expected, `${model} MLflow ${form}`);
  }
}

for (const model of ['breast_cancer_rf', 'iris_logreg', 'diabetes_gbr', 'breast_cancer_mlp', 'wide_mlp']) {
  test(`${model}: predictions over HTTP match expected.json on every protocol`, () => checkAllProtocols(model));
}

test('a ZipMap model serves its probabilities, with class labels in the metadata', async () => {
  await checkAllProtocols('zipmap_logreg');
  const meta = (await t.app.inject({ method: 'GET', url: '/v2/models/ep-zipmap-logreg' })).json() as { outputs: { name: string; datatype: string }[]; parameters: { class_labels?: unknown[] } };
  assert.ok(meta.outputs.some((o) => o.name === 'probabilities' && o.datatype === 'FP32'));
  assert.deepEqual(meta.parameters.class_labels, [0, 1, 2]);
});

test('server metadata advertises the binary extension; health routes answer', async () => {
  const server = (await t.app.inject({ method: 'GET', url: '/v2' })).json() as { extensions: string[] };
  assert.ok(server.extensions.includes('binary_tensor_data'));
  assert.equal((await t.app.inject({ method: 'GET', url: '/v2/health/live' })).statusCode, 200);
  assert.equal((await t.app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode, 200);
});
