// A server killed with SIGKILL in the middle of a 200 MB upload, then
// restarted: no version points at a missing or partial blob, and the
// temporary file of the interrupted write is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createHash } from 'node:crypto';
import { HttpRegistryClient } from '../src/cli/http-client.ts';
import { writeBigOnnx } from '../bench/support/big-onnx.ts';

const serverScript = new URL('../bench/support/server-process.ts', import.meta.url).pathname;
const MB = 1024 * 1024;

async function start(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [serverScript, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, url };
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

test('kill -9 during a 200 MB upload leaves no partial blob and no temporary file', { timeout: 120_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'mg-crash-'));
  const dataDir = join(work, 'data');
  try {
    const small = join(work, 'small.onnx');
    const big = join(work, 'big.onnx');
    await writeBigOnnx(small, 64 * 1024, { seed: 1 });
    await writeBigOnnx(big, 200 * MB, { seed: 2 });

    let server = await start(dataDir);
    let client = new HttpRegistryClient(server.url);
    const first = await client.registerVersion('crash', createReadStream(small), {});
    assert.equal(first.version, 1);

    let killed = false;
    const upload = client.registerVersion('crash', createReadStream(big, { highWaterMark: MB }), {}, {
      onProgress: (bytes) => {
        if (!killed && bytes > 100 * MB) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      },
    });
    await assert.rejects(upload);
    assert.ok(killed, 'the server was killed mid-upload');
    await stop(server.child, 'SIGKILL');
    assert.ok(readdirSync(join(dataDir, 'blobs', 'tmp')).length > 0, 'the interrupted write left a temporary file');

    server = await start(dataDir);
    client = new HttpRegistryClient(server.url);
    try {
      assert.deepEqual(readdirSync(join(dataDir, 'blobs', 'tmp')), [], 'restart removed temporary files');
      const versions = (await client.listVersions('crash')).items;
      assert.deepEqual(versions.map((v) => v.version), [1], 'the interrupted upload created no version');
      for (const v of versions) {
        const { stream, sha256 } = await client.downloadArtifact('crash', v.version);
        const hash = createHash('sha256');
        for await (const chunk of stream) hash.update(chunk as Buffer);
        assert.equal(hash.digest('hex'), sha256);
        assert.equal(sha256, v.artifact.sha256);
      }
      const again = await client.registerVersion('crash', createReadStream(big, { highWaterMark: MB }), {});
      assert.equal(again.version, 2, 'numbers continue after the crash');
      assert.equal(again.artifact.sha256, createHash('sha256').update(readFileSync(big)).digest('hex'));
    } finally {
      await stop(server.child, 'SIGTERM');
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
