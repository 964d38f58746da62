/**
 * `modelgate config show|reference`: the configuration as resolved from the
 * file, MODELGATE_* variables and flags (secrets redacted), and the reference
 * of every option.
 */
import type { Command } from 'commander';
import { configReference, configReferenceMarkdown, redactedConfig } from '../config/reference.ts';
import { cliConfig, globalOptions } from './context.ts';
import { createPrinter } from './output.ts';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('show the resolved configuration or the reference of every option');
  config
    .command('show')
    .description('print the configuration in effect (defaults < --config file < MODELGATE_* < flags), secrets redacted')
    .addHelpText('after', '\nExample:\n  MODELGATE_SERVER__PORT=9000 modelgate config show --config modelgate.yaml --json')
    .action((_o: unknown, cmd: Command) => {
      const opts = globalOptions(cmd);
      const printer = createPrinter(opts.json === true);
      const resolved = redactedConfig(cliConfig(opts));
      printer.result(resolved, () => printer.line(JSON.stringify(resolved, null, 2)));
    });
  config
    .command('reference')
    .description('list every option with its type, default and environment variable (Markdown)')
    .action((_o: unknown, cmd: Command) => {
      const printer = createPrinter(globalOptions(cmd).json === true);
      printer.result(configReference(), () => printer.line(configReferenceMarkdown().trimEnd()));
    });
}
