/**
 * `modelgate data validate|infer-suite|drift`: data-quality suites and drift
 * between two data sets, on local files; no registry needed. `validate` and
 * `drift` exit 1 when the check fails (an expectation unmet, data set drift).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadColumns } from '../data/dataset.ts';
import { inferSuite, loadSuite, runSuite, suiteToYaml } from '../data/suite.ts';
import { detectDrift } from '../drift/dataset-drift.ts';
import { DRIFT_TESTS, type ColumnTestOverride, type DriftTestName } from '../drift/select.ts';
import { fmt } from '../evaluation/gates.ts';
import { systemClock } from '../lib/clock.ts';
import { fail } from '../lib/errors.ts';
import { globalOptions } from './context.ts';
import { createPrinter } from './output.ts';
import { csvList } from './parse.ts';

const exists = (file: string): void => {
  if (!existsSync(file)) fail('MG_FILE_NOT_FOUND', { file });
};

function share(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n <= 1)) throw new InvalidArgumentError(`expected a share in (0, 1], got "${value}"`);
  return n;
}

/** `--test column=ks` or `--test column=psi:0.2`, repeatable. */
function columnTest(value: string, previous: Record<string, ColumnTestOverride> = {}): Record<string, ColumnTestOverride> {
  const m = /^([^=]+)=([a-z]+)?(?::([0-9.eE-]+))?$/.exec(value.trim());
  if (!m || (m[2] === undefined && m[3] === undefined)) throw new InvalidArgumentError(`expected COLUMN=TEST[:THRESHOLD] or COLUMN=:THRESHOLD, got "${value}"`);
  const test = m[2] as DriftTestName | undefined;
  if (test !== undefined && !DRIFT_TESTS.includes(test)) throw new InvalidArgumentError(`unknown test "${test}"; use ${DRIFT_TESTS.join(', ')}`);
  const threshold = m[3] === undefined ? undefined : Number(m[3]);
  if (threshold !== undefined && !(threshold > 0)) throw new InvalidArgumentError(`threshold must be a positive number, got "${m[3]}"`);
  return { ...previous, [m[1]!]: { ...(test ? { test } : {}), ...(threshold !== undefined ? { threshold } : {}) } };
}

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('data-quality suites and drift between data sets');

  data
    .command('validate')
    .description('check a data set against an expectation suite')
    .argument('<file>', 'data set (CSV, TSV, JSONL or Parquet)')
    .requiredOption('--suite <file>', 'expectation suite YAML')
    .addHelpText('after', '\nExit 1 when any expectation is unmet.\n\nExample:\n  modelgate data validate today.csv --suite suite.yaml')
    .action(async (file: string, o: { suite: string }, cmd: Command) => {
      exists(file);
      exists(o.suite);
      const printer = createPrinter(globalOptions(cmd).json === true);
      const suite = await loadSuite(o.suite);
      const result = runSuite(suite, await loadColumns(file), systemClock);
      printer.result(result, () => {
        printer.table(['expectation', 'column', 'success', 'unexpected', 'percent', 'examples'], result.results.map((r) => [
          r.expectation.expect, 'column' in r.expectation ? r.expectation.column : '', r.success ? 'yes' : 'NO',
          r.result.unexpected_count, fmt(r.result.unexpected_percent),
          r.result.details ?? r.result.partial_unexpected_list.slice(0, 5).map(String).join(', '),
        ]));
        const s = result.statistics;
        printer.line(`${s.successful_expectations} of ${s.evaluated_expectations} expectations met: ${result.success ? 'passed' : 'FAILED'}`);
      });
      if (!result.success) process.exitCode = 1;
    });

  data
    .command('infer-suite')
    .description('write a starting expectation suite that the data set passes')
    .argument('<file>', 'data set (CSV, TSV, JSONL or Parquet)')
    .option('-o, --output <file>', 'write the suite here instead of standard output')
    .option('--name <name>', 'suite name (default: the file name)')
    .addHelpText('after', '\nExample:\n  modelgate data infer-suite train.csv -o suite.yaml')
    .action(async (file: string, o: { output?: string; name?: string }, cmd: Command) => {
      exists(file);
      const printer = createPrinter(globalOptions(cmd).json === true);
      const suite = inferSuite(await loadColumns(file), o.name ?? basename(file));
      const yaml = suiteToYaml(suite);
      if (o.output !== undefined) {
        await writeFile(o.output, yaml);
        printer.note(`wrote ${suite.expectations.length} expectations to ${o.output}`);
      }
      printer.result(suite, () => {
        if (o.output === undefined) process.stdout.write(yaml);
      });
    });

  data
    .command('drift')
    .description('test every column of CUR against REF and report drift, drifted or not')
    .argument('<ref>', 'reference data set')
    .argument('<cur>', 'current data set')
    .option('--drift-share <share>', 'share of drifted columns at which the data set drifts (default 0.5)', share)
    .option('--exclude <columns>', 'columns to leave out, comma-separated (a label, an id)', csvList)
    .option('--columns <columns>', 'only these columns, comma-separated', csvList)
    .option('--test <column=test[:threshold]>', `override a column's test or threshold (${DRIFT_TESTS.join(', ')}); repeat for more`, columnTest)
    .addHelpText('after', `
Tests follow Evidently's rule (reference of at most 1,000 rows: KS, chi-square
or Z at p < 0.05; larger: normalised Wasserstein or Jensen-Shannon at 0.1).
Exit 1 when the data set drifts.

Example:
  modelgate data drift train.csv today.csv --exclude target --test age=psi:0.2`)
    .action(async (ref: string, cur: string, o: { driftShare?: number; exclude?: string[]; columns?: string[]; test?: Record<string, ColumnTestOverride> }, cmd: Command) => {
      exists(ref);
      exists(cur);
      const printer = createPrinter(globalOptions(cmd).json === true);
      const [reference, current] = await Promise.all([loadColumns(ref), loadColumns(cur)]);
      const result = detectDrift(reference, current, {
        ...(o.driftShare !== undefined ? { driftShare: o.driftShare } : {}),
        ...(o.exclude ? { exclude: o.exclude } : {}),
        ...(o.columns ? { columns: o.columns } : {}),
        ...(o.test ? { perColumn: o.test } : {}),
      });
      printer.result(result, () => {
        printer.table(['column', 'kind', 'test', 'score', 'threshold', 'verdict'], result.columns.map((c) => [
          c.column, c.kind, c.test, fmt(c.score), fmt(c.threshold), c.drifted ? 'DRIFTED' : 'not drifted',
        ]));
        for (const s of result.skipped) printer.line(`skipped ${s.column}: ${s.reason}`);
        printer.line(`${result.driftedColumns} of ${result.columns.length} columns drifted (share ${fmt(result.share)}; data set drift at ${fmt(result.driftShare)}): ${result.datasetDrift ? 'DATA SET DRIFT' : 'no data set drift'}`);
      });
      if (result.datasetDrift) process.exitCode = 1;
    });
}
