/**
 * The security commands on a data directory, run as the real CLI: keys
 * shown once and listed by prefix, audit verify naming exactly the entry
 * edited in the database, export in both formats, the compliance report with
 * its score and remediations, and serve refusing to expose an
 * unauthenticated server.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, test } from 'node:test';
import { cli, cliJson, FIXTURES, tempDir } from './cli-run.ts';

let dir: { path: string; remove: () => Promise<void> };
let d: string[];
before(async () => {
  dir = await tempDir('modelgate-sec-cli-');
  d = ['--data-dir', dir.path];
});
after(async () => dir.remove());

test('keys create prints the key once; list shows prefixes only; revoke marks it', async () => {
  const created = await cli([...d, 'keys', 'create', '--name', 'ci', '--role', 'deployer', '--expires', '30d']);
  assert.equal(created.code, 0, created.stderr);
  const key = created.stdout.trim();
  assert.match(key, /^mg_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
  const prefix = key.split('_')[1];
  const list = await cli([...d, 'keys', 'list']);
  assert.ok(list.stdout.includes(prefix));
  assert.ok(!list.stdout.includes(key.split('_')[2]), 'the secret is never listed');
  const listed = await cliJson<{ prefix: string; expiresAt: string | null; hash?: string }[]>([...d, 'keys', 'list']);
  assert.equal(listed.length, 1);
  assert.equal(listed[0].hash, undefined);
  assert.ok(listed[0].expiresAt !== null);
  const revoked = await cliJson<{ revokedAt: string | null }>([...d, 'keys', 'revoke', prefix]);
  assert.ok(revoked.revokedAt !== null);
  const unknownRole = await cli([...d, 'keys', 'create', '--name', 'x', '--role', 'root']);
  assert.equal(unknownRole.code, 1);
  assert.match(unknownRole.stderr, /MG_SECURITY_UNKNOWN_ROLE/);
  const missing = await cli([...d, 'keys', 'revoke', 'ZZZZZZZZ']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /MG_SECURITY_KEY_NOT_FOUND/);
});

test('audit verify names exactly the entry edited in the database; export writes JSON Lines and CSV', async () => {
  for (const name of ['a', 'b', 'c']) assert.equal((await cli([...d, 'keys', 'create', '--name', name, '--role', 'viewer'])).code, 0);
  const ok = await cliJson<{ ok: boolean; entries: number; last: { id: number } }>([...d, 'audit', 'verify']);
  assert.equal(ok.ok, true);
  assert.ok(ok.entries >= 5);

  const jsonl = join(dir.path, 'audit.jsonl');
  assert.equal((await cli([...d, 'audit', 'export', '-o', jsonl])).code, 0);
  const lines = (await readFile(jsonl, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: number; action: string });
  assert.equal(lines.length, ok.entries);
  assert.ok(lines.some((l) => l.action === 'key.create'));
  const csv = await cli([...d, 'audit', 'export', '--format', 'csv']);
  assert.equal(csv.stdout.split('\n')[0], 'id,at,actor,action,target,requestHash,outcome,details,prevHash,hash');
  assert.equal(csv.stdout.trim().split('\n').length, ok.entries + 1);

  const db = new DatabaseSync(join(dir.path, 'modelgate.db'));
  try {
    db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE id = 3").run();
  } finally {
    db.close();
  }
  const bad = await cli([...d, 'audit', 'verify']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /entry 3 was edited/);
  const badJson = await cli([...d, 'audit', 'verify', '--json']);
  assert.deepEqual({ ...JSON.parse(badJson.stdout), last: undefined }, { ok: false, firstBadId: 3, reason: 'edited', last: undefined });
});

test('compliance: a score, failed rules with remediations, JSON and Markdown', async () => {
  const c = await tempDir('modelgate-compliance-');
  const dd = ['--data-dir', c.path];
  try {
    assert.equal((await cli([...dd, 'versions', 'register', 'iris', join(FIXTURES, 'iris_logreg/model.onnx')], { user: 'alice' })).code, 0);
    assert.equal((await cli([...dd, 'approve', 'iris', '1', '--for', 'production'], { user: 'bob' })).code, 0);
    const set = await cli([...dd, 'alias', 'set', 'iris', 'production', '1'], { user: 'alice' });
    assert.equal(set.code, 0, set.stderr);
    const r = await cli([...dd, 'compliance', '--json']);
    assert.equal(r.code, 1, 'a failed rule fails the command');
    const report = JSON.parse(r.stdout) as { score: number; rules: { rule: string; status: string; subject: string; remediation?: string }[]; productionVersions: unknown[] };
    assert.deepEqual(report.productionVersions, [{ model: 'iris', version: 1 }]);
    const status = Object.fromEntries(report.rules.map((x) => [x.rule, x.status]));
    assert.equal(status['model-card'], 'fail');
    assert.equal(status.approval, 'pass');
    assert.equal(status['fairness-evaluation'], 'fail');
    assert.equal(status['prediction-logging'], 'fail', 'monitoring is on and the default sample is 0%');
    assert.equal(status.retention, 'pass');
    assert.equal(status['audit-chain'], 'pass');
    for (const failed of report.rules.filter((x) => x.status === 'fail')) assert.ok((failed.remediation ?? '').length > 10, failed.rule);
    assert.equal(report.score, 0.5);
    const md = await cli([...dd, 'compliance', '--markdown'], { env: { MODELGATE_MONITORING__PREDICTION_LOG__SAMPLE_PERCENT: '10' } });
    assert.match(md.stdout, /^# Compliance report/);
    assert.match(md.stdout, /\| prediction-logging \| platform \| ✅ pass/);
    assert.match(md.stdout, /\| model-card \| model:iris\/version:1 \| ❌ fail/);
  } finally {
    await c.remove();
  }
});

test('serve refuses a non-loopback host without authentication', async () => {
  const r = await cli([...d, 'serve', '--host', '0.0.0.0', '--port', '0', '--workers', '1']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--insecure/);
});
