import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../lib/clock.ts';
import { isModelgateError } from '../lib/errors.ts';
import { AuditLog, verifyAuditChain } from '../security/audit.ts';
import { PostgresDriver } from './postgres/driver.ts';
import type { AuditDraft } from './security-store.ts';
import { SqliteDriver } from './sqlite/driver.ts';
import type { SqlDriver } from './sql-driver.ts';
import { SqlSecurityStore } from './sql-security-store.ts';

const url = process.env.MODELGATE_TEST_DATABASE_URL;
const schema = `mg_test_sec_${randomBytes(6).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'mg-security-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
if (url) {
  after(async () => {
    const d = new PostgresDriver(url, { schema });
    await d.dropSchema();
    await d.close();
  });
}

let n = 0;
// open(k) twice with one k gives two connections to one database, as two processes would have.
const backends: readonly { name: string; skip: string | false; open: (k: number) => SqlDriver }[] = [
  { name: 'sqlite', skip: false, open: (k) => new SqliteDriver(join(dir, `s${k}.db`)) },
  { name: 'postgres', skip: url ? false : 'MODELGATE_TEST_DATABASE_URL is not set', open: (k) => new PostgresDriver(url!, { schema: `${schema}_${k}` }) },
];

const sqlitePathOf = (k: number) => join(dir, `s${k}.db`);

/** Appends `count` entries to a SQLite file from a separate Node process. */
function appendFromChild(path: string, count: number): Promise<void> {
  const driverUrl = new URL('./sqlite/driver.ts', import.meta.url).href;
  const storeUrl = new URL('./sql-security-store.ts', import.meta.url).href;
  const auditUrl = new URL('../security/audit.ts', import.meta.url).href;
  const script = `
    const { SqliteDriver } = await import(${JSON.stringify(driverUrl)});
    const { SqlSecurityStore } = await import(${JSON.stringify(storeUrl)});
    const { AuditLog } = await import(${JSON.stringify(auditUrl)});
    const store = new SqlSecurityStore(new SqliteDriver(${JSON.stringify(path)}));
    const log = new AuditLog(store, { now: () => 0, iso: () => new Date(0).toISOString() });
    for (let i = 0; i < ${count}; i++) await log.append({ actor: 'child', action: 'a', target: 't', requestHash: null, outcome: 'success', details: { i } });
    await store.close();`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], (err) => (err ? reject(err) : resolve()));
  });
}

function draft(i: number): AuditDraft {
  return { actor: `user${i % 3}`, action: 'alias.set', target: `model:m${i}/alias:production`, requestHash: null, outcome: 'success', details: { version: i, b: 1, a: [1, 'x'] } };
}

type Body = (store: SqlSecurityStore, driver: SqlDriver, log: AuditLog, reopen: () => SqlDriver) => Promise<void>;

async function withStore(open: (k: number) => SqlDriver, fn: Body): Promise<void> {
  const k = ++n;
  const driver = open(k);
  const store = new SqlSecurityStore(driver);
  await store.migrate();
  try {
    await fn(store, driver, new AuditLog(store, new FakeClock()), () => open(k));
  } finally {
    if (driver.dialect.name === 'postgres') await (driver as PostgresDriver).dropSchema();
    await store.close();
  }
}

async function chainOf(log: AuditLog, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) await log.append(draft(i));
}

for (const backend of backends) {
  describe(`security store on ${backend.name}`, { skip: backend.skip }, () => {
    test('api keys: create, get by prefix, list, revoke (idempotent), unknown prefix', () => withStore(backend.open, async (store) => {
      const rec = { prefix: 'Ab3dEf7h', name: 'ci', role: 'deployer', hash: 'scrypt$1$1$1$a$b', createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'admin', expiresAt: null, revokedAt: null };
      await store.createApiKey(rec);
      assert.deepEqual(await store.getApiKey('Ab3dEf7h'), rec);
      assert.equal(await store.getApiKey('ab3dEf7h'), null, 'prefixes are case-sensitive');
      await assert.rejects(store.createApiKey(rec), (err: unknown) => isModelgateError(err, 'MG_STORE_CONFLICT'));
      assert.equal((await store.listApiKeys()).length, 1);
      const revoked = await store.revokeApiKey('Ab3dEf7h', '2026-01-02T00:00:00.000Z');
      assert.equal(revoked.revokedAt, '2026-01-02T00:00:00.000Z');
      assert.equal((await store.revokeApiKey('Ab3dEf7h', '2026-01-03T00:00:00.000Z')).revokedAt, '2026-01-02T00:00:00.000Z');
      await assert.rejects(store.revokeApiKey('zzzzzzzz', '2026-01-03T00:00:00.000Z'), (err: unknown) => isModelgateError(err, 'MG_SECURITY_KEY_NOT_FOUND'));
    }));

    test('audit entries chain and verify; concurrent appends keep one chain', () => withStore(backend.open, async (_store, _driver, log) => {
      assert.deepEqual(await log.verify(), { ok: true, entries: 0 });
      await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(draft(i))));
      const entries = await log.list();
      assert.deepEqual(entries.map((e) => e.id), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.deepEqual(entries[0].details, { version: entries[0].details.version, b: 1, a: [1, 'x'] });
      assert.deepEqual(await log.verify(), { ok: true, entries: 20 });
      const paged: number[] = [];
      for await (const e of log.all(7)) paged.push(e.id);
      assert.equal(paged.length, 20);
      let lines = '';
      for await (const line of log.exportJsonl()) lines += line;
      const exported = lines.trim().split('\n').map((l) => JSON.parse(l) as (typeof entries)[number]);
      assert.deepEqual(verifyAuditChain(exported), { ok: true, entries: 20 });
    }));

    test('two stores appending at once keep one chain', () => withStore(backend.open, async (_s, driver, log, reopen) => {
      if (driver.dialect.name === 'sqlite') {
        // node:sqlite blocks the thread while it waits for a lock, so the second writer must be another process.
        await Promise.all([appendFromChild(sqlitePathOf(n), 8), appendFromChild(sqlitePathOf(n), 8), chainOf(log, 8)]);
        assert.deepEqual(await log.verify(), { ok: true, entries: 24 });
        return;
      }
      const second = reopen();
      const other = new AuditLog(new SqlSecurityStore(second), new FakeClock());
      try {
        await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? log : other).append(draft(i))));
        assert.deepEqual(await log.verify(), { ok: true, entries: 16 });
      } finally {
        await second.close();
      }
    }));

    test('editing one row in the database names exactly that entry', () => withStore(backend.open, async (_s, driver, log) => {
      await chainOf(log, 10);
      await driver.query('UPDATE audit_log SET actor = ? WHERE id = ?', ['mallory', 6]);
      assert.deepEqual(await log.verify(), { ok: false, firstBadId: 6, reason: 'edited' });
    }));

    test('editing the details or outcome is caught too', () => withStore(backend.open, async (_s, driver, log) => {
      await chainOf(log, 5);
      await driver.query('UPDATE audit_log SET details = ? WHERE id = ?', ['{"version":99}', 2]);
      assert.deepEqual(await log.verify(), { ok: false, firstBadId: 2, reason: 'edited' });
    }));

    test('removing one row is detected and names the missing id', () => withStore(backend.open, async (_s, driver, log) => {
      await chainOf(log, 10);
      await driver.query('DELETE FROM audit_log WHERE id = ?', [4]);
      assert.deepEqual(await log.verify(), { ok: false, firstBadId: 4, reason: 'removed' });
    }));

    test('removing the last row is caught with an anchor', () => withStore(backend.open, async (store, driver, log) => {
      await chainOf(log, 5);
      const anchor = (await store.lastAudit())!;
      await driver.query('DELETE FROM audit_log WHERE id = ?', [5]);
      assert.deepEqual(await log.verify(), { ok: true, entries: 4 });
      assert.deepEqual(await log.verify(anchor), { ok: false, firstBadId: 5, reason: 'removed' });
    }));

    test('reordering two rows is detected', () => withStore(backend.open, async (_s, driver, log) => {
      await chainOf(log, 8);
      await driver.transaction(async (tx) => {
        await tx.query('UPDATE audit_log SET id = ? WHERE id = ?', [1000, 3]);
        await tx.query('UPDATE audit_log SET id = ? WHERE id = ?', [3, 4]);
        await tx.query('UPDATE audit_log SET id = ? WHERE id = ?', [4, 1000]);
      });
      assert.deepEqual(await log.verify(), { ok: false, firstBadId: 3, reason: 'reordered' });
    }));
  });
}
