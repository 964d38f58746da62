/**
 * The self-contained HTML report: one file with inline CSS and inline SVG
 * plots (confusion matrix, ROC curve, per-group bars, drift histograms). It
 * has no scripts, links, fonts or images from anywhere, so opening it makes
 * no request and nothing about the model leaves the machine.
 */
import { fmt } from './gates.ts';
import { xmlEscape as esc } from './report-junit.ts';
import { barsSvg, confusionMatrixSvg, histogramSvg, rocSvg } from './svg.ts';
import type { EvaluationReport } from './types.ts';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1f2328;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}.passed{color:#1a7f37}.failed{color:#cf222e;font-weight:600}
.inconclusive,.no-gates{color:#9a6700;font-weight:600}.banner{padding:1rem;border:3px solid #9a6700;background:#fff8c5;font-size:1.2rem}
.plots{display:flex;flex-wrap:wrap;gap:1rem}`;

function table(headers: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = []): string {
  const head = `<tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`).join('');
  return `<table>${head}${body}</table>`;
}

export function renderHtml(report: EvaluationReport): string {
  const c = report.candidate;
  const parts: string[] = [];
  parts.push(`<h1>${esc(c.model)} v${c.version}: <span class="${report.verdict}">${esc(report.verdict.toUpperCase())}</span></h1>`);
  if (report.verdict === 'no-gates') parts.push(`<p class="banner">${esc(report.summary)}</p>`);
  else parts.push(`<p>${esc(report.summary)}</p>`);
  parts.push(`<p>Data set <code>${esc(c.dataset.file)}</code>: ${c.dataset.rows} rows, label <code>${esc(c.dataset.label)}</code>, task ${c.task}; ${report.baseline ? `baseline version ${report.baseline.version} (${esc(report.baseline.ref)})` : 'no baseline'}. Created ${esc(report.createdAt)}.</p>`);
  if (report.gates.length > 0) {
    parts.push('<h2>Gates</h2>', table(['gate', 'verdict', 'reason'], report.gates.map((g) => [esc(g.gate), `<span class="${g.kind}">${g.kind}</span>`, esc(g.reason)])));
  }
  parts.push('<h2>Metrics</h2>');
  const b = report.baseline?.metrics;
  parts.push(table(b ? ['metric', `v${c.version}`, `baseline v${report.baseline!.version}`, 'delta'] : ['metric', `v${c.version}`],
    Object.entries(c.metrics).map(([k, v]) => b
      ? [esc(k), fmt(v), b[k] === undefined ? '' : fmt(b[k]), b[k] === undefined ? '' : (v - b[k] >= 0 ? '+' : '') + fmt(v - b[k])]
      : [esc(k), fmt(v)]), [false, true, true, true]));
  const plots: string[] = [];
  if (c.labels && c.confusionMatrix) plots.push(confusionMatrixSvg(c.labels, c.confusionMatrix));
  if (c.roc) plots.push(rocSvg(c.roc.fpr, c.roc.tpr, c.metrics.roc_auc));
  if (plots.length > 0) parts.push(`<div class="plots">${plots.join('')}</div>`);
  if (c.latency || c.determinism || c.sanity || c.robustness) {
    parts.push('<h2>Behaviour</h2>', table(['check', 'result'], [
      ...(c.latency ? [['latency', `p50 ${fmt(c.latency.p50_ms)} ms, p95 ${fmt(c.latency.p95_ms)} ms, p99 ${fmt(c.latency.p99_ms)} ms (${c.latency.singleRows} single rows); ${fmt(c.latency.throughput_rps)} rows/s in batches of ${c.latency.batchSize}`]] : []),
      ...(c.determinism ? [['determinism', c.determinism.identical ? `identical outputs for ${c.determinism.rows} rows run twice` : `${c.determinism.mismatches} values differed`]] : []),
      ...(c.sanity && c.sanity.checked ? [['output sanity', c.sanity.ok ? 'probabilities in [0, 1], summing to 1' : `${c.sanity.outOfRange} out of range, ${c.sanity.badSums} bad sums, ${c.sanity.nonFinite} not finite`]] : []),
      ...(c.robustness ? [['robustness', `agreement ${fmt(c.robustness.agreement)} over ${c.robustness.rows} rows with Gaussian noise ${fmt(c.robustness.noiseScale)} × std (seed ${c.robustness.seed})`]] : []),
    ]));
  }
  for (const f of c.fairness) {
    parts.push(`<h2>Fairness by ${esc(f.column)}</h2>`);
    parts.push(table(['group', 'size', 'metrics'], f.groups.map((g) => [esc(g.group), String(g.size), esc(Object.entries(g.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(', '))]), [false, true, false]));
    if (f.demographic_parity_ratio !== undefined) {
      parts.push(`<p>Demographic parity difference ${fmt(f.demographic_parity_difference!)}, ratio ${fmt(f.demographic_parity_ratio)} (four-fifths rule ${f.fourFifths ? 'met' : '<b>not met</b>'}); equalized odds difference ${fmt(f.equalized_odds_difference!)}; smallest group ${f.minGroupSize} rows.</p>`);
    } else if (f.note) parts.push(`<p>${esc(f.note)}.</p>`);
    const key = f.groups.some((g) => g.metrics.selection_rate !== undefined) ? 'selection_rate' : f.groups.some((g) => g.metrics.accuracy !== undefined) ? 'accuracy' : 'mae';
    parts.push(`<div class="plots">${barsSvg(`${key} by ${f.column}`, f.groups.map((g) => ({ label: g.group, value: g.metrics[key] ?? 0 })))}</div>`);
  }
  parts.push('<h2>Drift against the training reference</h2>');
  if (c.drift.kind === 'computed') {
    const d = c.drift.result;
    parts.push(`<p>${d.driftedColumns} of ${d.columns.length} columns drifted (share ${fmt(d.share)}; data set drift at ${fmt(d.driftShare)}: ${d.datasetDrift ? '<b>yes</b>' : 'no'}).</p>`);
    parts.push(table(['column', 'test', 'score', 'threshold', 'drifted'], d.columns.map((x) => [esc(x.column), x.test, fmt(x.score), fmt(x.threshold), x.drifted ? '<b>yes</b>' : 'no']), [false, false, true, true, false]));
    const drifted = new Set(d.columns.filter((x) => x.drifted).map((x) => x.column));
    const hists = [...c.drift.histograms].sort((a, z) => Number(drifted.has(z.column)) - Number(drifted.has(a.column)));
    parts.push(`<div class="plots">${hists.map((h) => histogramSvg(h.column, h.edges, h.reference, h.current, drifted.has(h.column))).join('')}</div>`);
  } else {
    parts.push(`<p>Not computed: ${esc(c.drift.reason)}.</p>`);
  }
  if (report.dataQuality) {
    const q = report.dataQuality;
    parts.push('<h2>Data quality</h2>', table(['expectation', 'success', 'unexpected', 'examples'], q.results.map((r) => [
      esc(JSON.stringify(r.expectation)), r.success ? '<span class="passed">yes</span>' : '<span class="failed">no</span>',
      `${r.result.unexpected_count} (${fmt(r.result.unexpected_percent)}%)`, esc(r.result.partial_unexpected_list.slice(0, 5).map(String).join(', ')),
    ])));
  }
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(`${c.model} v${c.version} evaluation: ${report.verdict}`)}</title><style>${CSS}</style></head>\n<body>\n${parts.join('\n')}\n</body></html>\n`;
}
