/**
 * JSON Lines reading: one JSON object per line; scalar values only (a nested
 * object or array is an error naming the row and key). Keys missing from a row
 * read as null in the columns other rows have.
 */
import { fail } from '../lib/errors.ts';
import type { Row, Value } from './dataset.ts';
import { readChunks } from './read-chunks.ts';

export interface JsonlReadOptions {
  readonly onBytes?: (bytesRead: number, totalBytes: number) => void;
}

function parseLine(file: string, text: string, line: number): Row {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail('MG_DATA_INVALID', { file, detail: `line ${line} is not valid JSON: ${(err as Error).message}` }, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    fail('MG_DATA_INVALID', { file, detail: `line ${line} is not a JSON object` });
  }
  const row: Row = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value !== null && typeof value === 'object') {
      fail('MG_DATA_INVALID', { file, detail: `line ${line}: "${key}" holds a nested ${Array.isArray(value) ? 'array' : 'object'}; only scalar values are supported` });
    }
    row[key] = value as Value;
  }
  return row;
}

export async function* readJsonl(file: string, options: JsonlReadOptions = {}): AsyncGenerator<Row> {
  let carry = '';
  let line = 0;
  const flush = function* (text: string): Generator<Row> {
    line++;
    const trimmed = text.trim();
    if (trimmed !== '') yield parseLine(file, trimmed, line);
  };
  for await (const chunk of readChunks(file, options.onBytes)) {
    const text = carry + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      yield* flush(text.slice(start, nl));
      start = nl + 1;
    }
    carry = text.slice(start);
  }
  yield* flush(carry);
}
