// The prediction store on SQLite, and on PostgreSQL (a fresh random schema)
// when MODELGATE_TEST_DATABASE_URL is set: duplicate ids skipped, paging in
// a stable order with filters, feedback joined / unknown / late, labelled
// pairs for live quality (read through the partial index of labelled rows),
// retention by age then by size; inputs by feature name stored as values
// beside one shared list of names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonText, packFloats, type PredictionWrite } from '../src/store/prediction-store.ts';
import pg from 'pg';
import { PostgresDriver } from '../src/store/postgres/driver.ts';
import { dropPostgresSchema } from '../src/store/postgres/registry-store.ts';
import { LABELLED_QUERY, SqlPredictionStore } from '../src/store/sql-prediction-store.ts';
import { SqliteDriver } from '../src/store/sqlite/driver.ts';

const pgUrl = process.env.MODELGATE_TEST_DATABASE_URL;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function record(i: number, extra: Partial<PredictionWrite> = {}): PredictionWrite {
  return {
    requestId: `r${String(i).padStart(3, '0')}`, endpoint: 'fraud', version: i % 2 === 0 ? 1 : 2, at: iso(T0 + i * 1000), latencyMs: 2.5,
    inputs: { amount: i * 10, country: 'NL' }, outputs: { label: i % 3 === 0 ? 1 : 0 }, prediction: i % 3 === 0 ? 1 : 0, ...extra,
  };
}

async function exercise(store: SqlPredictionStore): Promise<void> {
  await store.migrate();
  assert.equal(await store.insert(Array.from({ length: 25 }, (_, i) => record(i))), 25);
  assert.equal(await store.insert([record(3), record(25, { endpoint: 'other' })]), 1, 'a stored id is skipped');

  // Pages of 10 come back in time order, and together hold every record once.
  const seen: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.list({ endpoint: 'fraud', limit: 10, ...(after === undefined ? {} : { after }) });
    seen.push(...page.items.map((r) => r.requestId));
    after = page.next ?? undefined;
  } while (after !== undefined);
  assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => record(i).requestId));
  const [first] = (await store.list({ endpoint: 'fraud', limit: 1 })).items;
  assert.deepEqual(first, { ...record(0), feedback: null, feedbackAt: null });
  const filtered = await store.list({ endpoint: 'fraud', version: 2, since: iso(T0 + 5000), until: iso(T0 + 11_000) });
  assert.deepEqual(filtered.items.map((r) => r.requestId), ['r005', 'r007', 'r009']);

  // Feedback: joined, unknown, late (answered before the cut-off).
  const results = await store.feedback([
    { requestId: 'r010', value: 1 }, { requestId: 'r011', value: 0 }, { requestId: 'nope', value: 1 }, { requestId: 'r001', value: 'x' },
  ], iso(T0 + 60_000), iso(T0 + 5000));
  assert.deepEqual(results.map((r) => [r.kind, r.requestId]), [['joined', 'r010'], ['joined', 'r011'], ['unknown', 'nope'], ['late', 'r001']]);
  const late = results[3];
  assert.ok(late.kind === 'late' && late.ageMs === 59_000 && late.version === 2);
  const labelled = await store.labelled('fraud', iso(T0));
  assert.deepEqual(labelled.sort((a, b) => a.version - b.version), [{ version: 1, prediction: 0, feedback: 1 }, { version: 2, prediction: 0, feedback: 0 }]);
  const [joined] = (await store.list({ endpoint: 'fraud', since: iso(T0 + 10_000), limit: 1 })).items;
  assert.equal(joined.feedback, 1);
  assert.equal(joined.feedbackAt, iso(T0 + 60_000));

  // Retention: older than 5 s go, then the oldest until the rest fits.
  assert.equal(await store.prune(iso(T0 + 5000), Number.MAX_SAFE_INTEGER), 5);
  const rows = (await store.list({ endpoint: 'fraud', limit: 100 })).items;
  assert.equal(rows.length, 20);
  const size = JSON.stringify(record(24).inputs).length + JSON.stringify(record(24).outputs).length;
  // 21 rows (5 one byte smaller) over a budget of 4 rows: the 17 oldest go, across endpoints.
  assert.equal(await store.prune(iso(T0), size * 4), 17);
  assert.deepEqual((await store.list({ endpoint: 'fraud', limit: 100 })).items.map((r) => r.requestId), ['r022', 'r023', 'r024']);
  assert.equal((await store.list({ endpoint: 'other' })).items.length, 1);

  // Inputs by feature name: values in feature order beside a list of names stored once (two lists here, each
  // written twice, from different arrays); they read back as the object by name.
  assert.equal(await store.insert(COMPACT.map((c, i) => record(100 + i, { endpoint: 'compact', inputs: new JsonText(c.values), features: [...c.names], outputs: new JsonText('{"label":1}') }))), COMPACT.length);
  assert.deepEqual((await store.list({ endpoint: 'compact' })).items.map((r) => [r.inputs, r.outputs]), COMPACT.map((c) => [c.expected, { label: 1 }]));
}

