/**
 * `modelgate history`: the append-only event log of a model, and the
 * point-in-time question "what did alias A point to at time T".
 */
import type { Command } from 'commander';
import { withRegistry } from './context.ts';
import { pairs } from './output.ts';
import { isoTime, positiveInt, versionNumber } from './parse.ts';

interface HistoryFlags {
  alias?: string;
  at?: string;
  onlyVersion?: number;
  limit?: number;
  cursor?: string;
}

export function registerHistoryCommand(program: Command): void {
  program
    .command('history')
    .description('show the change history of a model, or where an alias pointed at a time')
    .argument('<model>', 'model name')
    .option('--alias <alias>', 'only events of this alias')
    .option('--at <iso-time>', 'with --alias: the version the alias pointed to then; without: events up to then', isoTime)
    .option('--only-version <n>', 'only events of this version', versionNumber)
    .option('--limit <n>', 'page size', positiveInt)
    .option('--cursor <cursor>', 'continue from a previous page')
    .addHelpText('after', `
Examples:
  modelgate history fraud
  modelgate history fraud --alias production --at 2024-05-14T14:05:00Z`)
    .action(async (model: string, o: HistoryFlags, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer }) => {
        if (o.alias !== undefined && o.at !== undefined) {
          const version = await registry.aliasAt(model, o.alias, o.at);
          printer.result({ model, alias: o.alias, at: o.at, version }, () =>
            printer.line(version === null
              ? `${model}@${o.alias} pointed nowhere at ${o.at}`
              : `${model}@${o.alias} pointed to version ${version} at ${o.at}`));
          return;
        }
        const page = await registry.history(model, {
          alias: o.alias, version: o.onlyVersion, until: o.at, limit: o.limit, cursor: o.cursor,
        });
        printer.result(page, () => {
          printer.table(['at', 'event', 'version', 'alias', 'from', 'actor', 'reason', 'data'],
            page.items.map((e) => [e.at, e.kind, e.version, e.alias, e.previousVersion, e.actor, e.reason, pairs(e.data)]));
          if (page.nextCursor) printer.line(`more: --cursor ${page.nextCursor}`);
        });
      }));
}
