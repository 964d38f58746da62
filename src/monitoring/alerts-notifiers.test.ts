// Notifiers against a real local HTTP server: the signed webhook's HMAC is
// recomputed by the receiver over the raw body, Slack gets its payload
// shape, 5xx and timeouts are retried, 4xx is not, and nothing throws.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { isModelgateError } from '../lib/errors.ts';
import { deliver, parseNotifiers, type AlertEvent, type NotifierDeps } from './alerts-notifiers.ts';

interface Received {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server;
let base: string;
const received: Received[] = [];
/** Path → status codes to answer in turn ('hang' never answers). */
const script = new Map<string, (number | 'hang')[]>();
const hanging: ServerResponse[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, body });
      const next = script.get(path)?.shift() ?? 200;
      if (next === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(next, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

const event: AlertEvent = {
  rule: 'input-drift', endpoint: 'fraud', version: 3, state: 'firing', severity: 'critical', metric: 'drift_score', value: 0.31,
  threshold: 0.1, expr: 'drift_score > 0.1', at: '2026-03-01T12:00:00.000Z', labels: { team: 'risk' },
};

function deps(extra: Partial<NotifierDeps> = {}): NotifierDeps & { logged: { level: string; message: string; data: Record<string, unknown> }[] } {
  const logged: { level: string; message: string; data: Record<string, unknown> }[] = [];
  return { fetch, log: (level, message, data) => logged.push({ level, message, data }), retryDelayMs: 1, logged, ...extra };
}

const from = (path: string): Received[] => received.filter((r) => r.path === path);

test('a signed webhook: the receiver verifies HMAC-SHA256 over the raw body with the shared secret', async () => {
  const specs = parseNotifiers({ pager: { type: 'webhook', url: `${base}/signed`, secret: 's3cret' } });
  const d = deps();
  await deliver(specs.get('pager')!, event, d);
  const [got] = from('/signed');
  assert.equal(got.headers['content-type'], 'application/json');
  const header = String(got.headers['x-modelgate-signature']);
  assert.match(header, /^sha256=[0-9a-f]{64}$/);
  const expected = Buffer.from(`sha256=${createHmac('sha256', 's3cret').update(got.body).digest('hex')}`);
  assert.ok(timingSafeEqual(Buffer.from(header), expected), 'signature matches');
  const wrong = Buffer.from(`sha256=${createHmac('sha256', 'other').update(got.body).digest('hex')}`);
  assert.ok(!timingSafeEqual(Buffer.from(header), wrong), 'another secret does not verify');
  assert.deepEqual(JSON.parse(got.body), event);
  assert.deepEqual(d.logged, []);
});

test('a webhook without a secret carries no signature', async () => {
  await deliver(parseNotifiers({ hook: { type: 'webhook', url: `${base}/plain` } }).get('hook')!, event, deps());
  assert.equal(from('/plain')[0].headers['x-modelgate-signature'], undefined);
});

test('Slack: text plus one attachment with the alert fields', async () => {
  await deliver(parseNotifiers({ ops: { type: 'slack', url: `${base}/slack` } }).get('ops')!, event, deps());
  const body = JSON.parse(from('/slack')[0].body) as { text: string; attachments: { color: string; fields: { title: string; value: string; short: boolean }[]; ts: number }[] };
  assert.match(body.text, /input-drift firing on fraud v3/);
  assert.equal(body.attachments.length, 1);
  assert.equal(body.attachments[0].color, 'danger');
  assert.equal(body.attachments[0].ts, Date.parse(event.at) / 1000);
  assert.deepEqual(body.attachments[0].fields.map((f) => [f.title, f.value]), [['endpoint', 'fraud'], ['version', '3'], ['value', '0.31'], ['threshold', '0.1'], ['team', 'risk']]);
  assert.ok(body.attachments[0].fields.every((f) => f.short));
});

test('5xx is retried until it succeeds; 4xx is given up at once and logged', async () => {
  script.set('/flaky', [503, 500]);
  const d = deps();
  await deliver({ type: 'webhook', url: `${base}/flaky`, secret: null }, event, d);
  assert.equal(from('/flaky').length, 3);
  assert.deepEqual(d.logged, []);
  script.set('/gone', [404]);
  const d2 = deps();
  await deliver({ type: 'webhook', url: `${base}/gone`, secret: null }, event, d2);
  assert.equal(from('/gone').length, 1);
  assert.deepEqual(d2.logged.map((l) => [l.level, l.message, l.data.attempts]), [['error', 'alert notifier answered 404', 1]]);
});

test('a receiver that never answers times out on each attempt; the failure is logged after the retries', async () => {
  script.set('/hang', ['hang', 'hang']);
  const d = deps({ timeoutMs: 50, retries: 1 });
  await deliver({ type: 'slack', url: `${base}/hang` }, event, d);
  assert.equal(from('/hang').length, 2);
  assert.equal(d.logged.length, 1);
  assert.equal(d.logged[0].message, 'alert notifier failed');
  assert.equal(d.logged[0].data.attempts, 2);
});

test('an unreachable receiver is logged, never thrown', async () => {
  const d = deps({ retries: 0 });
  await deliver({ type: 'webhook', url: 'http://127.0.0.1:1/x', secret: null }, event, d);
  assert.equal(d.logged[0].message, 'alert notifier failed');
});

test('bad notifier specs are config errors naming the key', () => {
  for (const raw of [{ a: { type: 'email', url: 'x' } }, { a: { type: 'slack', url: 'ftp://x' } }, { a: { type: 'webhook', url: 'http://x', extra: 1 } }, [1]]) {
    assert.throws(() => parseNotifiers(raw), (err) => isModelgateError(err) && err.code === 'MG_CONFIG_INVALID', JSON.stringify(raw));
  }
});
