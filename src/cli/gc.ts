/**
 * `modelgate gc`: apply the retention policy (configured, or overridden by
 * flags) and collect unreferenced blobs. Versions holding an alias, deployed
 * or awaiting approval are kept and listed with the reason.
 */
import type { Command } from 'commander';
import { withRegistry } from './context.ts';
import { bytes } from './output.ts';
import { duration, positiveInt } from './parse.ts';

export function registerGcCommand(program: Command): void {
  program
    .command('gc')
    .description('delete versions outside the retention policy and blobs no version references')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--keep-last <n>', 'keep at least the newest N versions of each model', positiveInt)
    .option('--max-age <duration>', 'versions older than this may go, e.g. 90d', duration)
    .option('--model <model>', 'only this model')
    .addHelpText('after', '\nExample:\n  modelgate gc --dry-run --keep-last 5 --max-age 90d')
    .action(async (o: { dryRun?: boolean; keepLast?: number; maxAge?: number; model?: string }, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer, call }) => {
        const report = await registry.gc({ ...call, dryRun: o.dryRun === true, keepLast: o.keepLast, maxAgeMs: o.maxAge, model: o.model });
        printer.result(report, () => {
          const verb = report.dryRun ? 'would remove' : 'removed';
          printer.line(`${verb} ${report.versions.length} version(s) and ${report.blobs.length} blob(s), ${bytes(report.bytesFreed)}`);
          if (report.pendingBlobs > 0) printer.line(`left ${report.pendingBlobs} unreferenced blob(s) written within registry.gcGracePeriod for a later run`);
          if (report.versions.length > 0) {
            printer.line();
            printer.table(['model', 'version'], report.versions.map((v) => [v.model, v.version]));
          }
          if (report.kept.length > 0) {
            printer.line();
            printer.line('kept despite the policy:');
            printer.table(['model', 'version', 'reason'], report.kept.map((k) => [k.model, k.version, k.reason]));
          }
        });
      }));
}
