// The alert engine over a fake clock: pending, firing after `for`, resolved,
// history; every metric in expressions; the built-in pack; responses
// (command with the alert context, pause/abort of the rollout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import { AlertEngine, type AlertInputs, type RolloutControl } from './alerts.ts';
import type { AlertEvent } from './alerts-notifiers.ts';
import { ALERT_METRICS, BUILTIN_RULES, parseAlertRule, type AlertMetric, type AlertRule } from './alerts-rules.ts';

const NOTIFIERS = new Set(['log']);

function engine(rules: readonly AlertRule[], extra: { rollout?: RolloutControl; run?: (c: string, v: Readonly<Record<string, string>>) => void } = {}) {
  const clock = new FakeClock('2026-03-01T12:00:00.000Z');
  const logged: { level: string; message: string }[] = [];
  const e = new AlertEngine(rules, {
    clock, notifiers: new Map([['log', { type: 'log' }]]),
    notifierDeps: { fetch, log: (level, message) => logged.push({ level, message }) },
    ...extra,
  });
  return { clock, e, logged };
}

/** Inputs where every metric of one endpoint/version reads from a mutable table. */
function inputs(values: Partial<Record<AlertMetric, number | null>>): AlertInputs {
  return { targets: () => [{ endpoint: 'fraud', version: 2 }], value: (m) => values[m] ?? null };
}

const stateOf = (e: AlertEngine, rule: string): string => e.statuses().find((s) => s.rule === rule)?.state.kind ?? 'inactive';

test('pending, then firing once the condition has held for `for`, then resolved; history records each move', async () => {
  const rule = parseAlertRule({ name: 'slow', endpoint: 'fraud', expr: 'latency_p99_ms > 1000', for: '2m', severity: 'critical' }, NOTIFIERS);
  const { clock, e, logged } = engine([rule]);
  const values: Partial<Record<AlertMetric, number>> = { latency_p99_ms: 1500 };
  assert.deepEqual(await e.evaluate(inputs(values)), []);
  assert.equal(stateOf(e, 'slow'), 'pending');
  clock.advance(60_000);
  assert.deepEqual(await e.evaluate(inputs(values)), []);
  assert.equal(stateOf(e, 'slow'), 'pending');
  clock.advance(60_000);
  const fired = await e.evaluate(inputs(values));
  assert.deepEqual(fired.map((x: AlertEvent) => [x.rule, x.state, x.value, x.endpoint, x.version]), [['slow', 'firing', 1500, 'fraud', 2]]);
  assert.equal(stateOf(e, 'slow'), 'firing');
  // Still true: no second event.
  clock.advance(30_000);
  assert.deepEqual(await e.evaluate(inputs(values)), []);
  values.latency_p99_ms = 200;
  clock.advance(30_000);
  const resolved = await e.evaluate(inputs(values));
  assert.deepEqual(resolved.map((x) => x.state), ['resolved']);
  assert.equal(stateOf(e, 'slow'), 'resolved');
  assert.deepEqual(e.history().map((h) => `${h.from}->${h.to}`), ['inactive->pending', 'pending->firing', 'firing->resolved']);
  await e.delivered();
  assert.deepEqual(logged.map((l) => [l.level, l.message]), [['warn', 'alert slow firing'], ['info', 'alert slow resolved']]);
});

test('a condition that stops holding while pending goes back to inactive, without firing', async () => {
  const rule = parseAlertRule({ name: 'errors', expr: 'error_rate > 0.05', for: '1m' }, NOTIFIERS);
  const { clock, e } = engine([rule]);
  await e.evaluate(inputs({ error_rate: 0.2 }));
  clock.advance(30_000);
  await e.evaluate(inputs({ error_rate: 0.01 }));
  assert.equal(stateOf(e, 'errors'), 'inactive');
  assert.deepEqual(e.history().map((h) => h.to), ['pending', 'inactive']);
  // No data (null) never holds.
  await e.evaluate(inputs({ error_rate: null }));
  assert.equal(stateOf(e, 'errors'), 'inactive');
});

test('every metric (and alias) parses and is compared with every operator', async () => {
  const names = [...ALERT_METRICS, 'latency_p99', 'latency_p95', 'latency_p50', 'accuracy'];
  for (const name of names) {
    for (const [op, fires] of [['>', true], ['>=', true], ['<', false], ['<=', false]] as const) {
      const rule = parseAlertRule({ name: `r-${name}`, expr: `${name} ${op} 0.5` }, NOTIFIERS);
      const { e } = engine([rule]);
      const values = Object.fromEntries(ALERT_METRICS.map((m) => [m, m === rule.metric ? 0.75 : null]));
      const events = await e.evaluate(inputs(values));
      assert.equal(events.length, fires ? 1 : 0, `${name} ${op}`);
      if (fires) assert.equal(events[0].metric, rule.metric);
    }
  }
});

