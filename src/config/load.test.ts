import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseBytes, configEnvName } from './load.ts';
import { isModelgateError } from '../lib/errors.ts';

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mg-config-'));
  const file = join(dir, 'modelgate.yaml');
  writeFileSync(file, text);
  return file;
}

test('defaults apply when nothing is given, and the result is frozen', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.server.port, 8080);
  assert.equal(config.server.host, '127.0.0.1');
  assert.equal(config.server.bodyLimit, 32 * 1024 * 1024);
  assert.equal(config.registry.protectedAliases.production.approvals, 1);
  assert.equal(config.databaseUrl, undefined);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.server));
});

test('flags beat environment, which beats the file, which beats defaults', () => {
  const file = yamlFile('server:\n  port: 9000\n  host: 0.0.0.0\nregistry:\n  retention:\n    maxAge: 30d\n');
  const config = loadConfig({ file, env: { MODELGATE_SERVER__PORT: '9100' }, flags: { server: { port: 9200 } } });
  assert.equal(config.server.port, 9200);
  assert.equal(config.server.host, '0.0.0.0');
  assert.equal(config.registry.retention.maxAgeMs, 30 * 86_400_000);
  const fromEnv = loadConfig({ file, env: { MODELGATE_SERVER__PORT: '9100', MODELGATE_DATA_DIR: '/srv/mg' } });
  assert.equal(fromEnv.server.port, 9100);
  assert.equal(fromEnv.dataDir, '/srv/mg');
});

test('unknown keys and bad values name the key', () => {
  const file = yamlFile('server:\n  prot: 1\n');
  assert.throws(() => loadConfig({ file, env: {} }), (err) => isModelgateError(err, 'MG_CONFIG_INVALID') && /server\.prot/.test(err.message));
  assert.throws(
    () => loadConfig({ env: { MODELGATE_SERVER__PORT: 'eighty' } }),
    (err) => isModelgateError(err, 'MG_CONFIG_INVALID') && /server\.port/.test(err.message),
  );
  assert.throws(() => loadConfig({ env: {}, flags: { server: { port: 70000 } } }), /at most 65535/);
  assert.throws(() => loadConfig({ file: '/nonexistent/mg.yaml', env: {} }), (err) => isModelgateError(err, 'MG_CONFIG_FILE_UNREADABLE'));
});

test('protected aliases are a validated map', () => {
  const file = yamlFile('registry:\n  protectedAliases:\n    production: {approvals: 2, requireEvaluation: true}\n    staging: {}\n');
  const config = loadConfig({ file, env: {} });
  assert.deepEqual(config.registry.protectedAliases.production, { approvals: 2, requireEvaluation: true });
  assert.deepEqual(config.registry.protectedAliases.staging, { approvals: 1, requireEvaluation: false });
  const bad = yamlFile('registry:\n  protectedAliases:\n    production: {approval: 2}\n');
  assert.throws(() => loadConfig({ file: bad, env: {} }), /registry\.protectedAliases\.production\.approval/);
});

test('sizes and environment names', () => {
  assert.equal(parseBytes('512kb'), 512 * 1024);
  assert.equal(parseBytes('1.5GiB'), 1.5 * 1024 ** 3);
  assert.equal(parseBytes('ten'), undefined);
  assert.equal(configEnvName(['registry', 'maxArtifactBytes']), 'MODELGATE_REGISTRY__MAX_ARTIFACT_BYTES');
});
