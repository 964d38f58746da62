// `serve --workers 2` under load: /metrics (answered by whichever worker, summed
// over both by the primary) counts exactly the requests sent, and passes
// `promtool check metrics` when promtool is installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, fixture, serve, type Server } from './rollout-support.ts';

const infer = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: Array.from({ length: 30 }, (_, i) => i) }] });
const promtool = spawnSync('promtool', ['--version']).status === 0;

let dir: string;
let server: Server;
let url: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelgate-mon-cluster-'));
  cli(dir, ['models', 'create', 'rf']);
  cli(dir, ['versions', 'register', 'rf', fixture('breast_cancer_rf')]);
  cli(dir, ['deploy', 'rf', '1', '--endpoint', 'cancer']);
  server = await serve(dir, 2);
  url = server.url;
  await sleep(1000);
});

after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

async function metricsText(): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: { connection: 'close' } });
  assert.equal(res.status, 200);
  return res.text();
}

const count = (text: string, code: string): number => {
  const m = new RegExp(`^modelgate_requests_total\\{endpoint="cancer",version="1",protocol="v2",code="${code}"\\} (\\d+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
};

test('request counters equal the requests sent, over both workers', async () => {
  const sent = 400;
  let next = 0;
  const pids = new Set<string>();
  const client = async (): Promise<void> => {
    while (next < sent) {
      next++;
      const res = await fetch(`${url}/v2/models/cancer/infer`, { method: 'POST', body: infer, headers: { 'content-type': 'application/json', connection: 'close' } });
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      pids.add(res.headers.get('x-request-id') ?? '');
    }
  };
  await Promise.all(Array.from({ length: 16 }, client));
  assert.equal(pids.size, sent);
  const text = await metricsText();
  assert.equal(count(text, '200'), sent, text.split('\n').filter((l) => l.startsWith('modelgate_requests_total')).join('\n'));
  assert.match(text, /^modelgate_request_duration_seconds_count\{endpoint="cancer",version="1",protocol="v2"\} 400$/m);
  // The merged live windows (pushed every second) reach the primary too.
  await sleep(1500);
  const status = await (await fetch(`${url}/api/v1/endpoints/cancer/metrics`, { headers: { connection: 'close' } })).json() as { items: { window: { requests: number } }[] };
  assert.equal(status.items[0].window.requests, sent);
});

test('/metrics passes promtool check metrics', { skip: promtool ? false : 'promtool is not installed (Debian package prometheus)' }, async () => {
  const text = await metricsText();
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
