import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declaredTensorElements, jsonDeeperThan } from './request-limits.ts';

test('jsonDeeperThan counts nesting of arrays and objects', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 65; i++) deep = i % 2 ? [deep] : { a: deep };
  assert.equal(jsonDeeperThan(deep, 64), true);
  assert.equal(jsonDeeperThan(deep, 65), false);
  assert.equal(jsonDeeperThan({ a: [1, 2, { b: 3 }] }, 3), false);
  assert.equal(jsonDeeperThan({ a: [1, 2, { b: [] }] }, 3), true);
  assert.equal(jsonDeeperThan('text', 1), false);
});

test('declaredTensorElements reads V2 shapes and V1/MLflow rows', () => {
  assert.equal(declaredTensorElements({ inputs: [{ name: 'x', shape: [1000, 30], datatype: 'FP32', data: [] }, { name: 'y', shape: [2, 2] }] }), 30_004);
  assert.equal(declaredTensorElements({ inputs: [{ shape: [1e9, 1e9] }] }), 1e18);
  assert.equal(declaredTensorElements({ instances: [[1, 2, 3], [4, 5, 6]] }), 6);
  assert.equal(declaredTensorElements({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3, 4], [5, 6]] } }), 6);
  assert.equal(declaredTensorElements({ dataframe_records: [{ a: 1, b: 2 }] }), 2);
  assert.equal(declaredTensorElements(Buffer.from('x')), 0);
  assert.equal(declaredTensorElements(null), 0);
});
