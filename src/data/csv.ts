/**
 * CSV reading: an incremental RFC 4180 parser (quoted fields with embedded
 * delimiters, quotes and newlines; CRLF, LF or CR line ends) and the per-column
 * type inference rule: a column is numeric when every non-missing value parses
 * as a finite number, boolean when every one is true/false, text otherwise.
 * Files are read twice, once to infer types and once to emit rows, so that a
 * value late in a large file decides its column's type without holding the file.
 */
import { fail } from '../lib/errors.ts';
import type { Row, Value } from './dataset.ts';
import { readChunks } from './read-chunks.ts';

export type ColumnType = 'number' | 'boolean' | 'string';

/** Spellings read as missing, as pandas does by default for the common ones. */
const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None']);
const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const BOOLEAN = /^(?:true|false|TRUE|FALSE|True|False)$/;

export function isMissing(text: string): boolean {
  return MISSING.has(text);
}

export function isBooleanText(text: string): boolean {
  return BOOLEAN.test(text);
}

export function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Where a record began, for error messages. */
export interface RecordPosition {
  readonly line: number;
}

type State = 'start' | 'unquoted' | 'quoted' | 'quote-in-quoted';

/** Incremental parser: push text chunks, receive whole records. */
export class CsvParser {
  readonly #delimiter: number;
  readonly #file: string;
  #state: State = 'start';
  #field = '';
  #record: string[] = [];
  #skipLf = false;
  #line = 1;
  #recordLine = 1;

  constructor(file: string, delimiter = ',') {
    this.#file = file;
    this.#delimiter = delimiter.charCodeAt(0);
  }

