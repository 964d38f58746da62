/** `modelgate alias set|rm|list`: mutable pointers such as production and staging. */
import type { Command } from 'commander';
import { withRegistry } from './context.ts';
import { versionNumber } from './parse.ts';

export function registerAliasCommands(program: Command): void {
  const alias = program.command('alias').description('point aliases (production, staging, …) at versions');

  alias
    .command('set')
    .description('point an alias at a version; protected aliases need approvals first (see `modelgate approve`)')
    .argument('<model>', 'model name')
    .argument('<alias>', 'alias name; "latest" is reserved')
    .argument('<version>', 'version number', versionNumber)
    .addHelpText('after', '\nExample:\n  modelgate alias set fraud staging 4')
    .action(async (model: string, name: string, version: number, _o: unknown, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer, call }) => {
        const record = await registry.setAlias(model, name, version, call);
        printer.result(record, () => printer.line(`${record.model}@${record.alias} → version ${record.version}`));
      }));

  alias
    .command('rm')
    .description('remove an alias')
    .argument('<model>', 'model name')
    .argument('<alias>', 'alias name')
    .addHelpText('after', '\nExample:\n  modelgate alias rm fraud staging')
    .action(async (model: string, name: string, _o: unknown, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer, call }) => {
        await registry.removeAlias(model, name, call);
        printer.result({ model, alias: name, removed: true }, () => printer.line(`removed ${model}@${name}`));
      }));

  alias
    .command('list')
    .description("list a model's aliases")
    .argument('<model>', 'model name')
    .addHelpText('after', '\nExample:\n  modelgate alias list fraud')
    .action(async (model: string, _o: unknown, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer }) => {
        const detail = await registry.getModel(model);
        printer.result(detail.aliases, () =>
          printer.table(['alias', 'version', 'updated', 'by'], [
            ...detail.aliases.map((a) => [a.alias, a.version, a.updatedAt, a.updatedBy]),
            ...(detail.latestVersion === null ? [] : [['latest', detail.latestVersion, '(computed)', '']]),
          ]));
      }));
}
