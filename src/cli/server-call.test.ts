import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config/load.ts';
import { isModelgateError } from '../lib/errors.ts';
import { remoteError, serverCall, serverTarget } from './server-call.ts';

test('server answers come back as their catalogue errors', () => {
  const known = remoteError(404, JSON.stringify({ error: 'Model "x" does not exist', code: 'MG_REGISTRY_MODEL_NOT_FOUND' }));
  assert.ok(isModelgateError(known, 'MG_REGISTRY_MODEL_NOT_FOUND'));
  assert.equal(known.message, 'Model "x" does not exist');
  assert.ok(isModelgateError(remoteError(404, 'not json'), 'MG_NOT_FOUND'));
  const unknown = remoteError(502, JSON.stringify({ error: 'bad gateway', code: 'SOMETHING_ELSE' }));
  assert.ok(isModelgateError(unknown, 'MG_INTERNAL'));
  assert.equal(unknown.message, 'bad gateway');
});

test('every call carries the configured token; no url is a usage error', async () => {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const config = loadConfig({ env: { MODELGATE_URL: url, MODELGATE_TOKEN: 'mg_abcdefgh_secret' } });
    assert.deepEqual(await serverCall(serverTarget(config), 'POST', '/endpoints', { name: 'e' }), { ok: true });
    assert.deepEqual(seen, ['Bearer mg_abcdefgh_secret']);
  } finally {
    server.close();
  }
  assert.throws(() => serverTarget(loadConfig({ env: {} })), (err) => isModelgateError(err, 'MG_USAGE'));
});
