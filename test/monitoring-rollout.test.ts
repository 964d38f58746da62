// An alert rule with `rollout: pause` pauses the endpoint's active rollout
// when it fires (single process: the alert evaluator reaches the controller).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import type { Monitoring } from '../src/app/monitoring.ts';
import { fixture, makeTestApp, type TestApp } from './support/app.ts';

let t: TestApp;
before(async () => {
  t = await makeTestApp({
    flags: {
      monitoring: { builtinAlerts: false, alertInterval: '10s' },
      alerts: [{ name: 'busy', endpoint: 'cancer', expr: 'rps > 0', for: '0s', severity: 'critical', rollout: 'pause' }],
    },
  });
  await t.services.registry.createModel({ name: 'rf' });
  for (let i = 0; i < 2; i++) await t.services.registry.registerVersion('rf', createReadStream(fixture('breast_cancer_rf')), {});
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints', payload: { name: 'cancer', model: 'rf', version: 1 } });
  assert.equal(res.statusCode, 200, res.body);
});
after(async () => t.close());

const phase = async (): Promise<string> => ((await t.app.inject({ url: '/api/v1/endpoints/cancer/rollouts' })).json() as { items: { phase: string }[] }).items[0]?.phase ?? 'none';

test('a firing alert pauses the active rollout', async () => {
  const started = await t.app.inject({ method: 'POST', url: '/api/v1/endpoints/cancer/rollouts', payload: { version: 2, strategy: 'canary', plan: { steps: [{ setWeight: 50 }, { pause: '1h' }, { setWeight: 100 }] } } });
  assert.equal(started.statusCode, 200, started.body);
  assert.equal(await phase(), 'progressing');
  for (let i = 0; i < 5; i++) {
    const r = await t.app.inject({ method: 'POST', url: '/v2/models/cancer/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: Array.from({ length: 30 }, (_, j) => j) }] } });
    assert.equal(r.statusCode, 200, r.body);
  }
  // The control's own timer may have evaluated the rules already (before any traffic): make this tick's evaluation due.
  t.clock.advance(10_000);
  await (t.app as unknown as { monitoring: Monitoring }).monitoring.control!.tick();
  const alerts = (await t.app.inject({ url: '/api/v1/alerts' })).json() as { active: { rule: string; state: { kind: string } }[] };
  // Stable and candidate both answered, so the rule fires for each version.
  assert.ok(alerts.active.some((a) => a.rule === 'busy' && a.state.kind === 'firing'));
  assert.equal(await phase(), 'paused');
});
