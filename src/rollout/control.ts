/**
 * What alert rules may do to an endpoint's rollout (`rollout: pause|abort`
 * in an alert rule): pause or abort the active one. An endpoint with no
 * active rollout is left as it is; the call says so by resolving quietly.
 */
import { isModelgateError } from '../lib/errors.ts';
import type { RolloutController } from './controller.ts';
import { isActive } from './state.ts';

export interface RolloutControl {
  pause(endpoint: string, reason: string): Promise<void>;
  abort(endpoint: string, reason: string): Promise<void>;
}

/** RolloutControl over the controller, acting as `actor` (e.g. "alert:high-latency" is passed in the reason). */
export function rolloutControl(controller: RolloutController, actor = 'alerts'): RolloutControl {
  const act = async (endpoint: string, command: 'pause' | 'abort', reason: string): Promise<void> => {
    let active;
    try {
      active = (await controller.list(endpoint)).find((r) => isActive(r.phase));
    } catch (err) {
      if (isModelgateError(err) && err.code === 'MG_ENDPOINT_NOT_FOUND') return;
      throw err;
    }
    if (active === undefined || (command === 'pause' && active.phase !== 'progressing')) return;
    await controller.command(endpoint, active.id, command, { actor, reason });
  };
  return {
    pause: (endpoint, reason) => act(endpoint, 'pause', reason),
    abort: (endpoint, reason) => act(endpoint, 'abort', reason),
  };
}
