// Fixture models' inputs and expected predictions (fixtures/models/*/expected.json),
// and the comparison every prediction test uses: relative difference at most 1e-5.
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { parseCsvFrame } from '../../src/inference/csv.ts';

export interface Fixture {
  readonly model: string;
  readonly output: string;
  readonly columns: string[] | null;
  readonly rows: number[][];
  readonly expected: number[][];
  readonly csv: string | null;
}

export function load(model: string): Fixture {
  const dir = new URL(`../../fixtures/models/${model}/`, import.meta.url);
  const exp = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as Record<string, unknown>;
  if (exp.inputs !== undefined) {
    const [rows] = Object.values(exp.inputs as Record<string, number[][]>);
    const [[output, expected]] = Object.entries(exp.outputs as Record<string, number[][]>);
    return { model, output, columns: null, rows, expected, csv: null };
  }
  const csvUrl = new URL('test.csv', dir);
  assert.ok(existsSync(csvUrl));
  const frame = parseCsvFrame(readFileSync(csvUrl, 'utf8'));
  const keep = frame.columns.map((c, i) => [c, i] as const).filter(([c]) => c !== 'target');
  const columns = keep.map(([c]) => c);
  assert.deepEqual(columns, exp.features);
  const rows = frame.data.map((r) => keep.map(([, i]) => r[i] as number));
  const output = exp.probabilities !== undefined ? 'probabilities' : 'variable';
  const raw = exp[output] as (number | number[])[];
  const expected = raw.map((v) => (Array.isArray(v) ? v : [v]));
  const csv = [columns.join(','), ...rows.map((r) => r.join(','))].join('\n');
  return { model, output, columns, rows, expected, csv };
}

export function assertClose(actual: readonly number[][], expected: readonly number[][], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: row count`);
  for (let r = 0; r < expected.length; r++) {
    assert.equal(actual[r].length, expected[r].length, `${what}: row ${r} width`);
    for (let c = 0; c < expected[r].length; c++) {
      const a = actual[r][c];
      const e = expected[r][c];
      // Relative to the row's magnitude: the runtime computes in float32, the
      // references in float64, so a tiny component (a probability of 1e-5 next
      // to 0.99999) differs by float32 rounding of the whole row, not of itself.
      const scale = Math.max(Math.abs(e), ...expected[r].map(Math.abs));
      const rel = scale === 0 ? Math.abs(a) : Math.abs(a - e) / scale;
      assert.ok(rel <= 1e-5, `${what}: row ${r} col ${c}: ${a} vs ${e} (relative ${rel})`);
    }
  }
}

export function rowsOf(values: readonly unknown[]): number[][] {
  return values.map((v) => (Array.isArray(v) ? (v as number[]) : [v as number]));
}

