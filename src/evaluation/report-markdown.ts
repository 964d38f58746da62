/**
 * The Markdown report for pull-request comments: the verdict first (loud
 * when no gates were configured), gate verdicts with their reasons, metrics
 * beside the baseline with deltas, and the drift and fairness summaries.
 * Plain GitHub-flavoured Markdown with no images, so nothing is uploaded.
 */
import { fmt } from './gates.ts';
import type { EvaluationReport, GateOutcome } from './types.ts';

const ICON: Readonly<Record<GateOutcome, string>> = { passed: '✅ passed', failed: '❌ failed', inconclusive: '⚠️ inconclusive' };

/** Escapes table cells: pipes and line breaks. */
const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderMarkdown(report: EvaluationReport): string {
  const c = report.candidate;
  const out: string[] = [];
  const headline = report.verdict === 'no-gates'
    ? '## ⚠️ NO GATES CONFIGURED — this evaluation is NOT a pass'
    : `## ${report.verdict === 'passed' ? '✅' : report.verdict === 'failed' ? '❌' : '⚠️'} ${c.model} v${c.version}: ${report.verdict.toUpperCase()}`;
  out.push(headline, '', report.summary, '');
  out.push(`Data set \`${c.dataset.file}\` (${c.dataset.rows} rows, label \`${c.dataset.label}\`), task ${c.task}` +
    (report.baseline ? `, baseline version ${report.baseline.version} (\`${report.baseline.ref}\`)` : ', no baseline') + '.', '');
  if (report.gates.length > 0) {
    out.push('### Gates', '', '| gate | verdict | reason |', '|---|---|---|');
    for (const g of report.gates) out.push(`| ${esc(g.gate)} | ${ICON[g.kind]} | ${esc(g.reason)} |`);
    out.push('');
  }
  out.push('### Metrics', '');
  const b = report.baseline?.metrics;
  if (b) {
    out.push(`| metric | v${c.version} | baseline v${report.baseline!.version} | delta |`, '|---|---:|---:|---:|');
    for (const [k, v] of Object.entries(c.metrics)) {
      const base = b[k];
      const delta = base === undefined ? '' : (v - base >= 0 ? '+' : '') + fmt(v - base);
      out.push(`| ${k} | ${fmt(v)} | ${base === undefined ? '' : fmt(base)} | ${delta} |`);
    }
  } else {
    out.push(`| metric | v${c.version} |`, '|---|---:|');
    for (const [k, v] of Object.entries(c.metrics)) out.push(`| ${k} | ${fmt(v)} |`);
  }
  out.push('');
  if (c.drift.kind === 'computed') {
    const d = c.drift.result;
    out.push('### Drift against the training reference', '', `${d.driftedColumns} of ${d.columns.length} columns drifted (share ${fmt(d.share)}; data set drift at ${fmt(d.driftShare)}).`, '');
    out.push('<details><summary>Every column</summary>', '', '| column | test | score | threshold | drifted |', '|---|---|---:|---:|---|');
    for (const col of d.columns) out.push(`| ${esc(col.column)} | ${col.test} | ${fmt(col.score)} | ${fmt(col.threshold)} | ${col.drifted ? '**yes**' : 'no'} |`);
    out.push('', '</details>', '');
  } else {
    out.push('### Drift', '', `Not computed: ${c.drift.reason}.`, '');
  }
  for (const f of c.fairness) {
    out.push(`### Fairness by \`${f.column}\``, '', '| group | size | metrics |', '|---|---:|---|');
    for (const g of f.groups) out.push(`| ${esc(g.group)} | ${g.size} | ${Object.entries(g.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')} |`);
    out.push('');
    if (f.demographic_parity_ratio !== undefined) {
      out.push(`Demographic parity difference ${fmt(f.demographic_parity_difference!)}, ratio ${fmt(f.demographic_parity_ratio)} (four-fifths rule ${f.fourFifths ? 'met' : 'NOT met'}), equalized odds difference ${fmt(f.equalized_odds_difference!)}.`, '');
    } else if (f.note) out.push(f.note + '.', '');
  }
  if (c.latency) out.push(`Latency: p50 ${fmt(c.latency.p50_ms)} ms, p95 ${fmt(c.latency.p95_ms)} ms, p99 ${fmt(c.latency.p99_ms)} ms over ${c.latency.singleRows} single rows; ${fmt(c.latency.throughput_rps)} rows/s in batches of ${c.latency.batchSize}.`, '');
  return out.join('\n');
}
