/**
 * Small inline SVG plots for the HTML report: confusion matrix, ROC curve,
 * per-group bars and reference-versus-current histograms. Drawn as plain
 * SVG text with no scripts, fonts or images, so the page makes no requests.
 */
import { xmlEscape as esc } from './report-junit.ts';

const W = 360;
const H = 240;
const PAD = 40;

const n = (v: number): string => (Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '0');

function frame(title: string, body: string, width = W, height = H): string {
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}">` +
    `<title>${esc(title)}</title><rect width="100%" height="100%" fill="#fff"/>${body}</svg>`;
}

export function confusionMatrixSvg(labels: readonly (string | number)[], matrix: readonly (readonly number[])[]): string {
  const k = labels.length;
  const cell = Math.max(18, Math.min(60, Math.floor(240 / Math.max(k, 1))));
  const size = PAD + cell * k + 10;
  const max = Math.max(1, ...matrix.flat());
  let body = '';
  matrix.forEach((row, i) => row.forEach((v, j) => {
    const shade = Math.round(245 - (v / max) * 180);
    body += `<rect x="${PAD + j * cell}" y="${PAD + i * cell}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade},255)" stroke="#888"/>`;
    body += `<text x="${PAD + j * cell + cell / 2}" y="${PAD + i * cell + cell / 2 + 4}" font-size="11" text-anchor="middle">${v}</text>`;
  }));
  labels.forEach((l, i) => {
    body += `<text x="${PAD - 4}" y="${PAD + i * cell + cell / 2 + 4}" font-size="10" text-anchor="end">${esc(String(l))}</text>`;
    body += `<text x="${PAD + i * cell + cell / 2}" y="${PAD - 6}" font-size="10" text-anchor="middle">${esc(String(l))}</text>`;
  });
  body += `<text x="4" y="12" font-size="10">rows: true, columns: predicted</text>`;
  return frame('Confusion matrix', body, size + 20, size);
}

function axes(xLabel: string, yLabel: string): string {
  return `<line x1="${PAD}" y1="${H - PAD}" x2="${W - 10}" y2="${H - PAD}" stroke="#333"/>` +
    `<line x1="${PAD}" y1="10" x2="${PAD}" y2="${H - PAD}" stroke="#333"/>` +
    `<text x="${(W + PAD) / 2}" y="${H - 8}" font-size="11" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text x="12" y="${H / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${H / 2})">${esc(yLabel)}</text>`;
}

export function rocSvg(fpr: readonly number[], tpr: readonly number[], auc?: number): string {
  const sx = (v: number): number => PAD + v * (W - PAD - 10);
  const sy = (v: number): number => H - PAD - v * (H - PAD - 10);
  const points = fpr.map((x, i) => `${n(sx(x))},${n(sy(tpr[i]!))}`).join(' ');
  const body = axes('false positive rate', 'true positive rate') +
    `<line x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}" stroke="#bbb" stroke-dasharray="4 3"/>` +
    `<polyline points="${points}" fill="none" stroke="#1f6feb" stroke-width="2"/>` +
    (auc !== undefined ? `<text x="${W - 20}" y="${H - PAD - 10}" font-size="12" text-anchor="end">AUC ${Math.round(auc * 10000) / 10000}</text>` : '');
  return frame('ROC curve', body);
}

export function barsSvg(title: string, bars: readonly { label: string; value: number }[]): string {
  const max = Math.max(1e-12, ...bars.map((b) => b.value));
  const slot = (W - PAD - 10) / Math.max(bars.length, 1);
  let body = axes('', title);
  bars.forEach((b, i) => {
    const h = (b.value / max) * (H - PAD - 20);
    const x = PAD + i * slot + slot * 0.15;
    body += `<rect x="${n(x)}" y="${n(H - PAD - h)}" width="${n(slot * 0.7)}" height="${n(h)}" fill="#2da44e"/>`;
    body += `<text x="${n(x + slot * 0.35)}" y="${n(H - PAD - h - 3)}" font-size="10" text-anchor="middle">${Math.round(b.value * 1000) / 1000}</text>`;
    body += `<text x="${n(x + slot * 0.35)}" y="${H - PAD + 12}" font-size="10" text-anchor="middle">${esc(b.label.slice(0, 12))}</text>`;
  });
  return frame(title, body);
}

export function histogramSvg(column: string, edges: readonly number[], reference: readonly number[], current: readonly number[], drifted: boolean): string {
  const share = (xs: readonly number[]): number[] => {
    const total = xs.reduce((s, v) => s + v, 0) || 1;
    return xs.map((v) => v / total);
  };
  const r = share(reference);
  const c = share(current);
  const max = Math.max(1e-12, ...r, ...c);
  const slot = (W - PAD - 10) / Math.max(r.length, 1);
  let body = axes(`${column} (${n(edges[0]!)} … ${n(edges.at(-1)!)})`, 'share of rows');
  r.forEach((v, i) => {
    const hr = (v / max) * (H - PAD - 20);
    const hc = (c[i]! / max) * (H - PAD - 20);
    const x = PAD + i * slot;
    body += `<rect x="${n(x + 1)}" y="${n(H - PAD - hr)}" width="${n(slot / 2 - 1)}" height="${n(hr)}" fill="#8c959f"/>`;
    body += `<rect x="${n(x + slot / 2)}" y="${n(H - PAD - hc)}" width="${n(slot / 2 - 1)}" height="${n(hc)}" fill="${drifted ? '#cf222e' : '#1f6feb'}"/>`;
  });
  body += `<text x="${W - 10}" y="14" font-size="10" text-anchor="end">grey: reference, ${drifted ? 'red' : 'blue'}: current${drifted ? ' (drifted)' : ''}</text>`;
  return frame(`Distribution of ${column}`, body);
}
