/**
 * A small CSV reader for MLflow's `text/csv` invocations: a header row of
 * column names, then rows; RFC 4180 quoting. Numeric fields become numbers,
 * `true`/`false` booleans, anything else stays a string for the tensor
 * builder to accept (BYTES) or reject with the input's name.
 */
import { fail } from '../lib/errors.ts';

function invalid(detail: string): never {
  return fail('MG_INFERENCE_INVALID_REQUEST', { detail: `CSV body: ${detail}` });
}

/** Splits CSV text into records of raw fields. */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') { quoted = true; i++; continue; }
    if (c === ',') { record.push(field); field = ''; i++; continue; }
    if (c === '\n' || c === '\r') {
      record.push(field);
      records.push(record);
      field = '';
      record = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += c;
    i++;
  }
  if (quoted) invalid('a quoted field is not closed');
  if (field !== '' || record.length > 0) { record.push(field); records.push(record); }
  return records.filter((r) => !(r.length === 1 && r[0].trim() === ''));
}

function convert(raw: string, row: number, column: string): unknown {
  const s = raw.trim();
  if (s === '') invalid(`row ${row} has no value for column "${column}"`);
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
  if (s === 'true' || s === 'True') return true;
  if (s === 'false' || s === 'False') return false;
  return s;
}

/** Parses CSV with a header into column names and typed row arrays. */
export function parseCsvFrame(text: string): { columns: string[]; data: unknown[][] } {
  const records = parseCsvRecords(text);
  if (records.length < 2) invalid('expected a header row of column names and at least one data row');
  const columns = records[0].map((c) => c.trim());
  const data = records.slice(1).map((r, i) => {
    if (r.length !== columns.length) invalid(`row ${i} has ${r.length} field(s); the header has ${columns.length}`);
    return r.map((v, j) => convert(v, i, columns[j]));
  });
  return { columns, data };
}
