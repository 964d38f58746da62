/**
 * `modelgate rollback ENDPOINT [--to VERSION]`: aborts the active rollout
 * (its stable never left), or returns to an earlier stable version: at once
 * when it was stable within the rollback window, through a canary otherwise.
 */
import type { Command } from 'commander';
import { createPrinter } from './output.ts';
import { positiveInt } from './parse.ts';
import { withRollouts } from './rollout-client.ts';

export function registerRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description('abort the active rollout, or go back to an earlier stable version')
    .argument('<endpoint>')
    .option('--to <version>', 'version to return to (default: the previous stable)', positiveInt)
    .action(async (endpoint: string, o: { to?: number }, cmd: Command) => {
      await withRollouts(cmd, async (client, json) => {
        const result = await client.rollback(endpoint, o.to);
        const printer = createPrinter(json);
        printer.result(result, () => printer.line(
          result.kind === 'aborted' ? `aborted the active rollout; ${endpoint} serves version ${result.version}`
            : result.kind === 'switched' ? `${endpoint} switched back to version ${result.version}`
              : `started a canary back to version ${result.version} (rollout ${result.rollout?.id})`,
        ));
      });
    });
}
