/** `modelgate versions register|list|show|update|compare|archive|download`. */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { fail } from '../lib/errors.ts';
import type { VersionComparison } from '../registry/api.ts';
import type { MetricRange, VersionStatus } from '../store/registry-types.ts';
import { withRegistry } from './context.ts';
import { bytes, cell, pairs, type Printer } from './output.ts';
import { collect, keyValue, metricBound, positiveInt, statusList, versionNumber, versionOrder, versionRef, type VersionOrder } from './parse.ts';
import { patchTags } from './tags.ts';
import { describeVersion } from './version-view.ts';
import { readModelCard, registerVersionRegister } from './versions-register.ts';

interface ListFlags {
  status?: VersionStatus[];
  tag?: Record<string, string>;
  metric?: MetricRange[];
  orderBy?: VersionOrder;
  desc?: boolean;
  limit?: number;
  cursor?: string;
}

function printComparison(printer: Printer, c: VersionComparison): void {
  printer.line(`${c.model}: version ${c.a} → version ${c.b}`);
  const section = (title: string, rows: readonly { key: string; a: unknown; b: unknown; delta?: number }[], withDelta: boolean) => {
    printer.line();
    printer.line(title);
    const changed = rows.map((r) => withDelta ? [r.key, cell(r.a), cell(r.b), r.delta === undefined ? '' : (r.delta > 0 ? '+' : '') + cell(r.delta)] : [r.key, cell(r.a), cell(r.b)]);
    printer.table(withDelta ? ['key', `v${c.a}`, `v${c.b}`, 'delta'] : ['key', `v${c.a}`, `v${c.b}`], changed);
  };
  section('metrics', c.metrics, true);
  section('params', c.params, false);
  section('tags', c.tags, false);
  section('lineage', c.lineage, false);
  printer.line();
  printer.line(`signature: ${c.signature.verdict}`);
  printer.table(['change', 'detail'], c.signature.changes.map((s) => [s.kind, s.detail]));
}

