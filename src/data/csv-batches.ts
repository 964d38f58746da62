/**
 * Columnar CSV reading for large files: bytes are scanned directly (no text
 * decoding of numeric fields, no object per row) into batches of typed
 * columns, numbers in Float64Arrays. The same RFC 4180 rules, missing-value
 * spellings, type rule and errors as the row reader in csv.ts apply.
 *
 * Types are inferred from the records of the first chunk read, so the file is
 * read once. When a later value breaks an inferred type (text in a column that
 * looked numeric), reading stops with CsvTypeConflict and the caller reads
 * again with the types of a full pass (`readCsvColumnsWithRetry` does both).
 */
import { createReadStream } from 'node:fs';
import { fail, ModelgateError } from '../lib/errors.ts';
import { fastNumber, NumberScan } from './csv-number.ts';
import { checkHeader, inferCsvTypes, isBooleanText, isMissing, parseNumber, type ColumnType } from './csv.ts';
import { fileSize } from './read-chunks.ts';

/** A column of one batch: numbers with NaN for missing, or booleans / text with null for missing. */
export type BatchColumn =
  | { readonly type: 'number'; readonly values: Float64Array }
  | { readonly type: 'boolean'; readonly values: (boolean | null)[] }
  | { readonly type: 'string'; readonly values: (string | null)[] };

export interface CsvBatch {
  readonly rows: number;
  /** In header order; arrays may be longer than `rows`. */
  readonly columns: readonly BatchColumn[];
}

export interface CsvBatchOptions {
  readonly delimiter?: string;
  readonly batchRows?: number;
  /** Bytes per read (default 1 MiB); the types are inferred from the records of the first read holding data. */
  readonly chunkBytes?: number;
  /** Types from a full pass; without them types are inferred from the first chunk. */
  readonly types?: readonly ColumnType[];
  readonly onBytes?: (bytesRead: number, totalBytes: number) => void;
  /** Called once, before the first batch (or at the end of a file without rows). */
  readonly onHeader?: (columns: readonly string[], types: readonly ColumnType[]) => void;
}

/** A value later in the file breaks the type inferred from its first chunk. */
export class CsvTypeConflict extends Error {
  readonly column: string;
  readonly row: number;
  constructor(column: string, row: number) {
    super(`column "${column}" changes type at row ${row}`);
    this.column = column;
    this.row = row;
  }
}

const QUOTE = 34;
const LF = 10;
const CR = 13;
const MINUS = 45;
const POINT = 46;
const ZERO = 48;
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

function column(type: ColumnType, rows: number): BatchColumn {
  if (type === 'number') return { type, values: new Float64Array(rows) };
  return type === 'boolean' ? { type, values: new Array<boolean | null>(rows).fill(null) } : { type, values: new Array<string | null>(rows).fill(null) };
}

/** Types of text columns by csv.ts's rule; a column with no value is numeric. */
function inferTypes(batches: readonly CsvBatch[], width: number): ColumnType[] {
  return Array.from({ length: width }, (_, j): ColumnType => {
    let numeric = true;
    let boolean = true;
    for (const b of batches) {
      const values = b.columns[j]!.values as (string | null)[];
      for (let r = 0; r < b.rows && (numeric || boolean); r++) {
        const text = values[r]!;
        if (text === null) continue;
        if (numeric && parseNumber(text) === undefined) numeric = false;
        if (boolean && !isBooleanText(text)) boolean = false;
      }
    }
    return numeric ? 'number' : boolean ? 'boolean' : 'string';
  });
}

function retype(batch: CsvBatch, types: readonly ColumnType[], capacity: number): CsvBatch {
  const columns = batch.columns.map((c, j) => {
    const type = types[j]!;
    const text = c.values as (string | null)[];
    const out = column(type, capacity);
    for (let r = 0; r < batch.rows; r++) {
      const t = text[r]!;
      if (out.type === 'number') out.values[r] = t === null ? NaN : Number(t);
      else if (out.type === 'boolean') out.values[r] = t === null ? null : t.toLowerCase() === 'true';
      else out.values[r] = t;
    }
    return out;
  });
  return { rows: batch.rows, columns };
}

