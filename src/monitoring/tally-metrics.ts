/**
 * Prometheus counters and histograms for the request path. prom-client's own
 * `inc(labels)` / `observe(labels, v)` hash and validate the label object on
 * every call, which costs more than the rest of a request's monitoring. Here a
 * caller resolves its label values to a cell once (and keeps it), and each
 * request is a few additions; the cells are turned into prom-client's metric
 * values only when the registry is read (`/metrics`, the cluster aggregator).
 * Both classes register themselves like prom-client metrics and sum across
 * workers (aggregator `sum`).
 */
import type { Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;
interface Value { labels: Record<string, string | number>; value: number; metricName?: string }
interface MetricData { name: string; help: string; type: 'counter' | 'histogram'; values: Value[]; aggregator: 'sum' }

interface Common {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

function labelsOf(names: readonly string[], values: readonly string[]): Labels {
  if (values.length !== names.length) throw new Error(`expected ${names.length} label values (${names.join(', ')}), got ${values.length}`);
  const labels: Record<string, string> = {};
  names.forEach((n, i) => { labels[n] = values[i]; });
  return labels;
}

abstract class Tally<Cell> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly aggregator = 'sum';
  protected cells = new Map<string, { labels: Labels; cell: Cell }>();

  constructor(options: Common, registers: readonly Registry[]) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    // prom-client's registry reads a metric through get() and reset() alone.
    for (const r of registers) r.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  protected abstract create(): Cell;

  /** The cell for these label values (in labelNames order); keep it and update it directly. */
  cell(...values: string[]): Cell {
    const key = values.join('\u0000');
    let entry = this.cells.get(key);
    if (entry === undefined) {
      entry = { labels: labelsOf(this.labelNames, values), cell: this.create() };
      this.cells.set(key, entry);
    }
    return entry.cell;
  }

  reset(): void {
    // Cells handed out keep counting into the old map; they are dropped from the next read on.
    this.cells = new Map();
  }
}

export interface CounterCell { value: number }

export class TallyCounter extends Tally<CounterCell> {
  readonly type = 'counter';
  protected create(): CounterCell {
    return { value: 0 };
  }

  get(): MetricData {
    const values: Value[] = [];
    for (const { labels, cell } of this.cells.values()) values.push({ labels: { ...labels }, value: cell.value });
    return { name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' };
  }
}

export class HistogramCell {
  readonly #bounds: readonly number[];
  /** Per bucket (not cumulative); the last slot is above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

export class TallyHistogram extends Tally<HistogramCell> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(options: Common & { readonly buckets: readonly number[] }, registers: readonly Registry[]) {
    super(options, registers);
    this.buckets = [...options.buckets].sort((a, b) => a - b);
  }

  protected create(): HistogramCell {
    return new HistogramCell(this.buckets);
  }

  get(): MetricData {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, cell } of this.cells.values()) {
      let acc = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        acc += cell.counts[i];
        values.push({ labels: { ...labels, le: this.buckets[i] }, value: acc, metricName: bucket });
      }
      values.push({ labels: { ...labels, le: '+Inf' }, value: cell.count, metricName: bucket });
      values.push({ labels: { ...labels }, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...labels }, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }
}
