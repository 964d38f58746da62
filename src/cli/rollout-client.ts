/**
 * How rollout commands reach the controller: over HTTP (/api/v1) with --url,
 * or in this process on the local data directory (the rollout is stored and
 * advanced as far as it can go now; a server on that directory carries on).
 */
import type { Command as Commander } from 'commander';
import type { Command } from '../rollout/controller.ts';
import type { RolloutEvent } from '../store/rollout-store.ts';
import type { Rollout } from '../rollout/state.ts';
import { cliConfig, globalOptions } from './context.ts';
import { serverCall, serverTarget, type ServerTarget } from './server-call.ts';

export type RolloutView = Rollout & { readonly events?: readonly RolloutEvent[] };

export interface RolloutClient {
  start(endpoint: string, body: { version: number | string; plan: unknown; replace?: boolean }): Promise<RolloutView>;
  show(endpoint: string, id: string): Promise<RolloutView>;
  command(endpoint: string, id: string, command: Command): Promise<RolloutView>;
  rollback(endpoint: string, to?: number): Promise<{ kind: string; version: number; rollout?: RolloutView }>;
}

function remote(server: ServerTarget): RolloutClient {
  const e = encodeURIComponent;
  const call = <T>(method: string, path: string, body?: unknown): Promise<T> => serverCall<T>(server, method, path, body);
  return {
    start: (endpoint, body) => call('POST', `/endpoints/${e(endpoint)}/rollouts`, body),
    show: (endpoint, id) => call('GET', `/endpoints/${e(endpoint)}/rollouts/${e(id)}`),
    command: (endpoint, id, command) => call('POST', `/endpoints/${e(endpoint)}/rollouts/${e(id)}/${command}`, {}),
    rollback: (endpoint, to) => call('POST', `/endpoints/${e(endpoint)}/rollback`, to === undefined ? {} : { to }),
  };
}

/** Runs fn with a client for the server (--url) or the local data directory. */
export async function withRollouts(cmd: Commander, fn: (client: RolloutClient, json: boolean) => Promise<void>): Promise<void> {
  const opts = globalOptions(cmd);
  const config = cliConfig(opts);
  if (config.url) return fn(remote(serverTarget(config)), opts.json === true);
  const { openServices } = await import('../app/services.ts');
  const { openDataPlane } = await import('../app/data-plane.ts');
  const { openRollouts } = await import('../app/rollouts.ts');
  const { parsePlan } = await import('../rollout/plan.ts');
  const services = await openServices(config);
  const dataPlane = openDataPlane(config, services);
  const rollouts = await openRollouts({ ...config, rollout: { ...config.rollout, controller: false } }, services, dataPlane);
  const c = rollouts.controller;
  const resolve = async (endpoint: string, id: string): Promise<string> => (id === 'current' ? (await c.current(endpoint)).id : id);
  try {
    await dataPlane.restore();
    await fn({
      start: (endpoint, body) => c.start({ endpoint, version: body.version, plan: parsePlan(body.plan, 'the plan'), replace: body.replace }, { actor: config.user }),
      show: async (endpoint, id) => {
        const rid = await resolve(endpoint, id);
        return { ...(await c.get(endpoint, rid)), events: await c.events(endpoint, rid) };
      },
      command: async (endpoint, id, command) => c.command(endpoint, await resolve(endpoint, id), command, { actor: config.user }),
      rollback: (endpoint, to) => c.rollback(endpoint, to, { actor: config.user }),
    }, opts.json === true);
  } finally {
    await rollouts.close();
    await dataPlane.close();
    await services.close();
  }
}
