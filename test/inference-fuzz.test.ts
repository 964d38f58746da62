// Malformed requests through every protocol codec: each must fail with a 4xx
// ModelgateError that says what is wrong, never a TypeError or a 500.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRng, type Rng } from '../src/lib/clock.ts';
import { ModelgateError } from '../src/lib/errors.ts';
import type { ServedModel } from '../src/inference/served-model.ts';
import { decodeV2Json } from '../src/inference/v2-json.ts';
import { decodeV2Binary, encodeV2BinaryRequest } from '../src/inference/v2-binary.ts';
import { decodeV1 } from '../src/inference/v1.ts';
import { decodeMlflow } from '../src/inference/mlflow.ts';

const features = Array.from({ length: 30 }, (_, i) => `f${i}`);
const model: ServedModel = {
  name: 'rf', version: '1', features,
  inputs: [{ name: 'input', datatype: 'FP32', shape: [null, 30] }],
  outputs: [{ name: 'label', datatype: 'INT64', shape: [null] }, { name: 'probabilities', datatype: 'FP32', shape: [null, 2] }],
};
const limits = { maxBatchSize: 64 };

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng.next() * items.length)];
const row = (rng: Rng, n = 30): number[] => Array.from({ length: n }, () => rng.next() * 10);
// Built as text: serialising deep nesting would overflow the test's own stack.
const nestedJson = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

type Case = { readonly kind: string; readonly call: () => unknown };

function v2Case(rng: Rng): Case {
  const rows = 1 + Math.floor(rng.next() * 3);
  const good = { name: 'input', datatype: 'FP32', shape: [rows, 30], data: Array.from({ length: rows }, () => row(rng)) };
  const mutations: [string, () => unknown][] = [
    ['wrong datatype', () => ({ inputs: [{ ...good, datatype: pick(rng, ['FP64', 'INT32', 'BOOL', 'FLOAT', 'fp32', 7, null, 'BF16']) }] })],
    ['shape mismatch', () => ({ inputs: [{ ...good, shape: pick(rng, [[rows, 29], [rows * 30], [rows, 30, 1], [-1, 30], [rows, 30.5], ['1', 30], [1e12, 1e12], 'x', null]) }] })],
    ['wrong element count', () => ({ inputs: [{ ...good, data: row(rng, 30 * rows + pick(rng, [-1, 1, 7])) }] })],
    ['bad element', () => ({ inputs: [{ ...good, data: [...row(rng, 30 * rows - 1), pick(rng, ['x', null, {}, true, 'NaN', [[1, 2]]])] }] })],
    ['missing field', () => {
      const input: Record<string, unknown> = { ...good };
      delete input[pick(rng, ['name', 'datatype', 'shape', 'data'])];
      return { inputs: [input] };
    }],
    ['bad envelope', () => pick(rng, [{}, { inputs: [] }, { inputs: {} }, { inputs: [good], id: 5 }, { inputs: [good], parameters: [] }, [], 'x', 3, null])],
    ['unknown input', () => ({ inputs: [good, { ...good, name: 'extra' }] })],
    ['duplicate input', () => ({ inputs: [good, good] })],
    ['unknown output', () => ({ inputs: [good], outputs: [{ name: pick(rng, ['scores', 'prob', '']) }] })],
    ['batch too large', () => ({ inputs: [{ ...good, shape: [65, 30], data: Array.from({ length: 65 }, () => row(rng)) }] })],
    ['non-finite', () => ({ inputs: [{ ...good, shape: [1, 30], data: [...row(rng, 29), 1e39] }] })],
  ];
  if (rng.next() < 0.1) {
    const depth = 3 + Math.floor(rng.next() * 100000);
    const body = `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,30],"data":${nestedJson(depth)}}]}`;
    return { kind: 'v2 deep nesting', call: () => decodeV2Json(body, model, limits) };
  }
  const [kind, make] = pick(rng, mutations);
  return { kind: `v2 ${kind}`, call: () => decodeV2Json(JSON.stringify(make()), model, limits) };
}

function invalidJsonCase(rng: Rng): Case {
  const text = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: row(rng) }] });
  const cut = text.slice(0, 1 + Math.floor(rng.next() * (text.length - 2)));
  const garbage = pick(rng, [cut, `${text}}`, text.replace(':', ''), '\u0000\u0001', '', '[[[[', "{'inputs': []}"]);
  const decoder = pick(rng, ['v2', 'v1', 'mlflow'] as const);
  const call = decoder === 'v2' ? () => decodeV2Json(garbage, model, limits)
    : decoder === 'v1' ? () => decodeV1(garbage, model, limits)
      : () => decodeMlflow(garbage, 'application/json', model, limits);
  return { kind: `${decoder} invalid JSON`, call };
}

