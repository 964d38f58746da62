/**
 * `modelgate demo`: registers the bundled example models on the data
 * directory (or a server given by --url), prints what it registered, then
 * serves them with a few commands to try.
 */
import type { Command } from 'commander';
import type { DemoResult } from '../app/demo.ts';
import { cliConfig, globalOptions, withRegistry } from './context.ts';
import { createPrinter } from './output.ts';
import { withDeployer } from './deploy.ts';
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
    `  curl ${url}/api/v1/endpoints`,
    `  curl -s ${url}/v2/models/iris_logreg/infer -H 'content-type: application/json' \\`,
    `    -d '{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[5.1,3.5,1.4,0.2]}]}'`,
    `  curl -s ${url}/v1/models/iris_logreg:predict -d '{"instances":[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]}' -H 'content-type: application/json'`,
    `  curl -s ${url}/endpoints/iris_logreg/invocations -H 'content-type: text/csv' --data-binary $'sepal_length,sepal_width,petal_length,petal_width\\n5.1,3.5,1.4,0.2'`,
    '',
    'Stop with Ctrl-C.',
  ].join('\n');
}

/** Deploys each demo model to an endpoint of its own name (on the server with --url, else on the data directory). */
async function deployDemo(cmd: Command, results: readonly DemoResult[]): Promise<void> {
  const { deployDemoModels } = await import('../app/demo.ts');
  await withDeployer(cliConfig(globalOptions(cmd)), 'modelgate demo', (deploy) => deployDemoModels(results, deploy));
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('register the bundled example models, point "staging" at them, deploy each to an endpoint of its name, and serve')
    .option('--port <port>', 'port to serve on (default 8080)', port)
    .option('--no-serve', 'register only; do not start the server')
    .addHelpText('after', '\nExamples:\n  npm run demo\n  modelgate demo --data-dir /tmp/mg-demo --port 9000\n  modelgate demo --url http://localhost:8080   # register on a running server')
    .action(async (o: { port?: number; serve: boolean }, cmd: Command) => {
      const { registerDemoModels } = await import('../app/demo.ts');
      const results: DemoResult[] = [];
      let remote = false;
      // Cluster workers re-run this command to serve; the primary has already registered and deployed.
      const { default: cluster } = await import('node:cluster');
      if (!cluster.isWorker) await withRegistry(cmd, async ({ registry, printer, call, target }) => {
        remote = target.startsWith('http');
        printer.note(`registering demo models on ${target}`);
        results.push(...await registerDemoModels(registry, { actor: call.actor }));
        await deployDemo(cmd, results);
        printer.result(results, () =>
          printer.table(['model', 'version', 'alias', 'result'], results.map((r) => [r.model, r.version, r.alias, r.kind])));
      });
      if (!o.serve || remote) return;
      const opts = globalOptions(cmd);
      const printer = createPrinter(opts.json === true);
      await serveUntilSignal(cliConfig(opts, serverFlags({ port: o.port })), printer, (url) => printer.note(examples(url)));
    });
}
