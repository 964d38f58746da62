/**
 * bench/evaluation: (1) rows per second of a full evaluation of
 * breast_cancer_rf over 1,000,000 rows read from CSV (metrics, latency,
 * determinism, sanity, robustness and drift against the training profile),
 * as a ratio to raw onnxruntime-node batch inference over the same rows
 * already in memory (target ≥ 0.7); (2) seconds for drift of 1,000,000 rows
 * × 30 columns against a reference of the same size.
 *
 *   npm run bench -- evaluation     (results in bench/results/evaluation.json)
 *
 * Rows are resampled from test.csv with Gaussian noise (seeded), written to a
 * temporary CSV that is removed afterwards.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { buildReferenceProfile } from '../../src/data/profile.ts';
import { detectDrift } from '../../src/drift/dataset-drift.ts';
import { gaussian } from '../../src/evaluation/checks.ts';
import { createPredictor } from '../../src/evaluation/predictor.ts';
import { evaluateVersion } from '../../src/evaluation/run.ts';
import { ModelSession } from '../../src/runtime/session.ts';
import { seededRng } from '../../src/lib/clock.ts';
import type { VersionRecord } from '../../src/store/registry-types.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BC = join(ROOT, 'fixtures/models/breast_cancer_rf');
const MODEL = join(BC, 'model.onnx');
/** `--rows N` (or a bare N) for quicker runs; 1,000,000 by default. */
function rowsArgument(args: readonly string[]): number {
  const at = args.indexOf('--rows');
  const text = at >= 0 ? args[at + 1] : args.find((a) => /^\d+$/.test(a));
  const n = Number(text ?? 1_000_000);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--rows needs a positive whole number, not "${text}"`);
    process.exit(2);
  }
  return n;
}
const ROWS = rowsArgument(process.argv.slice(2));
const BATCH = 1024;

function readCsv(file: string): { header: string[]; rows: number[][] } {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  return { header: head!.split(','), rows: lines.map((l) => l.split(',').map(Number)) };
}

/** Writes ROWS resampled rows with noise of 5% of each column's spread; returns the features as FP32, row-major. */
async function generate(file: string): Promise<{ matrix: Float32Array; features: string[] }> {
  const { header, rows } = readCsv(join(BC, 'test.csv'));
  const width = header.length - 1;
  const std = Array.from({ length: width }, (_, j) => {
    const xs = rows.map((r) => r[j]!);
    const m = xs.reduce((s, v) => s + v, 0) / xs.length;
    return Math.sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / xs.length);
  });
  const rng = seededRng(7);
  const matrix = new Float32Array(ROWS * width);
  const out = createWriteStream(file);
  out.write(header.join(',') + '\n');
  let chunk: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const src = rows[Math.floor(rng.next() * rows.length)]!;
    const cells: string[] = [];
    for (let j = 0; j < width; j++) {
      const v = Number(Math.max(0, src[j]! + gaussian(rng) * 0.05 * std[j]!).toPrecision(6));
      matrix[i * width + j] = v;
      cells.push(String(v));
    }
    cells.push(String(src[width]));
    chunk.push(cells.join(','));
    if (chunk.length === 10_000) {
      if (!out.write(chunk.join('\n') + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = [];
    }
  }
  if (chunk.length > 0) out.write(chunk.join('\n') + '\n');
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { matrix, features: header.slice(0, width) };
}

async function rawInference(matrix: Float32Array, width: number): Promise<number> {
  const session = await ort.InferenceSession.create(MODEL);
  const t0 = performance.now();
  for (let start = 0; start < ROWS; start += BATCH) {
    const n = Math.min(BATCH, ROWS - start);
    await session.run({ input: new ort.Tensor('float32', matrix.subarray(start * width, (start + n) * width), [n, width]) });
  }
  const seconds = (performance.now() - t0) / 1000;
  await session.release();
  return seconds;
}

/** The evaluation's own inference path (ModelSession, feature placement, output decoding) over the rows in memory. */
async function evaluationInference(matrix: Float32Array, version: VersionRecord): Promise<number> {
  const session = await ModelSession.load(MODEL);
  const predictor = createPredictor(session, version, version.features!, ['target']);
  const width = predictor.features.length;
  const t0 = performance.now();
  for (let start = 0; start < ROWS; start += BATCH) {
    const n = Math.min(BATCH, ROWS - start);
    await predictor.predict(matrix.subarray(start * width, (start + n) * width), n);
  }
  const seconds = (performance.now() - t0) / 1000;
  await session.release();
  return seconds;
}

function driftBench(): { seconds: number; drifted: number } {
  const rng = seededRng(11);
  const columns = Array.from({ length: 30 }, (_, j) => `f${j}`);
  const make = (shift: number): Record<string, number[]> => Object.fromEntries(columns.map((c, j) => {
    const xs = new Array<number>(ROWS);
    for (let i = 0; i < ROWS; i++) xs[i] = 10 + j + gaussian(rng) * 3 + (j % 3 === 0 ? shift : 0);
    return [c, xs];
  }));
  const reference = { columns, values: make(0) };
  const current = { columns, values: make(1.5) };
  const t0 = performance.now();
  const result = detectDrift(reference, current);
  return { seconds: (performance.now() - t0) / 1000, drifted: result.driftedColumns };
}

const dir = await mkdtemp(join(tmpdir(), 'modelgate-bench-eval-'));
try {
  const file = join(dir, 'rows.csv');
  process.stdout.write(`generating ${ROWS} rows … `);
  const { matrix, features } = await generate(file);
  console.log('done');
  const rawSeconds = await rawInference(matrix, features.length);
  const rawRps = ROWS / rawSeconds;
  console.log(`raw onnxruntime-node batch inference: ${rawSeconds.toFixed(2)} s, ${Math.round(rawRps)} rows/s`);

  const referenceProfile = await buildReferenceProfile(join(BC, 'train.csv'), { label: 'target' });
  const version = { model: 'breast_cancer_rf', version: 1, features, extra: {}, referenceProfile } as unknown as VersionRecord;
  const pathSeconds = await evaluationInference(matrix, version);
  const pathRatio = rawSeconds / pathSeconds;
  console.log(`evaluation inference path over the same rows in memory: ${pathSeconds.toFixed(2)} s, ${Math.round(ROWS / pathSeconds)} rows/s, ratio ${pathRatio.toFixed(3)}`);
  const t0 = performance.now();
  const result = await evaluateVersion({ version, source: { open: async () => ({ path: MODEL, release: async () => {} }) }, file, label: 'target' });
  const evalSeconds = (performance.now() - t0) / 1000;
  const evalRps = ROWS / evalSeconds;
  const ratio = evalRps / rawRps;
  console.log(`full evaluation from CSV: ${evalSeconds.toFixed(2)} s, ${Math.round(evalRps)} rows/s, ratio ${ratio.toFixed(3)} (target ≥ 0.7), accuracy ${result.metrics.accuracy!.toFixed(4)}`);

  const drift = driftBench();
  console.log(`drift of ${ROWS} rows × 30 columns (reference of the same size, Wasserstein): ${drift.seconds.toFixed(2)} s, ${drift.drifted} columns drifted`);

  const results = {
    // The one-minute load average when the run ended: other work on the machine slows every figure.
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage: loadavg()[0] },
    rows: ROWS, batchSize: BATCH,
    inferencePath: { seconds: pathSeconds, rowsPerSecond: ROWS / pathSeconds, ratio: pathRatio },
    evaluation: { seconds: evalSeconds, rowsPerSecond: evalRps, rawSeconds, rawRowsPerSecond: rawRps, ratio, target: 0.7, meetsTarget: ratio >= 0.7 },
    drift: { rows: ROWS, columns: 30, seconds: drift.seconds, driftedColumns: drift.drifted },
  };
  await mkdir(join(ROOT, 'bench/results'), { recursive: true });
  await writeFile(join(ROOT, 'bench/results/evaluation.json'), JSON.stringify(results, null, 2) + '\n');
} finally {
  await rm(dir, { recursive: true, force: true });
}
