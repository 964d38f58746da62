/**
 * `modelgate rollout status|promote|abort|pause|resume ENDPOINT`: the
 * endpoint's current (newest) rollout: its steps with the one it is on, the
 * current weights, and every analysis result with its numbers.
 */
import type { Command } from 'commander';
import type { Command as RolloutCommand } from '../rollout/controller.ts';
import type { Step } from '../rollout/plan-types.ts';
import { createPrinter, type Printer } from './output.ts';
import { withRollouts, type RolloutView } from './rollout-client.ts';

function stepText(s: Step): string {
  if (s.kind === 'setWeight') return `setWeight ${s.weight}%`;
  if (s.kind === 'pause') return s.durationMs === null ? 'pause until promoted' : `pause ${s.durationMs} ms`;
  return 'analysis';
}

/** Prints a rollout for people: summary, steps, verdicts. */
export function showRollout(printer: Printer, r: RolloutView): void {
  printer.result(r, () => {
    printer.fields([
      ['rollout', r.id], ['endpoint', r.endpoint], ['strategy', r.strategy], ['phase', r.phase],
      ['stable', r.stableVersion], ['candidate', `${r.candidateVersion} at ${r.state.weight}%`], ['message', r.state.message],
      ['started', `${r.createdAt} by ${r.createdBy}`],
    ]);
    if (r.plan.steps.length > 0) {
      printer.line();
      printer.table(['#', 'step', ''], r.plan.steps.map((s, i) => [i + 1, stepText(s), i < r.state.stepIndex ? 'done' : i === r.state.stepIndex && r.phase !== 'succeeded' ? '← now' : '']));
    }
    if (r.state.verdicts.length > 0) {
      printer.line();
      printer.table(['at', 'verdict', 'candidate n', 'stable n', 'checks'], r.state.verdicts.map((v) => [
        v.at, v.kind, v.samples.candidate, v.samples.stable,
        v.results.map((c) => (c.kind === 'inconclusive' ? `${c.check}: ${c.reason}` : `${c.check}=${c.value} (${c.limit}) ${c.kind}`)).join('; '),
      ]));
    }
    const events = (r.events ?? []).filter((e) => e.kind !== 'verdict');
    if (events.length > 0) {
      printer.line();
      printer.table(['at', 'event', 'actor', 'reason'], events.map((e) => [e.at, e.kind, e.actor, e.reason]));
    }
  });
}

export function registerRolloutCommands(program: Command): void {
  const group = program.command('rollout').description('watch and steer an endpoint\'s rollout');
  group
    .command('status')
    .description('steps, weights and analysis results of the endpoint\'s newest rollout')
    .argument('<endpoint>')
    .action(async (endpoint: string, _o: unknown, cmd: Command) => {
      await withRollouts(cmd, async (client, json) => showRollout(createPrinter(json), await client.show(endpoint, 'current')));
    });
  for (const [name, text] of [
    ['promote', 'promote the candidate to stable now, skipping remaining steps'],
    ['abort', 'abort: candidate weight back to 0, stable untouched'],
    ['pause', 'pause: hold the current weights'],
    ['resume', 'resume a paused rollout (or one waiting at an indefinite pause)'],
  ] as const) {
    group
      .command(name)
      .description(text)
      .argument('<endpoint>')
      .action(async (endpoint: string, _o: unknown, cmd: Command) => {
        await withRollouts(cmd, async (client, json) => {
          const current = await client.show(endpoint, 'current');
          showRollout(createPrinter(json), await client.command(endpoint, current.id, name as RolloutCommand));
        });
      });
  }
}