  push(chunk: string, emit: (record: string[], pos: RecordPosition) => void): void {
    const delim = this.#delimiter;
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.#skipLf) {
        this.#skipLf = false;
        if (c === LF) {
          start = i + 1;
          continue;
        }
      }
      if (this.#state === 'start') {
        if (c === QUOTE) {
          this.#state = 'quoted';
          start = i + 1;
          continue;
        }
        this.#state = 'unquoted';
      }
      if (this.#state === 'unquoted') {
        if (c === delim) {
          this.#record.push(this.#field + chunk.slice(start, i));
          this.#field = '';
          this.#state = 'start';
          start = i + 1;
        } else if (c === LF || c === CR) {
          this.#record.push(this.#field + chunk.slice(start, i));
          this.#field = '';
          this.#endRecord(emit, c);
          start = i + 1;
        } else if (c === QUOTE) {
          fail('MG_DATA_INVALID', { file: this.#file, detail: `line ${this.#line}: a quote inside an unquoted field; quote the whole field and double the quote` });
        }
      } else if (this.#state === 'quoted') {
        if (c === QUOTE) {
          this.#field += chunk.slice(start, i);
          this.#state = 'quote-in-quoted';
          start = i + 1;
        } else if (c === LF) {
          this.#line++;
        }
      } else if (c === QUOTE) {
        // A doubled quote inside a quoted field: keep one, stay quoted.
        this.#state = 'quoted';
        start = i;
      } else if (c === delim) {
        this.#record.push(this.#field);
        this.#field = '';
        this.#state = 'start';
        start = i + 1;
      } else if (c === LF || c === CR) {
        this.#record.push(this.#field);
        this.#field = '';
        this.#endRecord(emit, c);
        start = i + 1;
      } else {
        fail('MG_DATA_INVALID', { file: this.#file, detail: `line ${this.#line}: unexpected character after a closing quote` });
      }
    }
    if (this.#state === 'unquoted' || this.#state === 'quoted') this.#field += chunk.slice(start);
  }

  end(emit: (record: string[], pos: RecordPosition) => void): void {
    if (this.#state === 'quoted') {
      fail('MG_DATA_INVALID', { file: this.#file, detail: `line ${this.#recordLine}: a quoted field is never closed` });
    }
    if (this.#state !== 'start' || this.#record.length > 0 || this.#field !== '') {
      this.#record.push(this.#field);
      this.#field = '';
      this.#endRecord(emit, LF);
    }
  }

  #endRecord(emit: (record: string[], pos: RecordPosition) => void, terminator: number): void {
    const record = this.#record;
    this.#record = [];
    this.#state = 'start';
    if (terminator === CR) this.#skipLf = true;
    const pos = { line: this.#recordLine };
    this.#line++;
    this.#recordLine = this.#line;
    // A blank line is no record.
    if (record.length === 1 && record[0] === '') return;
    emit(record, pos);
  }
}

export interface CsvReadOptions {
  readonly delimiter?: string;
  readonly onBytes?: (bytesRead: number, totalBytes: number) => void;
  readonly onColumns?: (columns: readonly string[]) => void;
}

/** Header names, trimmed; MG_DATA_INVALID for an empty or repeated name. */
export function checkHeader(file: string, header: string[]): string[] {
  const names = header.map((h) => h.trim());
  const seen = new Set<string>();
  for (const [i, name] of names.entries()) {
    if (name === '') fail('MG_DATA_INVALID', { file, detail: `header column ${i + 1} has no name` });
    if (seen.has(name)) fail('MG_DATA_INVALID', { file, detail: `header names column "${name}" twice` });
    seen.add(name);
  }
  return names;
}

/** Streams the file's records: header first, then each data record with its 1-based row number. */
async function* records(file: string, options: CsvReadOptions): AsyncGenerator<{ record: string[]; row: number; line: number }> {
  const parser = new CsvParser(file, options.delimiter);
  let row = 0;
  let pending: { record: string[]; row: number; line: number }[] = [];
  const emit = (record: string[], pos: RecordPosition): void => {
    pending.push({ record, row: row++, line: pos.line });
  };
  for await (const text of readChunks(file, options.onBytes)) {
    parser.push(text, emit);
    if (pending.length > 0) {
      const batch = pending;
      pending = [];
      yield* batch;
    }
  }
  parser.end(emit);
  yield* pending;
}

/** First pass: the type of every column. */
export async function inferCsvTypes(file: string, delimiter = ','): Promise<{ columns: string[]; types: ColumnType[] }> {
  let columns: string[] | undefined;
  let numeric: boolean[] = [];
  let boolean: boolean[] = [];
  let seen: boolean[] = [];
  for await (const { record, row, line } of records(file, { delimiter })) {
    if (columns === undefined) {
      columns = checkHeader(file, record);
      numeric = columns.map(() => true);
      boolean = columns.map(() => true);
      seen = columns.map(() => false);
      continue;
    }
    if (record.length !== columns.length) {
      fail('MG_DATA_INVALID', { file, detail: `row ${row} (line ${line}) has ${record.length} fields, the header has ${columns.length}` });
    }
    for (let j = 0; j < record.length; j++) {
      const text = record[j]!;
      if (isMissing(text)) continue;
      seen[j] = true;
      if (numeric[j] && parseNumber(text) === undefined) numeric[j] = false;
      if (boolean[j] && !BOOLEAN.test(text)) boolean[j] = false;
    }
  }
  if (columns === undefined) fail('MG_DATA_INVALID', { file, detail: 'the file is empty: no header row' });
  // An all-missing column stays numeric: it has no value that is not a number.
  const types = columns.map((_, j): ColumnType => (numeric[j] || !seen[j] ? 'number' : boolean[j] ? 'boolean' : 'string'));
  return { columns, types };
}

function convert(text: string, type: ColumnType): Value {
  if (isMissing(text)) return null;
  if (type === 'number') return Number(text);
  if (type === 'boolean') return text.toLowerCase() === 'true';
  return text;
}

/** Reads a CSV file as typed rows; keys in header order. */
export async function* readCsv(file: string, options: CsvReadOptions = {}): AsyncGenerator<Row> {
  const { columns, types } = await inferCsvTypes(file, options.delimiter);
  options.onColumns?.(columns);
  let header = true;
  for await (const { record, row, line } of records(file, options)) {
    if (header) {
      header = false;
      continue;
    }
    if (record.length !== columns.length) {
      fail('MG_DATA_INVALID', { file, detail: `row ${row} (line ${line}) has ${record.length} fields, the header has ${columns.length}` });
    }
    const out: Row = {};
    for (let j = 0; j < columns.length; j++) out[columns[j]!] = convert(record[j]!, types[j]!);
    yield out;
  }
}
