/**
 * `modelgate approve`: record an approval (or, with --reject, a rejection) of
 * a version for a protected alias. The registry refuses self-approval, so the
 * acting user (MODELGATE_USER or `user:` in the config) matters here.
 */
import type { Command } from 'commander';
import { withRegistry } from './context.ts';
import { versionNumber } from './parse.ts';

export function registerApproveCommand(program: Command): void {
  program
    .command('approve')
    .description('approve (or reject) a version for a protected alias')
    .argument('<model>', 'model name')
    .argument('<version>', 'version number', versionNumber)
    .requiredOption('--for <alias>', 'the protected alias the decision is for')
    .option('--comment <text>', 'why', '')
    .option('--reject', 'record a rejection instead of an approval')
    .addHelpText('after', `
The registrant of a version cannot approve it. Once a version has the approvals
the alias needs, \`modelgate alias set\` can point the alias at it.

Example:
  MODELGATE_USER=alice modelgate approve fraud 4 --for production --comment "AUC +0.02, drift ok"`)
    .action(async (model: string, version: number, o: { for: string; comment: string; reject?: boolean }, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer, call }) => {
        const decision = o.reject ? 'rejected' : 'approved';
        const record = await registry.decide(model, version, { alias: o.for, decision, comment: o.comment }, call);
        const all = await registry.listApprovals(model, version);
        const approvals = all.filter((a) => a.alias === o.for && a.decision === 'approved').length;
        printer.result(record, () =>
          printer.line(`${record.actor} ${record.decision} ${model} version ${version} for ${o.for} (${approvals} approval(s) so far)`));
      }));
}
