/**
 * `modelgate audit verify|export`. verify walks the hash chain and exits 1
 * naming the first entry that was edited, removed or reordered; it prints the
 * last entry's id and hash, to keep as the anchor that also catches entries
 * cut from the end. export writes JSON Lines (verifiable on their own) or CSV.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { fail } from '../lib/errors.ts';
import { auditExportHeader, auditExportLine, type AuditFormat } from '../security/audit-export.ts';
import { withSecurity } from './security-context.ts';

function anchor(text: string | undefined): { id: number; hash: string } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text);
  if (!m) fail('MG_USAGE', { detail: `--anchor expects ID:HASH as printed by audit verify, got "${text}"` });
  return { id: Number(m[1]), hash: m[2] };
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('verify and export the tamper-evident audit log');

  audit
    .command('verify')
    .description('check the hash chain; exit 1 naming the first bad entry')
    .option('--anchor <id:hash>', 'the last entry as printed by an earlier verify, to detect entries removed from the end')
    .action(async (o: { anchor?: string }, cmd: Command) =>
      withSecurity(cmd, async ({ api, printer }) => {
        const { verdict, last } = await api.verifyAudit(anchor(o.anchor));
        printer.result({ ...verdict, last }, () => {
          if (verdict.ok) {
            printer.line(`audit chain verifies: ${verdict.entries} entries`);
            if (last) printer.line(`anchor: ${last.id}:${last.hash}`);
          } else {
            printer.line(`audit chain broken: entry ${verdict.firstBadId} was ${verdict.reason}`);
          }
        });
        if (!verdict.ok) process.exitCode = 1;
      }));

  audit
    .command('export')
    .description('write the audit log as JSON Lines or CSV')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (o: { format: string; output?: string }, cmd: Command) =>
      withSecurity(cmd, async ({ api, printer }) => {
        if (o.format !== 'jsonl' && o.format !== 'csv') fail('MG_USAGE', { detail: `--format must be jsonl or csv, got "${o.format}"` });
        const format: AuditFormat = o.format;
        const out = o.output === undefined ? process.stdout : createWriteStream(o.output);
        const write = async (text: string): Promise<void> => {
          if (text !== '' && !out.write(text)) await once(out, 'drain');
        };
        let count = 0;
        await write(auditExportHeader(format));
        for (let afterId = 0; ;) {
          const page = await api.listAudit({ afterId, limit: 1000 });
          for (const e of page) await write(auditExportLine(e, format));
          count += page.length;
          if (page.length < 1000) break;
          afterId = page[page.length - 1].id;
        }
        if (o.output !== undefined) {
          out.end();
          await once(out, 'finish');
          printer.note(`wrote ${count} audit entries to ${o.output}`);
        }
      }));
}
