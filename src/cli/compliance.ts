/**
 * `modelgate compliance`: the compliance report as a table, JSON (--json) or
 * Markdown (--markdown); exit 1 when any rule fails, so CI can gate on it.
 */
import type { Command } from 'commander';
import { renderComplianceMarkdown } from '../security/compliance.ts';
import { withSecurity } from './security-context.ts';

export function registerComplianceCommand(program: Command): void {
  program
    .command('compliance')
    .description('check production versions, prediction logging, retention and the audit chain; exit 1 on a failed rule')
    .option('--markdown', 'print Markdown (for a pull request or a wiki)')
    .addHelpText('after', '\nExamples:\n  modelgate compliance\n  modelgate compliance --markdown > compliance.md\n  modelgate compliance --json')
    .action(async (o: { markdown?: boolean }, cmd: Command) =>
      withSecurity(cmd, async ({ api, printer }) => {
        const report = await api.compliance();
        if (o.markdown && !printer.json) {
          process.stdout.write(renderComplianceMarkdown(report));
        } else {
          printer.result(report, () => {
            printer.line(`score ${(report.score * 100).toFixed(1)}%: ${report.passed} passed, ${report.failed} failed, ${report.notApplicable} not applicable`);
            printer.line();
            printer.table(['rule', 'subject', 'result', 'detail'], report.rules.map((r) => [r.rule, r.subject, r.status, r.detail]));
            const failed = report.rules.filter((r) => r.status === 'fail');
            if (failed.length > 0) {
              printer.line();
              printer.line('remediation:');
              for (const r of failed) printer.line(`  ${r.rule} (${r.subject}): ${r.remediation ?? ''}`);
            }
          });
        }
        if (report.failed > 0) process.exitCode = 1;
      }));
}
