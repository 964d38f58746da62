/**
 * Version numbers are unique under concurrent registration from several
 * processes: two child processes register 25 versions each of one model at
 * the same moment, against one SQLite file and against PostgreSQL; together
 * they must get exactly 1..50.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RegistryStore } from '../src/store/registry-store.ts';
import { dropPostgresSchema, openPostgresRegistryStore } from '../src/store/postgres/registry-store.ts';
import { openSqliteRegistryStore } from '../src/store/sqlite/registry-store.ts';

const script = fileURLToPath(new URL('./support/register-versions.ts', import.meta.url));
const PER_CHILD = 25;

interface Child {
  readonly ready: Promise<void>;
  readonly result: Promise<number[]>;
  go(): void;
}

function startChild(args: readonly string[]): Child {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const output: string[] = [];
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  lines.on('line', (line) => {
    if (line === 'ready') markReady();
    else output.push(line);
  });
  const result = new Promise<number[]>((resolve, reject) => {
    child.on('close', (code) => {
      markReady();
      if (code !== 0) reject(new Error(`child exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(output.join('')) as number[]);
    });
  });
  return { ready, result, go: () => child.stdin.write('go\n') };
}

async function registerFromTwoProcesses(store: RegistryStore, model: string, args: readonly string[]): Promise<void> {
  await store.createModel({ name: model, description: '', tags: {}, createdBy: 'test' },
    { kind: 'model.created', version: null, alias: null, previousVersion: null, actor: 'test', reason: null, data: {} });
  const children = [startChild(args), startChild(args)];
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  const [a, b] = await Promise.all(children.map((c) => c.result));
  assert.equal(a.length, PER_CHILD);
  assert.equal(b.length, PER_CHILD);
  const all = [...a, ...b].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 2 * PER_CHILD }, (_, i) => i + 1), 'versions 1..50, no gaps, no duplicates');
  const listed = await store.listVersions(model, { limit: 1000 });
  assert.deepEqual(listed.items.map((v) => v.version), all);
  const registered = await store.history(model, { kinds: ['version.registered'], limit: 1000 });
  assert.deepEqual(registered.items.map((e) => e.version).sort((x, y) => (x ?? 0) - (y ?? 0)), all);
}

test('50 concurrent registrations from two processes on one SQLite file get 1..50', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-concurrent-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'registry.db');
  const store = await openSqliteRegistryStore(file);
  try {
    await registerFromTwoProcesses(store, 'race', ['sqlite', file, 'race', String(PER_CHILD)]);
  } finally {
    await store.close();
  }
});

test('several processes opening a new SQLite file at once all migrate it without error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-concurrent-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fresh', 'registry.db');
  const children = [1, 2, 3, 4].map(() => startChild(['sqlite', file, 'none', '0']));
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  assert.deepEqual(await Promise.all(children.map((c) => c.result)), [[], [], [], []]);
  const store = await openSqliteRegistryStore(file);
  await store.close();
});

const url = process.env.MODELGATE_TEST_DATABASE_URL;
test('50 concurrent registrations from two processes on PostgreSQL get 1..50', { skip: url ? false : 'MODELGATE_TEST_DATABASE_URL is not set' }, async () => {
  const schema = `mg_test_${randomBytes(6).toString('hex')}`;
  const store = await openPostgresRegistryStore(url!, { schema });
  try {
    await registerFromTwoProcesses(store, 'race', ['postgres', url!, 'race', String(PER_CHILD), schema]);
  } finally {
    await store.close();
    await dropPostgresSchema(url!, schema);
  }
});
