import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelgateError } from '../lib/errors.ts';
import { parsePlan, parsePlanYaml } from './plan.ts';

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof ModelgateError && err.code === 'MG_ROLLOUT_PLAN_INVALID' && pattern.test(err.message));
}

test('a full plan parses with durations in ms and defaults filled in', () => {
  const plan = parsePlanYaml(`
strategy: canary
steps:
  - setWeight: 12.5
  - pause: 30s
  - pause: {}
  - analysis: {}
promote: {alias: production}
analysis:
  interval: 5s
  minSamples: 50
  checks:
    - metric: error_rate
      max: {relativeTo: stable, plus: 0.02}
    - prometheus: {url: "http://prom:9090", query: "up", max: 0.05}
    - webhook: {url: "https://judge", jsonPath: "$.items[0].ok", equals: true}
webhooks:
  - {type: pre-rollout, url: "https://hooks", timeout: 2s}
`, 'plan.yaml');
  assert.deepEqual(plan.steps, [{ kind: 'setWeight', weight: 12.5 }, { kind: 'pause', durationMs: 30_000 }, { kind: 'pause', durationMs: null }, { kind: 'analysis' }]);
  assert.equal(plan.analysis?.intervalMs, 5000);
  assert.equal(plan.analysis?.failureLimit, 0);
  assert.deepEqual(plan.analysis?.checks[0], { kind: 'metric', metric: 'error_rate', max: { relativeTo: 'stable', plus: 0.02, times: 1 }, min: null });
  assert.equal(plan.webhooks[0].timeoutMs, 2000);
  assert.equal(plan.promote.alias, 'production');
});

test('unknown keys, bad durations, bad weights and unknown metrics name the key and the source', () => {
  refused(() => parsePlanYaml('strategy: canary\ncolour: red\n', 'plan.yaml'), /plan\.yaml.*unknown key "colour"/);
  refused(() => parsePlan({ steps: [{ setWeight: 10, extra: 1 }] }, 'body'), /steps\[0\].*unknown key "extra"/);
  refused(() => parsePlan({ steps: [{ pause: 'soon' }] }, 'body'), /steps\[0\]\.pause: expected a duration/);
  refused(() => parsePlan({ steps: [{ setWeight: 101 }] }, 'body'), /setWeight/);
  refused(() => parsePlan({ steps: [{ setWeight: 10.05 }] }, 'body'), /steps of 0\.1/);
  refused(() => parsePlan({ analysis: { checks: [{ metric: 'happiness', max: 1 }] } }, 'body'), /unknown metric "happiness"/);
  refused(() => parsePlan({ strategy: 'shadow', steps: [] }, 'body'), /only a canary has steps/);
  refused(() => parsePlan({ webhooks: [{ type: 'sometimes', url: 'https://x' }] }, 'body'), /unknown webhook type/);
  refused(() => parsePlanYaml('steps: [', 'broken.yaml'), /broken\.yaml.*not valid YAML/);
});

test('defaults: a canary without steps gets 10/50 with analysis; shadow gets agreement checks', () => {
  const canary = parsePlan({}, 'body');
  assert.deepEqual(canary.steps.map((s) => s.kind), ['setWeight', 'analysis', 'setWeight', 'analysis']);
  assert.deepEqual(canary.analysis?.checks.map((c) => (c.kind === 'metric' ? c.metric : c.kind)), ['error_rate', 'latency_p99_ms']);
  const shadow = parsePlan({ strategy: 'shadow' }, 'body');
  assert.deepEqual(shadow.analysis?.checks.map((c) => (c.kind === 'metric' ? c.metric : c.kind)), ['shadow_error_rate', 'shadow_agreement']);
  assert.equal(parsePlan({ strategy: 'direct' }, 'body').analysis, null);
});
