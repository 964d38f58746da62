/**
 * `modelgate demo`: registers the bundled example models on the data
 * directory (or a server given by --url), prints what it registered, then
 * serves them with a few commands to try.
 */
import type { Command } from 'commander';
import type { DemoResult } from '../app/demo.ts';
import { cliConfig, globalOptions, withRegistry } from './context.ts';
import { createPrinter } from './output.ts';
import { port } from './parse.ts';
import { serveUntilSignal, serverFlags } from './serve.ts';

function examples(url: string): string {
  return [
    '',
    'Try:',
    `  modelgate models list --url ${url}`,
    `  modelgate versions show breast_cancer_rf staging --url ${url}`,
    `  modelgate history breast_cancer_rf --url ${url}`,
    `  curl ${url}/api/v1/models`,
    '',
    'Stop with Ctrl-C.',
  ].join('\n');
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('register the bundled example models, point "staging" at them, and serve')
    .option('--port <port>', 'port to serve on (default 8080)', port)
    .option('--no-serve', 'register only; do not start the server')
    .addHelpText('after', '\nExamples:\n  npm run demo\n  modelgate demo --data-dir /tmp/mg-demo --port 9000\n  modelgate demo --url http://localhost:8080   # register on a running server')
    .action(async (o: { port?: number; serve: boolean }, cmd: Command) => {
      const { registerDemoModels } = await import('../app/demo.ts');
      const results: DemoResult[] = [];
      let remote = false;
      await withRegistry(cmd, async ({ registry, printer, call, target }) => {
        remote = target.startsWith('http');
        printer.note(`registering demo models on ${target}`);
        results.push(...await registerDemoModels(registry, { actor: call.actor }));
        printer.result(results, () =>
          printer.table(['model', 'version', 'alias', 'result'], results.map((r) => [r.model, r.version, r.alias, r.kind])));
      });
      if (!o.serve || remote) return;
      const opts = globalOptions(cmd);
      const printer = createPrinter(opts.json === true);
      await serveUntilSignal(cliConfig(opts, serverFlags({ port: o.port })), printer, (url) => printer.note(examples(url)));
    });
}
