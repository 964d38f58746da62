/**
 * Prediction log export for retraining: one flat row per logged request
 * (request id, endpoint, version, time, latency, `input.<feature>`,
 * `output.<name>`, prediction, feedback) as JSON lines, CSV or Parquet.
 * Sealed sensitive fields stay sealed: export never needs the key.
 */
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { PredictionQuery, PredictionRecord, PredictionStore } from '../store/prediction-store.ts';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

type Cell = number | string | null;

function cell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return JSON.stringify(v);
}

export function flatten(r: PredictionRecord): Record<string, Cell> {
  const row: Record<string, Cell> = { request_id: r.requestId, endpoint: r.endpoint, version: r.version, at: r.at, latency_ms: r.latencyMs };
  for (const [k, v] of Object.entries(r.inputs)) row[`input.${k}`] = cell(v);
  for (const [k, v] of Object.entries(r.outputs)) row[`output.${k}`] = cell(v);
  row.prediction = r.prediction;
  row.feedback = r.feedback;
  return row;
}

function columnsOf(rows: readonly Record<string, Cell>[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

function csvCell(v: Cell): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function encodeExport(records: readonly PredictionRecord[], format: ExportFormat): { contentType: string; body: string | Buffer } {
  const rows = records.map(flatten);
  if (format === 'jsonl') return { contentType: 'application/x-ndjson', body: rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '') };
  const columns = columnsOf(rows);
  if (format === 'csv') {
    const lines = [columns.map((c) => csvCell(c)).join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c] ?? null)).join(','))];
    return { contentType: 'text/csv', body: lines.join('\n') + '\n' };
  }
  const columnData = columns.map((name) => {
    const data = rows.map((r) => r[name] ?? null);
    const numeric = data.every((v) => v === null || typeof v === 'number');
    return numeric ? { name, data, type: 'DOUBLE' as const } : { name, data: data.map((v) => (v === null ? null : String(v))), type: 'STRING' as const };
  });
  return { contentType: 'application/vnd.apache.parquet', body: Buffer.from(parquetWriteBuffer({ columnData })) };
}

/** Reads up to `limit` records matching the query, page by page, oldest first. */
export async function collectPredictions(store: PredictionStore, query: Omit<PredictionQuery, 'limit' | 'after'>, limit: number): Promise<PredictionRecord[]> {
  const records: PredictionRecord[] = [];
  let after: string | undefined;
  do {
    const page = await store.list({ ...query, limit: Math.min(10_000, limit - records.length), ...(after === undefined ? {} : { after }) });
    records.push(...page.items);
    after = page.next ?? undefined;
  } while (after !== undefined && records.length < limit);
  return records;
}
