import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FakeClock } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import { loadColumns, type ColumnData } from './dataset.ts';
import { checkExpectation } from './expectations.ts';
import { inferSuite, loadSuite, runSuite, suiteToYaml } from './suite.ts';

const dir = await mkdtemp(join(tmpdir(), 'mg-expect-'));
after(() => rm(dir, { recursive: true, force: true }));
const clock = new FakeClock('2026-01-10T00:00:00.000Z');

const data: ColumnData = {
  columns: ['id', 'age', 'city', 'email', 'seen'],
  rows: 6,
  values: {
    id: [1, 2, 3, 3, 5, 6],
    age: [30, null, 45, 130, -1, 50],
    city: ['Oslo', 'Rome', 'Oslo', 'Paris', null, 'Lima'],
    email: ['a@x.io', 'b@x.io', 'bad', 'c@x.io', 'd@x.io', 'e@x.io'],
    seen: ['2026-01-09T12:00:00Z', '2026-01-01T00:00:00Z', '2026-01-09T23:00:00Z', null, '2025-12-01T00:00:00Z', 'never'],
  },
};

test('column expectations count unexpected values among non-missing ones, and honour mostly', () => {
  const between = checkExpectation({ expect: 'between', column: 'age', min: 0, max: 120 }, data, clock);
  assert.equal(between.success, false);
  assert.deepEqual(between.result, { element_count: 6, missing_count: 1, unexpected_count: 2, unexpected_percent: 40, partial_unexpected_list: [130, -1] });
  assert.equal(checkExpectation({ expect: 'between', column: 'age', min: 0, max: 120, mostly: 0.6 }, data, clock).success, true);
  const notNull = checkExpectation({ expect: 'not_null', column: 'city', mostly: 0.8 }, data, clock);
  assert.equal(notNull.success, true);
  assert.equal(notNull.result.unexpected_count, 1);
  assert.deepEqual(checkExpectation({ expect: 'unique', column: 'id' }, data, clock).result.partial_unexpected_list, [3, 3]);
  assert.deepEqual(checkExpectation({ expect: 'in_set', column: 'city', values: ['Oslo', 'Rome', 'Paris'] }, data, clock).result.partial_unexpected_list, ['Lima']);
  assert.deepEqual(checkExpectation({ expect: 'regex', column: 'email', pattern: '^[^@]+@[^@]+$' }, data, clock).result.partial_unexpected_list, ['bad']);
  assert.equal(checkExpectation({ expect: 'type', column: 'city', type: 'string' }, data, clock).success, true);
  assert.equal(checkExpectation({ expect: 'type', column: 'age', type: 'string' }, data, clock).result.unexpected_count, 5);
});

test('table expectations: row count, column list, and a missing column fails with a reason', () => {
  assert.equal(checkExpectation({ expect: 'row_count_between', min: 1, max: 5 }, data, clock).success, false);
  assert.equal(checkExpectation({ expect: 'column_list', columns: ['id', 'age'] }, data, clock).success, true);
  const exact = checkExpectation({ expect: 'column_list', columns: ['id', 'age'], exact: true }, data, clock);
  assert.equal(exact.success, false);
  assert.match(exact.result.details!, /unexpected city, email, seen/);
  const gone = checkExpectation({ expect: 'not_null', column: 'nope' }, data, clock);
  assert.equal(gone.success, false);
  assert.match(gone.result.details!, /"nope" is not in the data set/);
});

test('freshness compares the newest timestamp with the injected clock', () => {
  const day = 86_400_000;
  const fresh = checkExpectation({ expect: 'freshness', column: 'seen', maxAgeMs: day }, data, clock);
  assert.equal(fresh.success, true);
  assert.equal(fresh.result.observed_value, '2026-01-09T23:00:00.000Z');
  assert.equal(checkExpectation({ expect: 'freshness', column: 'seen', maxAgeMs: 1000 }, data, clock).success, false);
  // With mostly, the share of fresh rows counts: 2 of 5 are within a day.
  assert.equal(checkExpectation({ expect: 'freshness', column: 'seen', maxAgeMs: day, mostly: 0.5 }, data, clock).success, false);
  clock.advance(10 * day);
  assert.equal(checkExpectation({ expect: 'freshness', column: 'seen', maxAgeMs: day }, data, clock).success, false);
});

test('suites load from YAML; unknown keys name the key and the file', async () => {
  const good = join(dir, 'suite.yaml');
  await writeFile(good, 'name: people\nexpectations:\n  - { expect: not_null, column: id }\n  - { expect: freshness, column: seen, max_age: 30d }\n  - { expect: between, column: age, min: 0, max: 120, mostly: 0.5 }\n');
  const suite = await loadSuite(good);
  const result = runSuite(suite, data, new FakeClock('2026-01-10T00:00:00.000Z'));
  assert.equal(result.success, true);
  assert.equal(result.statistics.successful_expectations, 3);
  const cases: [string, RegExp][] = [
    ['expectations:\n  - { expect: not_null, column: id, mostlyy: 0.5 }\n', /unknown key "mostlyy"/],
    ['expectation: []\n', /unknown key "expectation"/],
    ['expectations:\n  - { expect: nullish, column: id }\n', /unknown expectation "nullish"/],
    ['expectations:\n  - { expect: freshness, column: id, max_age: soon }\n', /max_age/],
    ['expectations:\n  - { expect: regex, column: id, pattern: "(" }\n', /not a valid regular expression/],
    ['expectations: [\n', /not valid YAML/],
  ];
  for (const [i, [text, pattern]] of cases.entries()) {
    const file = join(dir, `bad${i}.yaml`);
    await writeFile(file, text);
    await assert.rejects(loadSuite(file), (err) => isModelgateError(err, 'MG_DATA_SUITE_INVALID') && pattern.test(err.message) && err.message.includes(file));
  }
});

test('an inferred suite round-trips through YAML and passes on its own data set, and fails on drifted data', async () => {
  const train = await loadColumns('fixtures/models/iris_logreg/train.csv');
  const suite = inferSuite(train, 'iris');
  const file = join(dir, 'inferred.yaml');
  await writeFile(file, suiteToYaml(suite));
  const loaded = await loadSuite(file);
  assert.deepEqual(loaded, suite);
  assert.equal(runSuite(loaded, train, clock).success, true);
  const shifted: ColumnData = { ...train, values: { ...train.values, [train.columns[0]!]: train.values[train.columns[0]!]!.map((v) => (v as number) * 3) } };
  assert.equal(runSuite(loaded, shifted, clock).success, false);
});

test('numeric columns held as Float64Arrays (NaN for missing) give the same results as cells', () => {
  const typed: ColumnData = { ...data, values: { ...data.values, id: Float64Array.from([1, 2, 3, 3, 5, 6]), age: Float64Array.from([30, NaN, 45, 130, -1, 50]) } };
  const expectations = [
    { expect: 'between', column: 'age', min: 0, max: 120 }, { expect: 'not_null', column: 'age' }, { expect: 'unique', column: 'id' },
    { expect: 'type', column: 'age', type: 'number' }, { expect: 'in_set', column: 'id', values: [1, 2, 3] },
  ] as const;
  for (const e of expectations) assert.deepEqual(checkExpectation(e, typed, clock), checkExpectation(e, data, clock));
  assert.deepEqual(inferSuite(typed), inferSuite(data));
});
