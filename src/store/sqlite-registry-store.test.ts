import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRegistryStoreSuite } from './registry-store.suite.ts';
import { openSqliteRegistryStore } from './sqlite/registry-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'modelgate-sqlite-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
runRegistryStoreSuite('sqlite', () => openSqliteRegistryStore(join(dir, `nested/registry-${++n}.db`)));
