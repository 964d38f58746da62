/** `modelgate models create|list|show|delete`: models as named containers of versions. */
import type { Command } from 'commander';
import { withRegistry } from './context.ts';
import { pairs } from './output.ts';
import { collect, keyValue, modelOrder, positiveInt } from './parse.ts';
import { patchTags } from './tags.ts';
import { fail } from '../lib/errors.ts';

export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('create, list, show, update and delete models');

  models
    .command('create')
    .description('create an empty model (registering a version also creates it)')
    .argument('<model>', 'model name: lowercase letters, digits, "-", "_", "."; 1-63 characters')
    .option('--description <text>', 'what the model does')
    .option('--tag <key=value>', 'a tag; repeat for more', keyValue)
    .addHelpText('after', '\nExample:\n  modelgate models create fraud --description "card fraud scorer" --tag team=risk')
    .action(async (name: string, o: { description?: string; tag?: Record<string, string> }, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer, call }) => {
        const model = await registry.createModel({ name, description: o.description, tags: o.tag }, call);
        printer.result(model, () => printer.line(`created model ${model.name}`));
      }));

  models
    .command('list')
    .description('list models')
    .option('--prefix <text>', 'only names starting with this')
    .option('--tag <key=value>', 'only models with this tag; repeat for more', keyValue)
    .option('--order-by <field>', 'name, created or updated', modelOrder)
    .option('--desc', 'descending order')
    .option('--limit <n>', 'page size', positiveInt)
    .option('--cursor <cursor>', 'continue from a previous page')
    .addHelpText('after', '\nExample:\n  modelgate models list --prefix fraud --tag team=risk --json')
    .action(async (o: { prefix?: string; tag?: Record<string, string>; orderBy?: 'name' | 'createdAt' | 'updatedAt'; desc?: boolean; limit?: number; cursor?: string }, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer }) => {
        const page = await registry.listModels({
          prefix: o.prefix, tag: o.tag, orderBy: o.orderBy, descending: o.desc, limit: o.limit, cursor: o.cursor,
        });
        printer.result(page, () => {
          printer.table(['name', 'description', 'tags', 'created', 'by'],
            page.items.map((m) => [m.name, m.description, pairs(m.tags), m.createdAt, m.createdBy]));
          if (page.nextCursor) printer.line(`more: --cursor ${page.nextCursor}`);
        });
      }));

  models
    .command('show')
    .description('show a model, its aliases and its latest version')
    .argument('<model>', 'model name')
    .addHelpText('after', '\nExample:\n  modelgate models show fraud')
    .action(async (name: string, _o: unknown, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer }) => {
        const model = await registry.getModel(name);
        printer.result(model, () => {
          printer.fields([
            ['name', model.name],
            ['description', model.description],
            ['tags', pairs(model.tags)],
            ['versions', model.versionCount],
            ['latest', model.latestVersion],
            ['created', `${model.createdAt} by ${model.createdBy}`],
            ['updated', model.updatedAt],
          ]);
          printer.line();
          printer.table(['alias', 'version', 'updated', 'by'],
            model.aliases.map((a) => [a.alias, a.version, a.updatedAt, a.updatedBy]));
        });
      }));

  models
    .command('update')
    .description('change the description or tags of a model')
    .argument('<model>', 'model name')
    .option('--description <text>', 'new description')
    .option('--tag <key=value>', 'set a tag, keeping the others; repeat for more', keyValue)
    .option('--untag <key>', 'remove a tag; repeat for more', collect)
    .addHelpText('after', '\nExample:\n  modelgate models update fraud --description "card fraud scorer, v2 features" --tag owner=risk --untag legacy')
    .action(async (name: string, o: { description?: string; tag?: Record<string, string>; untag?: string[] }, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer, call }) => {
        const tags = patchTags((await registry.getModel(name)).tags, o.tag, o.untag);
        if (o.description === undefined && tags === undefined) fail('MG_USAGE', { detail: 'nothing to update: give --description, --tag or --untag' });
        const model = await registry.updateModel(name, { description: o.description, tags }, call);
        printer.result(model, () => printer.line(`updated model ${model.name}: ${model.description || '(no description)'}; tags ${pairs(model.tags) || '(none)'}`));
      }));

  models
    .command('delete')
    .description('delete a model and all its versions (refused while a version holds an alias or is deployed)')
    .argument('<model>', 'model name')
    .addHelpText('after', '\nExample:\n  modelgate models delete old-fraud')
    .action(async (name: string, _o: unknown, cmd: Command) =>
      withRegistry(cmd, async ({ registry, printer, call }) => {
        await registry.deleteModel(name, call);
        printer.result({ deleted: name }, () => printer.line(`deleted model ${name}`));
      }));
}
