/**
 * `modelgate deploy MODEL VERSION --endpoint NAME`: points an endpoint at a
 * version (by number or alias), with optional dynamic batching. Against a
 * server (--url) it calls POST /api/v1/endpoints, and the server loads and
 * warms the version before switching; on a local data directory it does the
 * same in this process (proving the version loads) and stores the endpoint,
 * which a server on that directory serves at its next start. With
 * --strategy canary|blue-green|shadow or --plan it starts a rollout instead
 * (the endpoint must exist; its model is the one rolled out).
 */
import type { Command } from 'commander';
import type { Config } from '../config/load.ts';
import { ModelgateError } from '../lib/errors.ts';
import type { DeployInput, EndpointView } from '../rollout/endpoints.ts';
import { globalOptions, cliConfig } from './context.ts';
import { createPrinter, type Printer } from './output.ts';
import { csvList, nonNegativeInt, positiveInt, versionRef } from './parse.ts';
import { withRollouts } from './rollout-client.ts';
import { showRollout } from './rollout.ts';
import { serverCall, serverTarget } from './server-call.ts';

const STRATEGIES = ['direct', 'canary', 'blue-green', 'shadow'];

/** The plan for a rollout: the file's (validated here, naming the file in errors), with --strategy overriding its strategy. */
async function planOf(o: DeployFlags): Promise<unknown> {
  const { parsePlanYaml } = await import('../rollout/plan.ts');
  const { readFile } = await import('node:fs/promises');
  let text = '{}';
  if (o.plan !== undefined) {
    try {
      text = await readFile(o.plan, 'utf8');
    } catch {
      throw new ModelgateError('MG_FILE_NOT_FOUND', { file: o.plan });
    }
  }
  const parsed = parsePlanYaml(text, o.plan ?? '--strategy', o.strategy as never);
  const raw = (await import('yaml')).parse(text) as Record<string, unknown> | null;
  return { ...(raw ?? {}), strategy: o.strategy ?? parsed.strategy };
}

interface DeployFlags {
  endpoint: string;
  strategy?: string;
  plan?: string;
  replace?: boolean;
  maxBatchSize?: number;
  maxQueueDelayUs?: number;
  preferredBatchSizes?: string[];
  maxQueueSize?: number;
  queueTimeoutMs?: number;
}

function batchingOf(o: DeployFlags): DeployInput['batching'] {
  if (o.maxBatchSize === undefined) {
    const stray = [o.maxQueueDelayUs, o.preferredBatchSizes, o.maxQueueSize, o.queueTimeoutMs].some((v) => v !== undefined);
    if (stray) throw new ModelgateError('MG_USAGE', { detail: 'batching options need --max-batch-size' });
    return null;
  }
  const preferred = o.preferredBatchSizes?.map((s) => positiveInt(s));
  return {
    maxBatchSize: o.maxBatchSize,
    maxQueueDelayUs: o.maxQueueDelayUs ?? 0,
    ...(preferred === undefined ? {} : { preferredBatchSizes: preferred }),
    ...(o.maxQueueSize === undefined ? {} : { maxQueueSize: o.maxQueueSize }),
    ...(o.queueTimeoutMs === undefined ? {} : { timeoutMs: o.queueTimeoutMs }),
  };
}

export type Deploy = (input: DeployInput) => Promise<EndpointView>;

/**
 * Runs fn with a way to point endpoints at versions: POST /api/v1/endpoints on
 * the server (--url), or the data plane opened on the data directory (it
 * proves the version loads; a server on that directory picks it up at start).
 */
export async function withDeployer<T>(config: Config, reason: string | undefined, fn: (deploy: Deploy) => Promise<T>): Promise<T> {
  if (config.url) {
    const server = serverTarget(config);
    return fn((input) => serverCall<EndpointView>(server, 'POST', '/endpoints', input));
  }
  const { openServices } = await import('../app/services.ts');
  const { openDataPlane } = await import('../app/data-plane.ts');
  const services = await openServices(config);
  const dataPlane = openDataPlane(config, services);
  try {
    return await fn((input) => dataPlane.endpoints.deploy(input, { actor: config.user, ...(reason ? { reason } : {}) }));
  } finally {
    await dataPlane.close();
    await services.close();
  }
}

function show(printer: Printer, e: EndpointView): void {
  printer.result(e, () => printer.fields([
    ['endpoint', e.name], ['model', e.model], ['version', e.version], ['revision', e.revision],
    ['batching', e.batching === null ? 'off' : JSON.stringify(e.batching)], ['updated', `${e.updatedAt} by ${e.updatedBy}`],
  ]));
}

export function registerDeployCommand(program: Command): void {
  program
    .command('deploy')
    .description('point an endpoint at a model version (loaded and warmed before traffic switches)')
    .argument('<model>', 'model name')
    .argument('<version>', 'version number or alias', versionRef)
    .requiredOption('--endpoint <name>', 'endpoint name clients call')
    .option('--max-batch-size <n>', 'turn on dynamic batching: largest batch (rows)', positiveInt)
    .option('--max-queue-delay-us <n>', 'longest a request waits for others, in microseconds (default 0)', nonNegativeInt)
    .option('--preferred-batch-sizes <list>', 'batch sizes to cut at once, e.g. 8,16', csvList)
    .option('--max-queue-size <n>', 'requests allowed to wait; more get 503 with Retry-After', positiveInt)
    .option('--queue-timeout-ms <n>', 'longest a request may wait in the queue', positiveInt)
    .option('--strategy <name>', 'direct (default), canary, blue-green or shadow: the last three start a rollout')
    .option('--plan <file>', 'rollout plan (YAML): steps, analysis, promote alias, webhooks; see docs/rollouts.md')
    .option('--replace', 'abort the endpoint\'s active rollout and start this one')
    .addHelpText('after', '\nExamples:\n  modelgate deploy fraud 3 --endpoint fraud\n  modelgate deploy fraud production --endpoint fraud --max-batch-size 32 --max-queue-delay-us 500 --url http://localhost:8080')
    .action(async (model: string, version: number | string, o: DeployFlags, cmd: Command) => {
      const opts = globalOptions(cmd);
      const config = cliConfig(opts);
      const printer = createPrinter(opts.json === true);
      if (o.strategy !== undefined && !STRATEGIES.includes(o.strategy)) {
        throw new ModelgateError('MG_USAGE', { detail: `--strategy must be one of ${STRATEGIES.join(', ')}, got "${o.strategy}"` });
      }
      if ((o.strategy !== undefined && o.strategy !== 'direct') || o.plan !== undefined) {
        const plan = await planOf(o);
        await withRollouts(cmd, async (client) => showRollout(printer, await client.start(o.endpoint, { version, plan, ...(o.replace ? { replace: true } : {}) })));
        return;
      }
      const input: DeployInput = { name: o.endpoint, model, version, batching: batchingOf(o) };
      show(printer, await withDeployer(config, undefined, (deploy) => deploy(input)));
    });
}
