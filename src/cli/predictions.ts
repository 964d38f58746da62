/**
 * `modelgate predictions export ENDPOINT`: the prediction log of an endpoint
 * as JSON lines, CSV or Parquet, for retraining. Against a server (--url) it
 * downloads GET /api/v1/endpoints/{e}/predictions; on a data directory it
 * reads the prediction store directly. Sensitive fields stay sealed.
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Config } from '../config/load.ts';
import { collectPredictions, encodeExport, EXPORT_FORMATS, type ExportFormat } from '../monitoring/prediction-export.ts';
import { cliConfig, globalOptions } from './context.ts';
import { serverResponse, serverTarget } from './server-call.ts';
import { createPrinter } from './output.ts';
import { isoTime, positiveInt } from './parse.ts';

interface ExportFlags {
  format?: ExportFormat;
  output?: string;
  since?: string;
  until?: string;
  modelVersion?: number;
  limit?: number;
}

function exportFormat(value: string): ExportFormat {
  if ((EXPORT_FORMATS as readonly string[]).includes(value)) return value as ExportFormat;
  throw new InvalidArgumentError(`expected one of ${EXPORT_FORMATS.join(', ')}; got "${value}"`);
}

/** --format, else the output file's extension, else JSON lines. */
export function formatFor(flags: Pick<ExportFlags, 'format' | 'output'>): ExportFormat {
  if (flags.format !== undefined) return flags.format;
  const ext = flags.output === undefined ? '' : extname(flags.output).slice(1).toLowerCase();
  return ext === 'csv' ? 'csv' : ext === 'parquet' ? 'parquet' : 'jsonl';
}

async function remoteExport(config: Config, endpoint: string, flags: ExportFlags, format: ExportFormat): Promise<{ body: Buffer; records: number }> {
  const q = new URLSearchParams({ format });
  if (flags.since !== undefined) q.set('since', flags.since);
  if (flags.until !== undefined) q.set('until', flags.until);
  if (flags.modelVersion !== undefined) q.set('version', String(flags.modelVersion));
  if (flags.limit !== undefined) q.set('limit', String(flags.limit));
  const res = await serverResponse(serverTarget(config), 'GET', `/endpoints/${encodeURIComponent(endpoint)}/predictions?${q.toString()}`);
  return { body: Buffer.from(await res.arrayBuffer()), records: Number(res.headers.get('x-modelgate-records') ?? NaN) };
}

async function localExport(config: Config, endpoint: string, flags: ExportFlags, format: ExportFormat): Promise<{ body: Buffer; records: number }> {
  const { openPredictionStore } = await import('../app/monitoring.ts');
  const store = await openPredictionStore(config);
  try {
    const records = await collectPredictions(store, {
      endpoint,
      ...(flags.since === undefined ? {} : { since: flags.since }),
      ...(flags.until === undefined ? {} : { until: flags.until }),
      ...(flags.modelVersion === undefined ? {} : { version: flags.modelVersion }),
    }, flags.limit ?? 100_000);
    const out = encodeExport(records, format);
    return { body: Buffer.isBuffer(out.body) ? out.body : Buffer.from(out.body), records: records.length };
  } finally {
    await store.close();
  }
}

export function registerPredictionCommands(program: Command): void {
  const predictions = program.command('predictions').description('the prediction log: sampled requests and responses, with feedback');
  predictions
    .command('export')
    .description('export an endpoint\'s prediction log (JSON lines, CSV or Parquet)')
    .argument('<endpoint>', 'endpoint name')
    .option('--format <format>', `${EXPORT_FORMATS.join(' | ')} (default: from the -o extension, else jsonl)`, exportFormat)
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('--since <time>', 'only requests answered at or after this ISO time', isoTime)
    .option('--until <time>', 'only requests answered before this ISO time', isoTime)
    .option('--model-version <n>', 'only this version of the endpoint', positiveInt)
    .option('--limit <n>', 'at most this many records (default 100000)', positiveInt)
    .addHelpText('after', '\nExamples:\n  modelgate predictions export fraud -o fraud.parquet --since 2026-03-01T00:00:00Z\n  modelgate predictions export fraud --format csv --url http://localhost:8080 > fraud.csv')
    .action(async (endpoint: string, flags: ExportFlags, cmd: Command) => {
      const opts = globalOptions(cmd);
      const config = cliConfig(opts);
      const printer = createPrinter(opts.json === true);
      const format = formatFor(flags);
      const { body, records } = config.url ? await remoteExport(config, endpoint, flags, format) : await localExport(config, endpoint, flags, format);
      if (flags.output === undefined) {
        process.stdout.write(body);
        return;
      }
      await writeFile(flags.output, body);
      const summary = { endpoint, format, file: flags.output, records: Number.isNaN(records) ? null : records, bytes: body.length };
      printer.result(summary, () => printer.note(`wrote ${summary.records ?? 'the'} records of ${endpoint} to ${flags.output} (${format}, ${body.length} bytes)`));
    });
}
