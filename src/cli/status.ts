/**
 * `modelgate status`: a live table of endpoints (rps, error rate, p50/p99,
 * drift, accuracy, active rollout). Against a server (--url) it reads
 * /api/v1/status, the endpoints and their rollouts; on a data directory there
 * is no live traffic, so it lists the endpoints with zeros and says so. On a
 * terminal the table refreshes in place every --interval until Ctrl-C;
 * `--json` (or a pipe) prints one snapshot and exits.
 */
import { Option, type Command } from 'commander';
import type { Config } from '../config/load.ts';
import { formatDuration } from '../lib/duration.ts';
import { ModelgateError } from '../lib/errors.ts';
import { buildStatusSnapshot, STATUS_HEADERS, statusTableRows, type StatusEndpoint, type StatusRollout, type StatusSnapshot } from '../monitoring/status-snapshot.ts';
import type { VersionStatus } from '../monitoring/view.ts';
import type { EndpointRecord } from '../store/endpoint-store.ts';
import type { RolloutRecord } from '../store/rollout-store.ts';
import { cliConfig, globalOptions } from './context.ts';
import { serverCall, serverTarget } from './server-call.ts';
import { formatTable } from './output.ts';
import { duration } from './parse.ts';

interface StatusFlags {
  interval: number;
  window: number;
  endpoint?: string;
}

const enc = encodeURIComponent;

/** The server's endpoint list carries no traffic policy; a candidate then shows up through its live rows and the rollout. */
function endpointOf(e: EndpointRecord): StatusEndpoint {
  const c = (e.policy as EndpointRecord['policy'] | undefined)?.candidate ?? null;
  return { name: e.name, model: e.model, version: e.version, candidate: c === null ? null : { version: c.version, percent: c.weightPermille / 10 } };
}

function rolloutOf(r: RolloutRecord): StatusRollout {
  const state = r.state as { weight?: unknown } | null;
  return {
    endpoint: r.endpoint, id: r.id, strategy: r.strategy, phase: r.phase, stableVersion: r.stableVersion, candidateVersion: r.candidateVersion,
    weight: typeof state?.weight === 'number' ? state.weight : 0,
  };
}

async function remoteSnapshot(config: Config, flags: StatusFlags): Promise<StatusSnapshot> {
  const window = formatDuration(flags.window);
  const server = serverTarget(config);
  const [endpoints, live] = await Promise.all([
    serverCall<{ items: EndpointRecord[] }>(server, 'GET', '/endpoints'),
    serverCall<{ items: VersionStatus[] }>(server, 'GET', `/status?window=${enc(window)}`),
  ]);
  const chosen = endpoints.items.filter((e) => flags.endpoint === undefined || e.name === flags.endpoint);
  const rollouts = await Promise.all(chosen.map(async (e) => (await serverCall<{ items: RolloutRecord[] }>(server, 'GET', `/endpoints/${enc(e.name)}/rollouts`)).items));
  return buildStatusSnapshot({
    at: new Date().toISOString(), source: 'server', windowMs: flags.window,
    endpoints: chosen.map(endpointOf), live: live.items, rollouts: rollouts.flat().map(rolloutOf),
  });
}

async function localSnapshot(config: Config, flags: StatusFlags): Promise<StatusSnapshot> {
  const { openServices } = await import('../app/services.ts');
  const { activeRollouts } = await import('../app/monitoring.ts');
  const services = await openServices(config);
  try {
    const endpoints = (await services.endpoints.list()).filter((e) => flags.endpoint === undefined || e.name === flags.endpoint);
    const rollouts = await activeRollouts(config);
    return buildStatusSnapshot({
      at: new Date().toISOString(), source: 'local', windowMs: flags.window, endpoints: endpoints.map(endpointOf), live: [], rollouts: rollouts.map(rolloutOf),
      note: `no live traffic on a data directory (${config.dataDir}): figures are zeros; use --url to watch a running server`,
    });
  } finally {
    await services.close();
  }
}

function render(s: StatusSnapshot): string {
  const head = `modelgate status  ${s.at}  window ${formatDuration(s.windowMs)}  (${s.source === 'server' ? 'live' : 'local'})\n`;
  const note = s.note === null ? '' : `note: ${s.note}\n`;
  const table = s.rows.length === 0 ? '(no endpoints)\n' : formatTable(STATUS_HEADERS, statusTableRows(s));
  return head + note + '\n' + table;
}

/** Redraws until SIGINT; a failed refresh shows its error and keeps trying. */
async function watch(load: () => Promise<StatusSnapshot>, intervalMs: number): Promise<void> {
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const onSigint = (): void => stop();
  process.once('SIGINT', onSigint);
  try {
    for (;;) {
      let frame: string;
      try {
        frame = render(await load());
      } catch (err) {
        frame = `modelgate status  ${new Date().toISOString()}\nerror: ${(err as Error).message}\n`;
      }
      // Home, clear screen: the table is redrawn in place.
      process.stdout.write(`\x1b[H\x1b[2J${frame}\n(refreshing every ${formatDuration(intervalMs)}; Ctrl-C to stop)\n`);
      let timer: NodeJS.Timeout | undefined;
      const next = await Promise.race([stopped.then(() => 'stop' as const), new Promise<'tick'>((resolve) => {
        timer = setTimeout(() => resolve('tick'), intervalMs);
      })]);
      clearTimeout(timer);
      if (next === 'stop') return;
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('live table of endpoints: rps, error rate, p50/p99, drift, accuracy, active rollout')
    .addOption(new Option('--interval <duration>', 'refresh period on a terminal').argParser(duration).default(2000, '2s'))
    .addOption(new Option('--window <duration>', 'live window the figures cover, 1s to 1h').argParser(duration).default(60_000, '1m'))
    .option('--endpoint <name>', 'only this endpoint')
    .addHelpText('after', '\nOn a terminal the table refreshes until Ctrl-C; with --json or a pipe it prints one snapshot.\n\nExamples:\n  modelgate status --url http://localhost:8080\n  modelgate status --url http://localhost:8080 --json --window 5m')
    .action(async (flags: StatusFlags, cmd: Command) => {
      const opts = globalOptions(cmd);
      const config = cliConfig(opts);
      if (flags.window < 1000 || flags.window > 3_600_000) throw new ModelgateError('MG_USAGE', { detail: '--window must be a duration from 1s to 1h' });
      const load = (): Promise<StatusSnapshot> => (config.url ? remoteSnapshot(config, flags) : localSnapshot(config, flags));
      if (opts.json === true) {
        process.stdout.write(JSON.stringify(await load(), null, 2) + '\n');
        return;
      }
      if (!process.stdout.isTTY) {
        process.stdout.write(render(await load()));
        return;
      }
      await watch(load, Math.max(250, flags.interval));
    });
}
