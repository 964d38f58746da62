/**
 * `modelgate evaluate MODEL VERSION --data FILE --label COL …`: runs the
 * evaluation here, on this machine (with --url the artifact is downloaded
 * through the API first), applies the gates, writes the reports and stores
 * the JSON report on the version as evidence. Exit 0 only when every gate
 * passed; 1 when one failed, was inconclusive, or no gates were configured.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadGates } from '../evaluation/gates-file.ts';
import { fmt } from '../evaluation/gates.ts';
import { runEvaluation, storeEvidence } from '../evaluation/evaluate.ts';
import { downloadModelSource } from '../evaluation/model-source.ts';
import { renderHtml } from '../evaluation/report-html.ts';
import { renderJson } from '../evaluation/report-json.ts';
import { renderJunit } from '../evaluation/report-junit.ts';
import { renderMarkdown } from '../evaluation/report-markdown.ts';
import type { EvaluationReport } from '../evaluation/types.ts';
import { systemClock } from '../lib/clock.ts';
import { fail, isModelgateError } from '../lib/errors.ts';
import { withRegistry } from './context.ts';
import type { Printer } from './output.ts';
import { collect, positiveInt, versionRef } from './parse.ts';

interface EvaluateFlags {
  data: string;
  label: string;
  baseline?: number | string;
  gates?: string;
  groupBy?: string[];
  reportDir?: string;
  junit?: string;
  store: boolean;
  batchSize?: number;
  seed?: number;
}


async function writeReports(report: EvaluationReport, o: EvaluateFlags): Promise<string[]> {
  const written: string[] = [];
  const put = async (file: string, text: string): Promise<void> => {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    written.push(file);
  };
  if (o.reportDir !== undefined) {
    await put(join(o.reportDir, 'report.json'), renderJson(report));
    await put(join(o.reportDir, 'report.md'), renderMarkdown(report));
    await put(join(o.reportDir, 'report.html'), renderHtml(report));
    await put(join(o.reportDir, 'junit.xml'), renderJunit(report));
  }
  if (o.junit !== undefined) await put(o.junit, renderJunit(report));
  return written;
}

function printReport(printer: Printer, report: EvaluationReport): void {
  const c = report.candidate;
  printer.line(`${c.model} v${c.version} on ${c.dataset.file} (${c.dataset.rows} rows, ${c.task})${report.baseline ? ` against baseline v${report.baseline.version}` : ''}`);
  printer.line();
  const b = report.baseline?.metrics;
  printer.table(b ? ['metric', `v${c.version}`, `v${report.baseline!.version}`, 'delta'] : ['metric', `v${c.version}`],
    Object.entries(c.metrics).map(([k, v]) => (b ? [k, fmt(v), b[k] === undefined ? '' : fmt(b[k]), b[k] === undefined ? '' : (v - b[k] >= 0 ? '+' : '') + fmt(v - b[k])] : [k, fmt(v)])));
  printer.line();
  if (c.drift.kind === 'computed') {
    const d = c.drift.result;
    printer.line(`drift: ${d.driftedColumns} of ${d.columns.length} columns drifted (share ${fmt(d.share)})${d.driftedColumns > 0 ? `: ${d.columns.filter((x) => x.drifted).map((x) => x.column).join(', ')}` : ''}`);
  } else {
    printer.line(`drift: not computed (${c.drift.reason})`);
  }
  if (report.gates.length > 0) {
    printer.line();
    printer.table(['gate', 'verdict', 'reason'], report.gates.map((g) => [g.gate, g.kind, g.reason]));
  }
  printer.line();
  printer.line(report.verdict === 'no-gates' ? `!!! ${report.summary} !!!` : report.summary);
}

export function registerEvaluateCommand(program: Command): void {
  program
    .command('evaluate')
    .description('evaluate a version on a labelled data set, apply gates, write reports and store the evidence')
    .argument('<model>', 'model name')
    .argument('<version>', 'version number or alias', versionRef)
    .requiredOption('--data <file>', 'labelled data set (CSV, TSV, JSONL or Parquet)')
    .requiredOption('--label <column>', 'the label column')
    .option('--baseline <version>', 'version or alias to compare with (an alias that does not exist yet means a first version)', versionRef)
    .option('--gates <file>', 'gates YAML file (see docs/evaluation.md)')
    .option('--group-by <column>', 'fairness by this column; repeat for more', collect)
    .option('--report-dir <dir>', 'write report.json, report.md, report.html and junit.xml here')
    .option('--junit <file>', 'write JUnit XML (one test case per gate) here')
    .option('--no-store', 'do not store the report on the version')
    .option('--batch-size <n>', 'rows per inference batch (default 1024)', positiveInt)
    .option('--seed <n>', 'seed of the robustness noise (default 42)', positiveInt)
    .addHelpText('after', `
Exit codes: 0 every gate passed; 1 a gate failed or was inconclusive, or no
gates were configured (that is never a pass); 2 usage error (bad flag, missing
file, invalid gates file).

Examples:
  modelgate evaluate fraud 4 --data holdout.csv --label is_fraud --baseline production --gates gates.yaml
  modelgate evaluate fraud 4 --data holdout.parquet --label y --group-by region --report-dir out --junit junit.xml`)
    .action(async (model: string, version: number | string, o: EvaluateFlags, cmd: Command) => {
      if (!existsSync(o.data)) fail('MG_FILE_NOT_FOUND', { file: o.data });
      let gates = null;
      if (o.gates !== undefined) {
        if (!existsSync(o.gates)) fail('MG_FILE_NOT_FOUND', { file: o.gates });
        try {
          gates = await loadGates(resolve(o.gates));
        } catch (err) {
          // A gates file is part of how the command was written: a usage error (exit 2).
          if (isModelgateError(err, 'MG_EVAL_GATES_INVALID') || isModelgateError(err, 'MG_DATA_SUITE_INVALID')) fail('MG_USAGE', { detail: err.message }, { cause: err });
          throw err;
        }
      }
      await withRegistry(cmd, async ({ registry, printer, call }) => {
        const tty = process.stderr.isTTY === true;
        let lastPct = -1;
        const report = await runEvaluation({
          registry, source: downloadModelSource(registry), clock: systemClock,
          model, version, file: o.data, label: o.label, gates, groupBy: o.groupBy ?? [],
          ...(o.baseline !== undefined ? { baseline: o.baseline } : {}),
          tuning: { ...(o.batchSize ? { batchSize: o.batchSize } : {}), ...(o.seed ? { seed: o.seed } : {}) },
          onProgress: (stage, p) => {
            const pct = p.totalBytes > 0 ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 0;
            if (!tty || p.totalBytes < 8 * 1024 * 1024 || pct === lastPct) return;
            lastPct = pct;
            process.stderr.write(`\r${stage}: ${pct}% (${p.rows} rows)${pct === 100 ? '\n' : ''}`);
          },
        });
        if (o.store) await storeEvidence(registry, report, call);
        const written = await writeReports(report, o);
        printer.result(report, () => printReport(printer, report));
        for (const file of written) printer.note(`wrote ${file}`);
        if (report.verdict === 'no-gates') printer.note(`WARNING: ${report.summary}`);
        if (o.store) printer.note(`stored the report on ${model} v${report.candidate.version} as evidence (verdict ${report.verdict})`);
        if (report.verdict !== 'passed') process.exitCode = 1;
      });
    });
}
