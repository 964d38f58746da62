import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { measure, type WindowView } from './analysis.ts';
import { parsePlan } from './plan.ts';
import { callWebhook, jsonPathValue, signPayload } from './webhooks.ts';

const view = (requests: number, errorRate: number, p99: number, labels: Record<string, number> = {}): WindowView => ({
  requests, errorRate, rps: requests / 10, latency: { p50: p99 / 2, p95: p99, p99, mean: p99 / 2 }, labelCounts: labels, scoreHistogram: { edges: [], counts: [] },
});

function input(cand: WindowView, stable: WindowView, checks?: unknown[]) {
  const spec = parsePlan({ analysis: { minSamples: 50, ...(checks ? { checks } : {}) } }, 'test').analysis!;
  return {
    endpoint: 'e', stableVersion: 1, candidateVersion: 2, spec, shadow: null, at: 'now', secret: null, now: () => 0,
    windows: { snapshot: (_e: string, v: number) => (v === 2 ? cand : stable) },
  };
}

test('relative defaults: error rate within stable + 0.02 and p99 within 1.5 × passes; beyond fails with the numbers', async () => {
  const ok = await measure(input(view(100, 0.01, 10), view(1000, 0, 8)));
  assert.equal(ok.kind, 'passed');
  const bad = await measure(input(view(100, 0.05, 10), view(1000, 0, 8)));
  assert.equal(bad.kind, 'failed');
  assert.match(bad.kind === 'failed' ? bad.reason : '', /error_rate = 0\.05 \(limit ≤ 0 \+ 0\.02\)/);
  const slow = await measure(input(view(100, 0, 13), view(1000, 0, 8)));
  assert.equal(slow.kind, 'failed');
});

test('too few samples is inconclusive, never failed', async () => {
  const v = await measure(input(view(10, 1, 1000), view(1000, 0, 8)));
  assert.equal(v.kind, 'inconclusive');
  assert.deepEqual(v.samples, { candidate: 10, stable: 1000, shadowCompared: 0 });
});

test('prediction divergence is the Jensen–Shannon distance of label counts', async () => {
  const same = await measure(input(view(100, 0, 1, { 0: 40, 1: 60 }), view(100, 0, 1, { 0: 400, 1: 600 }), [{ metric: 'prediction_divergence', max: 0.01 }]));
  assert.equal(same.kind, 'passed');
  const apart = await measure(input(view(100, 0, 1, { 0: 90, 1: 10 }), view(100, 0, 1, { 0: 10, 1: 90 }), [{ metric: 'prediction_divergence', max: 0.1 }]));
  assert.equal(apart.kind, 'failed');
});

test('webhooks are signed with HMAC-SHA256, retried on 5xx, and a non-2xx is a failure; JSONPath reads answers', async () => {
  let calls = 0;
  let signature = '';
  let body = '';
  let timestamp = '';
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (d: Buffer) => { data += d.toString(); });
    req.on('end', () => {
      calls++;
      body = data;
      signature = String(req.headers['x-modelgate-signature']);
      timestamp = String(req.headers['x-modelgate-timestamp']);
      if (req.url === '/flaky' && calls === 1) res.writeHead(503).end();
      else if (req.url === '/no') res.writeHead(403).end('{"ok":false}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"items":[{"v":3}]}');
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const ok = await callWebhook({ url: `${url}/flaky`, timeoutMs: 2000, retries: 2, payload: { a: 1 }, secret: 's3cret', now: () => 1_700_000_000_000 });
    assert.equal(ok.kind, 'ok');
    assert.equal(ok.attempts, 2);
    assert.equal(signature, 'sha256=' + createHmac('sha256', 's3cret').update(`${timestamp}.${body}`).digest('hex'));
    assert.equal(signature, signPayload('s3cret', '1700000000', body));
    const no = await callWebhook({ url: `${url}/no`, timeoutMs: 2000, retries: 2, payload: {}, secret: null, now: () => 0 });
    assert.deepEqual([no.kind, no.attempts], ['failed', 1]);
    assert.equal(jsonPathValue(ok.kind === 'ok' ? ok.body : null, '$.items[0].v'), 3);
    assert.equal(jsonPathValue({ a: 1 }, '$.b.c'), undefined);
  } finally {
    server.close();
  }
});