const COMPACT = [
  { names: ['2', '1', 'mean radius'], values: '[5,6,0.5]', expected: { 1: 6, 2: 5, 'mean radius': 0.5 } },
  { names: ['a', 'b'], values: '[[1,2],[3,null]]', expected: { a: [1, 2], b: [3, null] } },
  { names: ['2', '1', 'mean radius'], values: '[7,8,0.25]', expected: { 1: 8, 2: 7, 'mean radius': 0.25 } },
  { names: ['a', 'b'], values: '[9,10]', expected: { a: 9, b: 10 } },
  { names: ['a', 'b'], values: packFloats(Float64Array.from([0.5, 2, Number.NaN, 4]))!, expected: { a: [0.5, null], b: [2, 4] } },
];

/** The compact rows read by a store that has not cached their lists of names. */
async function compactFresh(store: SqlPredictionStore): Promise<void> {
  try {
    assert.deepEqual((await store.list({ endpoint: 'compact' })).items.map((r) => r.inputs), COMPACT.map((c) => c.expected));
  } finally {
    await store.close();
  }
}

test('prediction store on SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'modelgate-predictions-'));
  const store = new SqlPredictionStore(new SqliteDriver(join(dir, 'db.sqlite')));
  try {
    await exercise(store);
    await compactFresh(new SqlPredictionStore(new SqliteDriver(join(dir, 'db.sqlite'))));
    const db = new DatabaseSync(join(dir, 'db.sqlite'), { readOnly: true });
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${LABELLED_QUERY.replaceAll('?', "'fraud'")}`).all().map((r) => String(r.detail));
    const lists = db.prepare('SELECT COUNT(*) AS n FROM prediction_features').get()?.n;
    db.close();
    assert.equal(lists, 2, 'one stored list of names per distinct list');
    assert.ok(plan.some((d) => d.includes('USING INDEX predictions_labelled')), `live quality reads the labelled rows alone: ${plan.join('; ')}`);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('prediction store on PostgreSQL', { skip: pgUrl ? false : 'MODELGATE_TEST_DATABASE_URL is not set' }, async () => {
  const url = pgUrl as string;
  const schema = `t_predictions_${randomBytes(4).toString('hex')}`;
  const store = new SqlPredictionStore(new PostgresDriver(url, { schema }));
  try {
    await exercise(store);
    await compactFresh(new SqlPredictionStore(new PostgresDriver(url, { schema })));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows: lists } = await client.query(`SELECT COUNT(*)::int AS n FROM ${schema}.prediction_features`);
      assert.equal(lists[0]?.n, 2, 'one stored list of names per distinct list');
      const { rows } = await client.query('SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = $2', [schema, 'predictions_labelled']);
      assert.match(String(rows[0]?.indexdef), /\(endpoint, at_ms\) WHERE \(\(feedback IS NOT NULL\) AND \(prediction IS NOT NULL\)\)/);
    } finally {
      await client.end();
    }
  } finally {
    await store.close();
    await dropPostgresSchema(url, schema);
  }
});
