// The same CLI commands against a server (--url): the HTTP client must give
// the same records, output and exit codes as the local data directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { startServer, type RunningServer } from '../src/app/server.ts';
import { sha256File } from '../src/lib/hash.ts';
import type { ModelDetail } from '../src/registry/api.ts';
import type { Page, VersionRecord } from '../src/store/registry-types.ts';
import { cli, cliJson, FIXTURES, tempDir } from './cli-run.ts';

const IRIS = join(FIXTURES, 'iris_logreg');
let dir: { path: string; remove: () => Promise<void> };
let server: RunningServer;
let url: string[];

before(async () => {
  dir = await tempDir('modelgate-cli-server-');
  const config = loadConfig({ env: {}, flags: { dataDir: join(dir.path, 'data'), logLevel: 'silent', server: { port: 0 } } });
  server = await startServer(config);
  url = ['--url', server.url];
});

after(async () => {
  await server.close();
  await dir.remove();
});

test('register, list, alias, show and download through --url', async () => {
  const v = await cliJson<VersionRecord>([
    'versions', 'register', 'iris', join(IRIS, 'model.onnx'), ...url, '--train-data', join(IRIS, 'train.csv'), '--metric', 'accuracy=0.97',
  ]);
  assert.equal(v.version, 1);
  assert.deepEqual(v.features, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  assert.equal(v.referenceProfile?.label?.name, 'target');
  assert.equal(v.lineage.datasetSha256, await sha256File(join(IRIS, 'train.csv')));

  const list = await cli(['versions', 'list', 'iris', ...url]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^VERSION\s+STATUS/);
  assert.match(list.stdout, /\n1\s+ready\s+accuracy=0\.97/);

  assert.equal((await cli(['alias', 'set', 'iris', 'staging', '1', ...url])).code, 0);
  const model = await cliJson<ModelDetail>(['models', 'show', 'iris', ...url]);
  assert.deepEqual(model.aliases.map((a) => [a.alias, a.version]), [['staging', 1]]);

  const shown = await cliJson<VersionRecord>(['versions', 'show', 'iris', 'staging', ...url]);
  assert.equal(shown.version, 1);
  const page = await cliJson<Page<unknown>>(['history', 'iris', '--alias', 'staging', ...url]);
  assert.equal(page.items.length, 1);

  const out = join(dir.path, 'iris.onnx');
  const downloaded = await cliJson<{ sha256: string }>(['versions', 'download', 'iris', 'staging', '-o', out, ...url]);
  assert.equal(await sha256File(out), v.artifact.sha256);
  assert.equal(downloaded.sha256, v.artifact.sha256);
});

test('server errors keep their code and exit 1', async () => {
  const [missing, unreachable] = await Promise.all([
    cli(['versions', 'show', 'nope', '1', ...url]),
    cli(['models', 'list', '--url', 'http://127.0.0.1:9']),
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: Model "nope" does not exist \(MG_REGISTRY_MODEL_NOT_FOUND\)\n$/);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /^error: /);
});
