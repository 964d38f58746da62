/**
 * How commands print: aligned text tables for people, JSON for machines
 * (`--json`), and the one-line error format. Commands build rows and hand
 * them here, so every command looks the same.
 */

export interface Printer {
  readonly json: boolean;
  /** Prints a value as JSON when --json is set; otherwise calls `human`. */
  result(value: unknown, human: () => void): void;
  table(headers: readonly string[], rows: readonly (readonly unknown[])[]): void;
  /** Key/value lines, keys padded to the same width. */
  fields(pairs: readonly (readonly [string, unknown])[]): void;
  line(text?: string): void;
  /** A status message on stderr, so it never mixes with JSON on stdout. */
  note(text: string): void;
}

export interface Streams {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const defaultStreams: Streams = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Renders a cell: empty for null/undefined, JSON for objects, text otherwise. */
export function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Formats an aligned table; the last column is not padded so lines carry no trailing spaces. */
export function formatTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const text = rows.map((row) => headers.map((_, i) => cell(row[i])));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i].length)));
  const render = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [render(headers.map((h) => h.toUpperCase())), ...text.map(render)].join('\n') + '\n';
}

/** `k=v, k=v` for tag and param maps in a single cell. */
export function pairs(map: Readonly<Record<string, unknown>> | undefined | null): string {
  if (!map) return '';
  return Object.entries(map).map(([k, v]) => `${k}=${cell(v)}`).join(', ');
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function createPrinter(json: boolean, streams: Streams = defaultStreams): Printer {
  return {
    json,
    result(value, human) {
      if (json) streams.out(JSON.stringify(value, null, 2) + '\n');
      else human();
    },
    table(headers, rows) {
      streams.out(rows.length === 0 ? '(none)\n' : formatTable(headers, rows));
    },
    fields(list) {
      const width = Math.max(0, ...list.map(([k]) => k.length));
      for (const [k, v] of list) streams.out(`${(k + ':').padEnd(width + 1)} ${cell(v)}`.trimEnd() + '\n');
    },
    line(text = '') {
      streams.out(text + '\n');
    },
    note(text) {
      streams.err(text + '\n');
    },
  };
}