/** Scans whole records out of byte buffers into typed batches. */
class Scanner {
  readonly #file: string;
  readonly #delim: number;
  readonly #batchRows: number;
  readonly #given: readonly ColumnType[] | undefined;
  header: string[] | undefined;
  types: ColumnType[] | undefined;
  #kinds: ColumnType[] = [];
  #headerFields: string[] = [];
  #batch: BatchColumn[] = [];
  #at = 0;
  #done: CsvBatch[] = [];
  #line = 1;
  #row = 0;
  #skipLf = false;
  readonly #number = new NumberScan();
  /** Per column: numeric, so an unquoted field is parsed while its end is found. */
  #numeric: boolean[] = [];

  constructor(file: string, delimiter: string, batchRows: number, given: readonly ColumnType[] | undefined) {
    this.#file = file;
    this.#delim = delimiter.charCodeAt(0);
    this.#batchRows = batchRows;
    this.#given = given;
  }

  #invalid(detail: string): never {
    return fail('MG_DATA_INVALID', { file: this.#file, detail });
  }

  #startBatch(): void {
    this.#numeric = this.#kinds.map((k) => k === 'number');
    // The numeric columns of a batch share one buffer, so that it moves between threads as one.
    const rows = this.#batchRows;
    const buffer = new ArrayBuffer(8 * rows * this.#numeric.filter(Boolean).length);
    let at = 0;
    this.#batch = this.#kinds.map((k) => (k === 'number' ? { type: k, values: new Float64Array(buffer, 8 * rows * at++, rows) } : column(k, rows)));
    this.#at = 0;
  }

  /**
   * Whole records of plain decimals (no sign but minus, at most 15 digits, no
   * exponent) in a file whose columns are all numeric, stored in one pass
   * from `pos`; returns where it stopped: at a record that needs the general
   * path (anything else, a missing value, a record the buffer does not hold
   * whole), which reads it from there.
   */
  #plainRecords(buf: Buffer, pos: number, n: number): number {
    if (this.header === undefined || !this.#numeric.every(Boolean)) return pos;
    const delim = this.#delim;
    const width = this.header.length;
    let columns = this.#batch.map((c) => c.values as Float64Array);
    let at = this.#at;
    let i = pos;
    let start = i;
    records: while (i < n) {
      start = i;
      for (let j = 0; ; j++) {
        let c = buf[i]!;
        let negative = false;
        if (c === MINUS) {
          negative = true;
          if (++i >= n) break records;
          c = buf[i]!;
        }
        // Whole and fraction digits in small integers (at most 9 each, 15 together), so no step waits on a floating-point multiply.
        let whole = 0;
        let wholeDigits = 0;
        let d = c - ZERO;
        while (d >= 0 && d <= 9) {
          whole = whole * 10 + d;
          wholeDigits++;
          if (++i >= n) break records;
          d = buf[i]! - ZERO;
        }
        c = d + ZERO;
        let fraction = 0;
        let scale = 0;
        if (c === POINT) {
          if (++i >= n) break records;
          d = buf[i]! - ZERO;
          while (d >= 0 && d <= 9) {
            fraction = fraction * 10 + d;
            scale++;
            if (++i >= n) break records;
            d = buf[i]! - ZERO;
          }
          c = d + ZERO;
        }
        if (wholeDigits + scale === 0 || wholeDigits > 9 || scale > 9 || wholeDigits + scale > 15) break records;
        // An exact integer over an exact power of ten: the double Number() gives.
        const v = scale === 0 ? whole : (whole * POW10[scale]! + fraction) / POW10[scale]!;
        columns[j]![at] = negative ? -v : v;
        i++;
        if (j + 1 === width) {
          if (c === CR && i < n && buf[i] === LF) i++;
          else if (c !== LF) break records;
          break;
        }
        if (c !== delim || i >= n) break records;
      }
      this.#line++;
      this.#row++;
      if (++at === this.#batchRows) {
        this.#done.push({ rows: at, columns: this.#batch });
        this.#startBatch();
        columns = this.#batch.map((c) => c.values as Float64Array);
        at = 0;
      }
      start = i;
    }
    this.#at = at;
    return start;
  }

  #text(buf: Buffer, s: number, e: number, escaped: boolean): string {
    const t = buf.toString('utf8', s, e);
    return escaped ? t.replaceAll('""', '"') : t;
  }