function binaryCase(rng: Rng): Case {
  const req = encodeV2BinaryRequest([{ name: 'input', datatype: 'FP32', shape: [2, 30], data: Float32Array.from(row(rng, 60)) }]);
  const mutations: [string, () => [Uint8Array, unknown]][] = [
    ['truncated body', () => [req.body.subarray(0, req.headerLength + Math.floor(rng.next() * 239)), String(req.headerLength)]],
    ['extra bytes', () => [Buffer.concat([req.body, Buffer.alloc(1 + Math.floor(rng.next() * 8))]), String(req.headerLength)]],
    ['header length too large', () => [req.body, String(req.body.byteLength + 1 + Math.floor(rng.next() * 100))]],
    ['header length garbage', () => [req.body, pick(rng, ['abc', '-5', '0', '1.5', ''])]],
    ['header length cuts the JSON', () => [req.body, String(1 + Math.floor(rng.next() * (req.headerLength - 1)))]],
    ['binary size on JSON body', () => [Buffer.from(req.body.subarray(0, req.headerLength)), undefined]],
  ];
  const [kind, make] = pick(rng, mutations);
  const [body, length] = make();
  return { kind: `binary ${kind}`, call: () => decodeV2Binary(body, length, model, limits) };
}

function rowsCase(rng: Rng): Case {
  const obj = Object.fromEntries(features.map((f) => [f, rng.next()]));
  const missing = { ...obj };
  delete missing[pick(rng, features)];
  const mutations: [string, unknown, string?][] = [
    ['missing column', { dataframe_records: [missing] }],
    ['unknown column', { dataframe_records: [{ ...obj, extra: 1 }] }],
    ['split unknown column', { dataframe_split: { columns: [...features.slice(1), 'zz'], data: [row(rng)] } }],
    ['split ragged row', { dataframe_split: { columns: features, data: [row(rng, 29)] } }],
    ['two formats', { instances: [row(rng)], inputs: [row(rng)] }],
    ['no format', { rows: [row(rng)] }],
    ['short row', { instances: [row(rng, 1 + Math.floor(rng.next() * 28))] }],
    ['string value', { instances: [[...row(rng, 29), 'abc']] }],
    ['empty instances', { instances: [] }],
    ['mixed rows', { instances: [row(rng), obj] }],
    ['named tensor unknown', { inputs: { nope: [row(rng)] } }],
    ['csv bad', ['f0,f1', '1,2,3'].join('\n'), 'text/csv'],
    ['csv missing columns', [features.slice(1).join(','), row(rng, 29).join(',')].join('\n'), 'text/csv'],
    ['csv empty field', [features.join(','), `${row(rng, 29).join(',')},`].join('\n'), 'text/csv'],
    ['wrong media type', 'a=1', 'application/x-www-form-urlencoded'],
  ];
  const [kind, body, type] = pick(rng, mutations);
  const useV1 = type === undefined && rng.next() < 0.3 && !kind.startsWith('two') && !kind.startsWith('no');
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const v1Body = typeof body === 'object' && body !== null && 'dataframe_records' in body ? { instances: (body as { dataframe_records: unknown }).dataframe_records } : body;
  return useV1
    ? { kind: `v1 ${kind}`, call: () => decodeV1(JSON.stringify(v1Body), model, limits) }
    : { kind: `mlflow ${kind}`, call: () => decodeMlflow(text, type, model, limits) };
}

test('600 malformed requests all fail with a 4xx catalogue error', () => {
  const rng = seededRng(20260101);
  const makers = [v2Case, invalidJsonCase, binaryCase, rowsCase];
  const kinds = new Map<string, number>();
  for (let i = 0; i < 600; i++) {
    const c = makers[i % makers.length](rng);
    kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
    let thrown: unknown;
    try {
      c.call();
    } catch (err) {
      thrown = err;
    }
    assert.ok(thrown instanceof ModelgateError, `case ${i} (${c.kind}) threw ${thrown === undefined ? 'nothing' : String(thrown)}`);
    assert.ok(thrown.status >= 400 && thrown.status < 500, `case ${i} (${c.kind}) gave ${thrown.status}: ${thrown.message}`);
    assert.ok(thrown.message.length > 10);
  }
  assert.ok(kinds.size >= 30, `only ${kinds.size} kinds of malformed request were generated`);
});
