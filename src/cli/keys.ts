/**
 * `modelgate keys create|list|revoke`: API keys. A new key is printed once
 * (it is stored only as a hash); listings show prefixes, never secrets.
 */
import type { Command } from 'commander';
import { expiryFrom } from '../security/api.ts';
import { withSecurity } from './security-context.ts';

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('create, list and revoke API keys');

  keys
    .command('create')
    .description('create an API key; it is printed once, store it now')
    .requiredOption('--name <name>', 'what the key is for, e.g. ci-deploy')
    .requiredOption('--role <role>', 'viewer, predictor, data-scientist, deployer, approver, admin, or a configured role')
    .option('--expires <when>', 'a duration from now (30d, 12h) or an ISO time; default: never')
    .addHelpText('after', '\nExample:\n  modelgate keys create --name ci-deploy --role deployer --expires 90d')
    .action(async (o: { name: string; role: string; expires?: string }, cmd: Command) =>
      withSecurity(cmd, async ({ api, printer, actor, now }) => {
        const { key, record } = await api.createKey({ name: o.name, role: o.role, expiresAt: expiryFrom(o.expires, now) }, actor);
        printer.result({ key, ...record }, () => {
          printer.line(key);
          printer.note(`key ${record.prefix} (${record.role}) created${record.expiresAt ? `, expires ${record.expiresAt}` : ''}; it is shown only this once`);
        });
      }));

  keys
    .command('list')
    .description('list API keys (prefixes only)')
    .action(async (_o: unknown, cmd: Command) =>
      withSecurity(cmd, async ({ api, printer }) => {
        const items = await api.listKeys();
        printer.result(items, () => printer.table(
          ['prefix', 'name', 'role', 'created', 'created by', 'expires', 'revoked'],
          items.map((k) => [k.prefix, k.name, k.role, k.createdAt, k.createdBy, k.expiresAt ?? 'never', k.revokedAt ?? '']),
        ));
      }));

  keys
    .command('revoke')
    .description('revoke an API key by its prefix')
    .argument('<prefix>', 'the 8-character prefix shown by keys list')
    .action(async (prefix: string, _o: unknown, cmd: Command) =>
      withSecurity(cmd, async ({ api, printer, actor }) => {
        const record = await api.revokeKey(prefix, actor);
        printer.result(record, () => printer.line(`revoked key ${record.prefix} (${record.name}) at ${record.revokedAt}`));
      }));
}