  #conflict(j: number): never {
    if (this.#given !== undefined) this.#invalid(`column "${this.header![j]}" changed type at row ${this.#row + 1} while the file was read`);
    throw new CsvTypeConflict(this.header![j]!, this.#row + 1);
  }

  #store(j: number, buf: Buffer, s: number, e: number, quoted: boolean, escaped: boolean): void {
    if (this.header === undefined) {
      this.#headerFields.push(this.#text(buf, s, e, escaped));
      return;
    }
    if (j >= this.#kinds.length) return;
    const col = this.#batch[j]!;
    if (col.type === 'number') {
      let v = s === e ? NaN : quoted ? undefined : fastNumber(buf, s, e);
      if (v === undefined) {
        const text = this.#text(buf, s, e, escaped);
        v = isMissing(text) ? NaN : parseNumber(text) ?? this.#conflict(j);
      }
      col.values[this.#at] = v;
      return;
    }
    const text = this.#text(buf, s, e, escaped);
    if (col.type === 'string') col.values[this.#at] = isMissing(text) ? null : text;
    else col.values[this.#at] = isMissing(text) ? null : isBooleanText(text) ? text.toLowerCase() === 'true' : this.#conflict(j);
  }

  #endRecord(fields: number, firstEmpty: boolean, lfs: number): void {
    const line = this.#line;
    this.#line += lfs + 1;
    // A blank line is no record.
    if (fields === 1 && firstEmpty) return;
    if (this.header === undefined) {
      this.header = checkHeader(this.#file, this.#headerFields);
      if (this.#given !== undefined && this.#given.length !== this.header.length) this.#invalid(`the header has ${this.header.length} columns where ${this.#given.length} were read before`);
      this.types = this.#given === undefined ? undefined : [...this.#given];
      this.#kinds = this.types ?? this.header.map((): ColumnType => 'string');
      this.#startBatch();
      return;
    }
    this.#row++;
    if (fields !== this.header.length) this.#invalid(`row ${this.#row} (line ${line}) has ${fields} fields, the header has ${this.header.length}`);
    if (++this.#at === this.#batchRows) {
      this.#done.push({ rows: this.#at, columns: this.#batch });
      this.#startBatch();
    }
  }

  /** A plain decimal ending at a delimiter or line end, stored in one pass; false when the general path must read the field. */
  #fastField(buf: Buffer, pos: number, n: number, j: number, final: boolean): boolean {
    const v = this.#number.scan(buf, pos, n);
    if (v === undefined) return false;
    const e = this.#number.end;
    if (e < n) {
      const c = buf[e];
      if (c !== this.#delim && c !== LF && c !== CR) return false;
    } else if (!final) return false;
    (this.#batch[j]!.values as Float64Array)[this.#at] = v;
    return true;
  }

  /** Scans the records of `buf`; returns where an incomplete last record begins (buf.length when none). */
  scan(buf: Buffer, final: boolean): number {
    const n = buf.length;
    const delim = this.#delim;
    let pos = 0;
    records: while (pos < n) {
      if (this.#skipLf) {
        this.#skipLf = false;
        if (buf[pos] === LF) {
          pos++;
          continue;
        }
      }
      pos = this.#plainRecords(buf, pos, n);
      if (pos >= n) return n;
      const recordStart = pos;
      // An incomplete record is scanned again from its start with the next chunk.
      if (this.header === undefined) this.#headerFields = [];
      let fields = 0;
      let lfs = 0;
      let firstEmpty = false;
      for (;;) {
        let end: number;
        if (pos < n && buf[pos] === QUOTE) {
          let i = pos + 1;
          let escaped = false;
          for (;;) {
            if (i >= n) {
              if (!final) return recordStart;
              this.#invalid(`line ${this.#line}: a quoted field is never closed`);
            }
            const c = buf[i]!;
            if (c === QUOTE) {
              if (i + 1 >= n && !final) return recordStart;
              if (buf[i + 1] !== QUOTE) break;
              escaped = true;
              i += 2;
              continue;
            }
            if (c === LF) lfs++;
            i++;
          }
          end = i + 1;
          if (end < n && buf[end] !== delim && buf[end] !== LF && buf[end] !== CR) {
            this.#invalid(`line ${this.#line + lfs}: unexpected character after a closing quote`);
          }
          if (fields === 0) firstEmpty = i === pos + 1;
          this.#store(fields, buf, pos + 1, i, true, escaped);
        } else if (this.#numeric[fields] === true && this.#fastField(buf, pos, n, fields, final)) {
          end = this.#number.end;
          if (fields === 0) firstEmpty = false;
        } else {
          let i = pos;
          while (i < n) {
            const c = buf[i]!;
            if (c === delim || c === LF || c === CR) break;
            if (c === QUOTE) this.#invalid(`line ${this.#line + lfs}: a quote inside an unquoted field; quote the whole field and double the quote`);
            i++;
          }
          if (i >= n && !final) return recordStart;
          end = i;
          if (fields === 0) firstEmpty = i === pos;
          this.#store(fields, buf, pos, i, false, false);
        }
        fields++;
        if (end >= n) {
          this.#endRecord(fields, firstEmpty, lfs);
          return n;
        }
        const c = buf[end]!;
        pos = end + 1;
        if (c === delim) {
          if (pos >= n && final) {
            // A delimiter just before the end of the file: one more, empty, field.
            this.#store(fields, buf, pos, pos, false, false);
            this.#endRecord(fields + 1, false, lfs);
            return n;
          }
          continue;
        }
        if (c === CR) this.#skipLf = true;
        this.#endRecord(fields, firstEmpty, lfs);
        continue records;
      }
    }
    return n;
  }

  /** Settles the types from the records read so far (the first chunk holding data) and retypes the batches held. */
  settleTypes(final: boolean): void {
    if (this.types !== undefined || this.header === undefined) return;
    if (!final && this.#row === 0) return;
    const pending = [...this.#done, { rows: this.#at, columns: this.#batch }];
    const types = inferTypes(pending, this.header.length);
    const typed = pending.map((b) => retype(b, types, this.#batchRows));
    this.types = types;
    this.#kinds = types;
    this.#numeric = types.map((k) => k === 'number');
    this.#done = typed.slice(0, -1);
    this.#batch = [...typed.at(-1)!.columns];
  }

  /** Batches completed so far; with `all`, the partial one too. */
  take(all: boolean): CsvBatch[] {
    const out = this.#done;
    this.#done = [];
    if (all && this.#at > 0) {
      out.push({ rows: this.#at, columns: this.#batch });
      this.#startBatch();
    }
    return out;
  }
}

/** Streams a CSV file as batches of typed columns. */
export async function* readCsvBatches(file: string, options: CsvBatchOptions = {}): AsyncGenerator<CsvBatch> {
  const total = await fileSize(file);
  const scanner = new Scanner(file, options.delimiter ?? ',', options.batchRows ?? 8192, options.types);
  let announced = false;
  const announce = (): void => {
    if (announced || scanner.header === undefined || scanner.types === undefined) return;
    announced = true;
    options.onHeader?.(scanner.header, scanner.types);
  };
  let carry: Buffer = Buffer.alloc(0);
  let read = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: options.chunkBytes ?? 1 << 20 })) {
      const bytes = chunk as Buffer;
      let buf = carry.length > 0 ? Buffer.concat([carry, bytes]) : bytes;
      if (read === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      read += bytes.length;
      carry = buf.subarray(scanner.scan(buf, false));
      options.onBytes?.(read, total);
      scanner.settleTypes(false);
      announce();
      yield* scanner.take(false);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && !(err instanceof ModelgateError)) {
      fail('MG_DATA_UNREADABLE', { file, detail: code }, { cause: err });
    }
    throw err;
  }
  scanner.scan(carry, true);
  if (scanner.header === undefined) fail('MG_DATA_INVALID', { file, detail: 'the file is empty: no header row' });
  scanner.settleTypes(true);
  announce();
  yield* scanner.take(true);
}

/**
 * Reads every batch with `consume`; when a late value breaks a type inferred
 * from the first chunk, infers the types over the whole file and reads again
 * (`consume` is then called from the first batch once more, after `restart`).
 */
export async function readCsvColumnsWithRetry(
  file: string,
  options: Omit<CsvBatchOptions, 'types'>,
  consume: (batches: AsyncGenerator<CsvBatch>) => Promise<void>,
  restart?: () => void,
): Promise<void> {
  try {
    await consume(readCsvBatches(file, options));
  } catch (err) {
    if (!(err instanceof CsvTypeConflict)) throw err;
    const { types } = await inferCsvTypes(file, options.delimiter);
    restart?.();
    await consume(readCsvBatches(file, { ...options, types }));
  }
}
