import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NamedTensor } from '../runtime/tensor.ts';
import { JsonText, unpackValues } from '../store/prediction-store.ts';
import { predictionEntry, type EntryPolicy } from './prediction-entry.ts';
import type { AnsweredRequest } from './request-monitor.ts';

const policy: EntryPolicy = { sensitive: new Set(), mode: 'drop', iso: (ms) => new Date(ms).toISOString() };

function request(features: string[], rows: number, data: number[]): AnsweredRequest {
  return {
    endpoint: 'e', version: 1, protocol: 'v2', status: 200, latencyMs: 1, requestId: 'r1', features,
    inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, features.length], data: Float32Array.from(data) }],
    outputs: [{ name: 'label', datatype: 'INT64', shape: [rows], data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)) }],
  };
}

/** The object by feature name that JSON would hold for these rows (column c of row-major data). */
function byName(features: readonly string[], rows: number, data: ArrayLike<number>): string {
  const col = (c: number): unknown => (rows === 1 ? data[c] : Array.from({ length: rows }, (_, i) => data[i * features.length + c]));
  return JSON.stringify(Object.fromEntries(features.map((f, c) => [f, col(c)])));
}

test('float inputs are packed straight from the tensor beside the names, and read back as the object by name', () => {
  const features = ['a "quoted"', 'b', 'c'];
  for (const [rows, data] of [[1, [0.1, Number.NaN, -2.5]], [2, [1.5, 2, 3, 4e-9, 5, Infinity]]] as const) {
    for (const typed of [Float32Array.from(data), Float64Array.from(data)]) {
      const r = request(features, rows, [...data]);
      const entry = predictionEntry({ ...r, inputs: [{ ...r.inputs![0], datatype: typed instanceof Float32Array ? 'FP32' : 'FP64', data: typed }] }, 0, policy);
      assert.ok(entry.inputs instanceof JsonText);
      assert.equal(entry.features, features);
      assert.match(entry.inputs.text, typed instanceof Float32Array ? /^"f32:/ : /^"f64:/);
      assert.equal(JSON.stringify(unpackValues(entry.inputs.text, features)), byName(features, rows, typed));
      assert.equal(entry.prediction, rows === 1 ? 0 : null);
    }
  }
});

test('one input per feature: the values as a JSON array in feature order', () => {
  const features = ['x', 'y'];
  const inputs: NamedTensor[] = [
    { name: 'y', datatype: 'INT32', shape: [2], data: Int32Array.from([3, 4]) },
    { name: 'x', datatype: 'FP32', shape: [2], data: Float32Array.from([0.5, 1]) },
  ];
  const entry = predictionEntry({ ...request(features, 2, [0, 0, 0, 0]), inputs }, 0, policy);
  assert.ok(entry.inputs instanceof JsonText);
  assert.equal(entry.inputs.text, '[[0.5,1],[3,4]]');
  assert.deepEqual(unpackValues(entry.inputs.text, features), { x: [0.5, 1], y: [3, 4] });
});

test('outputs are written as JSON.stringify would write them by name', () => {
  const probs = (rows: number): NamedTensor => ({ name: 'probabilities', datatype: 'FP32', shape: [rows, 2], data: Float32Array.from({ length: rows * 2 }, (_, i) => (i === 1 ? Number.NaN : i / 8)) });
  const label = (rows: number): NamedTensor => ({ name: 'label', datatype: 'INT64', shape: [rows], data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)) });
  const cube: NamedTensor = { name: 'cube', datatype: 'FP64', shape: [1, 2, 1], data: Float64Array.from([7, 8]) };
  const cases: [number, NamedTensor[], unknown][] = [
    [1, [label(1), probs(1)], { label: 0, probabilities: [0, null] }],
    [2, [label(2), probs(2)], { label: [0, 1], probabilities: [[0, null], [0.25, 0.375]] }],
    [1, [cube, { ...label(1), name: '7' }], { 7: 0, cube: [[7], [8]] }],
  ];
  for (const [rows, outputs, expected] of cases) {
    const r = request(['f'], rows, Array.from({ length: rows }, () => 1));
    const entry = predictionEntry({ ...r, outputs }, 0, policy);
    assert.ok(entry.outputs instanceof JsonText);
    assert.equal(entry.outputs.text, JSON.stringify(expected));
  }
});

test('with sensitive fields, inputs are an object by name, and a dropped field is absent', () => {
  const entry = predictionEntry(request(['ssn', 'age'], 1, [123, 40]), 0, { ...policy, sensitive: new Set(['ssn']) });
  assert.deepEqual(entry.inputs, { age: 40 });
  assert.equal(entry.features, undefined);
});
