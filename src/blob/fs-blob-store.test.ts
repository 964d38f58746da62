import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { openFsBlobStore } from './fs-blob-store.ts';
import { runBlobStoreSuite } from './blob-store.suite.ts';

/** A pid above Linux's largest pid_max: no process can have it, so its temp files are orphans. */
const DEAD_PID = 99_999_999;

runBlobStoreSuite('fs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-blob-'));
  const store = await openFsBlobStore(dir);
  return {
    store,
    async corrupt(sha256) {
      const fh = await open(join(dir, 'sha256', sha256.slice(0, 2), sha256), 'r+');
      await fh.write(Buffer.from('X'), 0, 1, 1024);
      await fh.close();
    },
    async leaveTempFile() {
      await writeFile(join(dir, 'tmp', `${DEAD_PID}-0123456789abcdef.part`), 'half an upload');
    },
    async tempFileCount() {
      return (await readdir(join(dir, 'tmp'))).length;
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
});

test('fs: blobs live at sha256/ab/abcdef…', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-blob-'));
  try {
    const store = await openFsBlobStore(dir);
    const blob = await store.put(Readable.from([Buffer.from('layout')]));
    assert.deepEqual(await readdir(join(dir, 'sha256', blob.sha256.slice(0, 2))), [blob.sha256]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('fs: a writer killed with SIGKILL mid-upload leaves only a temp file, which cleanup removes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-blob-'));
  try {
    const storeUrl = new URL('./fs-blob-store.ts', import.meta.url).href;
    const script = `
      const { openFsBlobStore } = await import(${JSON.stringify(storeUrl)});
      const store = await openFsBlobStore(${JSON.stringify(dir)});
      async function* endless() {
        for (let i = 0; ; i++) {
          yield Buffer.alloc(1024 * 1024, i);
          if (i === 4) process.stdout.write('writing\\n');
        }
      }
      await store.put(endless());
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child.stdout, 'data');
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal((await readdir(join(dir, 'tmp'))).length, 1);
    const store = await openFsBlobStore(dir);
    await store.cleanup();
    assert.deepEqual(await readdir(join(dir, 'tmp')), []);
    const blobs = [];
    for await (const blob of store.list()) blobs.push(blob);
    assert.deepEqual(blobs, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