export function registerVersionCommands(program: Command): void {
  const versions = program.command('versions').description('register, list, show, update, compare, archive and download model versions');
  registerVersionRegister(versions);

  versions
    .command('list')
    .description('list the versions of a model')
    .argument('<model>', 'model name')
    .option('--status <list>', 'only these statuses: pending, ready, failed, archived (comma-separated)', statusList)
    .option('--tag <key=value>', 'only versions with this tag; repeat for more', keyValue)
    .option('--metric <bound>', 'metric range, e.g. "accuracy>=0.9"; repeat for more', metricBound)
    .option('--order-by <field>', 'version, created or metric:NAME', versionOrder)
    .option('--desc', 'descending order')
    .option('--limit <n>', 'page size', positiveInt)
    .option('--cursor <cursor>', 'continue from a previous page')
    .addHelpText('after', '\nExample:\n  modelgate versions list fraud --status ready --metric "auc>=0.9" --order-by metric:auc --desc --limit 5')
    .action(async (model: string, o: ListFlags, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer }) => {
        const page = await registry.listVersions(model, {
          status: o.status, tag: o.tag, metrics: o.metric,
          orderBy: o.orderBy,
          descending: o.desc, limit: o.limit, cursor: o.cursor,
        });
        printer.result(page, () => {
          printer.table(['version', 'status', 'metrics', 'tags', 'size', 'created', 'by'],
            page.items.map((v) => [v.version, v.status, pairs(v.metrics), pairs(v.tags), bytes(v.artifact.size), v.createdAt, v.createdBy]));
          if (page.nextCursor) printer.line(`more: --cursor ${page.nextCursor}`);
        });
      }));

  versions
    .command('show')
    .description('show one version: signature, metrics, lineage, profile')
    .argument('<model>', 'model name')
    .argument('<version>', 'version number, or an alias such as production or latest', versionRef)
    .addHelpText('after', '\nExamples:\n  modelgate versions show fraud 3\n  modelgate versions show fraud production --json')
    .action(async (model: string, ref: number | string, _o: unknown, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer }) => {
        const version = await registry.getVersion(model, ref);
        printer.result(version, () => describeVersion(printer, version));
      }));

  versions
    .command('update')
    .description('change the description, tags or model card of a version (its artifact, metrics and lineage never change)')
    .argument('<model>', 'model name')
    .argument('<version>', 'version number or alias', versionRef)
    .option('--description <text>', 'new description')
    .option('--tag <key=value>', 'set a tag, keeping the others; repeat for more', keyValue)
    .option('--untag <key>', 'remove a tag; repeat for more', collect)
    .option('--model-card <file>', 'replace the model card with this Markdown file')
    .addHelpText('after', '\nExamples:\n  modelgate versions update fraud 3 --tag stage=validated --untag wip\n  modelgate versions update fraud production --model-card card.md --json')
    .action(async (model: string, ref: number | string, o: { description?: string; tag?: Record<string, string>; untag?: string[]; modelCard?: string }, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer, call }) => {
        const current = await registry.getVersion(model, ref);
        const tags = patchTags(current.tags, o.tag, o.untag);
        const modelCard = await readModelCard(o.modelCard);
        if (o.description === undefined && tags === undefined && modelCard === undefined) {
          fail('MG_USAGE', { detail: 'nothing to update: give --description, --tag, --untag or --model-card' });
        }
        const v = await registry.updateVersion(model, current.version, { description: o.description, tags, modelCard }, call);
        printer.result(v, () => describeVersion(printer, v));
      }));

  versions
    .command('compare')
    .description('compare two versions: metrics, params, tags, lineage and signature (compatible or breaking)')
    .argument('<model>', 'model name')
    .argument('<a>', 'baseline version or alias', versionRef)
    .argument('<b>', 'candidate version or alias', versionRef)
    .option('--fail-on-breaking', 'exit 1 when the signature change is breaking')
    .addHelpText('after', '\nExample:\n  modelgate versions compare fraud production 4 --fail-on-breaking')
    .action(async (model: string, a: number | string, b: number | string, o: { failOnBreaking?: boolean }, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer }) => {
        const comparison = await registry.compareVersions(model, a, b);
        printer.result(comparison, () => printComparison(printer, comparison));
        if (o.failOnBreaking && comparison.signature.verdict === 'breaking') process.exitCode = 1;
      }));

  versions
    .command('archive')
    .description('archive a version: kept for history, never served, cannot take an alias')
    .argument('<model>', 'model name')
    .argument('<version>', 'version number', versionNumber)
    .addHelpText('after', '\nExample:\n  modelgate versions archive fraud 2')
    .action(async (model: string, version: number, _o: unknown, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer, call }) => {
        const v = await registry.archiveVersion(model, version, call);
        printer.result(v, () => printer.line(`archived ${v.model} version ${v.version}`));
      }));

  versions
    .command('download')
    .description('download the artifact of a version, verifying its SHA-256')
    .argument('<model>', 'model name')
    .argument('<version>', 'version number or alias', versionRef)
    .option('-o, --output <file>', 'where to write it (default: MODEL-vN.onnx)')
    .addHelpText('after', '\nExample:\n  modelgate versions download fraud production -o fraud.onnx')
    .action(async (model: string, ref: number | string, o: { output?: string }, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer }) => {
        const version = typeof ref === 'number' ? ref : (await registry.getVersion(model, ref)).version;
        const out = o.output ?? `${model}-v${version}.onnx`;
        const { stream, sha256 } = await registry.downloadArtifact(model, version);
        const hash = createHash('sha256');
        let size = 0;
        const tap = new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            size += chunk.length;
            done(null, chunk);
          },
        });
        const partial = `${out}.partial`;
        try {
          await pipeline(stream, tap, createWriteStream(partial));
          const got = hash.digest('hex');
          if (got !== sha256) fail('MG_BLOB_CORRUPT', { sha256, detail: `downloaded bytes hash to ${got}` });
          await rename(partial, out);
        } catch (err) {
          await rm(partial, { force: true });
          throw err;
        }
        printer.result({ model, version, file: out, size, sha256 }, () => printer.line(`wrote ${out} (${bytes(size)}, sha256:${sha256})`));
      }));
}
