import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configReference, configReferenceMarkdown, redactedConfig } from './reference.ts';
import { loadConfig } from './load.ts';

test('docs/configuration.md embeds the reference generated from the schema', () => {
  const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  const embedded = /<!-- reference:start -->\n([\s\S]*?)<!-- reference:end -->/.exec(docs)?.[1];
  assert.equal(embedded, configReferenceMarkdown(), 'regenerate with: modelgate config reference');
});

test('every option has documentation and an environment name', () => {
  const rows = configReference();
  assert.ok(rows.length > 50);
  for (const row of rows) {
    assert.ok(row.doc.length > 5, row.key);
    assert.match(row.env, /^MODELGATE_[A-Z0-9_]+$/);
  }
  assert.ok(rows.some((r) => r.key === 'registry.retention.maxAge' && r.env === 'MODELGATE_REGISTRY__RETENTION__MAX_AGE'));
});

test('config show redacts secrets and leaves the rest', () => {
  const config = loadConfig({
    env: { MODELGATE_DATABASE_URL: 'postgres://u:pw@db/x', MODELGATE_SECURITY__JWT__SECRET: 's'.repeat(40), MODELGATE_SECURITY__FIELD_KEYS: '{"k1":"abc"}' },
  });
  const shown = redactedConfig(config) as { databaseUrl: string; security: { jwt: { secret: string }; fieldKeys: unknown }; server: { port: number } };
  assert.equal(shown.databaseUrl, '[redacted]');
  assert.equal(shown.security.jwt.secret, '[redacted]');
  assert.equal(shown.security.fieldKeys, '[redacted]');
  assert.equal(shown.server.port, 8080);
  assert.equal(config.databaseUrl, 'postgres://u:pw@db/x', 'the config itself is untouched');
});