test('bad rules are catalogue errors naming the problem', () => {
  const bad: unknown[] = [
    { name: 'x', expr: 'nonsense > 1' }, { name: 'x', expr: 'error_rate >> 1' }, { name: 'x', expr: 'error_rate > 1', for: 'soon' },
    { name: 'x', expr: 'error_rate > 1', colour: 'red' }, { name: 'x', expr: 'error_rate > 1', notify: ['pager'] },
    { name: 'x', expr: 'error_rate > 1', rollout: 'explode' }, { name: 'x', expr: 'error_rate > 1', severity: 'huge' }, null, { expr: 'rps > 1' },
  ];
  for (const raw of bad) {
    assert.throws(() => parseAlertRule(raw, NOTIFIERS), (err) => isModelgateError(err) && err.code === 'MG_MONITORING_ALERT_INVALID' && err.status === 400, JSON.stringify(raw));
  }
  const { e } = engine([parseAlertRule({ name: 'dup', expr: 'rps > 1' }, NOTIFIERS)]);
  assert.throws(() => e.addRaw({ name: 'dup', expr: 'rps > 2' }), (err) => isModelgateError(err) && err.code === 'MG_MONITORING_ALERT_EXISTS');
});

test('the built-in pack: each rule fires after its own `for` on its own metric', async () => {
  const rules = BUILTIN_RULES.map((r) => parseAlertRule(r, NOTIFIERS, true));
  assert.deepEqual(rules.map((r) => [r.metric, r.op, r.threshold, r.forMs]), [
    ['latency_p99_ms', '>', 1000, 120_000], ['error_rate', '>', 0.05, 60_000], ['drift_score', '>', 0.1, 600_000], ['accuracy_drop', '>', 0.1, 600_000],
  ]);
  const { clock, e } = engine(rules);
  const bad = inputs({ latency_p99_ms: 1200, error_rate: 0.1, drift_score: 0.3, accuracy_drop: 0.15 });
  await e.evaluate(bad);
  const firing = async (): Promise<string[]> => e.statuses().filter((s) => s.state.kind === 'firing').map((s) => s.rule).sort();
  clock.advance(60_000);
  await e.evaluate(bad);
  assert.deepEqual(await firing(), ['builtin-error-rate']);
  clock.advance(60_000);
  await e.evaluate(bad);
  assert.deepEqual(await firing(), ['builtin-error-rate', 'builtin-high-latency']);
  clock.advance(480_000);
  await e.evaluate(bad);
  assert.deepEqual(await firing(), ['builtin-accuracy-drop', 'builtin-error-rate', 'builtin-high-latency', 'builtin-input-drift']);
  // Healthy figures do not fire them.
  const calm = engine(rules);
  const fine = inputs({ latency_p99_ms: 20, error_rate: 0, drift_score: 0.02, accuracy_drop: 0.01 });
  for (let i = 0; i < 12; i++) {
    await calm.e.evaluate(fine);
    calm.clock.advance(60_000);
  }
  assert.deepEqual(calm.e.statuses(), []);
});

test('responses: a command with the alert context, and pause or abort of the rollout', async () => {
  const calls: string[] = [];
  const rollout: RolloutControl = {
    pause: async (endpoint, reason) => void calls.push(`pause ${endpoint}: ${reason}`),
    abort: async (endpoint) => {
      calls.push(`abort ${endpoint}`);
      throw new Error('no active rollout');
    },
  };
  const runs: Readonly<Record<string, string>>[] = [];
  const rules = [
    parseAlertRule({ name: 'drift', expr: 'drift_score > 0.1', run: 'python retrain.py', rollout: 'pause' }, NOTIFIERS),
    parseAlertRule({ name: 'errors', expr: 'error_rate > 0.05', rollout: 'abort' }, NOTIFIERS),
  ];
  const { e, logged } = engine(rules, { rollout, run: (command, vars) => runs.push({ command, ...vars }) });
  await e.evaluate(inputs({ drift_score: 0.4, error_rate: 0.5 }));
  assert.deepEqual(calls, ['pause fraud: alert drift: drift_score > 0.1 (value 0.4)', 'abort fraud']);
  assert.equal(runs.length, 1);
  assert.equal(runs[0].command, 'python retrain.py');
  assert.equal(runs[0].MODELGATE_ALERT_RULE, 'drift');
  assert.equal(runs[0].MODELGATE_ALERT_ENDPOINT, 'fraud');
  assert.equal(runs[0].MODELGATE_ALERT_VERSION, '2');
  assert.equal(runs[0].MODELGATE_ALERT_VALUE, '0.4');
  // A refused abort is logged, not thrown into the evaluator.
  assert.ok(logged.some((l) => l.level === 'warn' && l.message.includes('could not abort')));
});
