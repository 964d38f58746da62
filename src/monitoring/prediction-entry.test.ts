import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonText } from '../store/prediction-store.ts';
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

test('inputs are written straight from the tensor as their values in feature order, beside the names', () => {
  for (const [rows, data] of [[1, [0.1, Number.NaN, -0]], [2, [1.5, 2, 3, 4e-9, 5, Infinity]]] as const) {
    const features = ['a "quoted"', 'b', 'c'];
    const entry = predictionEntry(request(features, rows, [...data]), 0, policy);
    assert.ok(entry.inputs instanceof JsonText);
    assert.equal(entry.features, features);
    const f32 = Float32Array.from(data);
    const col = (c: number): unknown => (rows === 1 ? f32[c] : Array.from({ length: rows }, (_, i) => f32[i * 3 + c]));
    assert.equal(entry.inputs.text, JSON.stringify([col(0), col(1), col(2)]));
    assert.equal(entry.prediction, rows === 1 ? 0 : null);
  }
});

test('with sensitive fields, inputs are an object by name, and a dropped field is absent', () => {
  const entry = predictionEntry(request(['ssn', 'age'], 1, [123, 40]), 0, { ...policy, sensitive: new Set(['ssn']) });
  assert.deepEqual(entry.inputs, { age: 40 });
  assert.equal(entry.features, undefined);
});
