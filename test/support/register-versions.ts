/**
 * Child process for test/concurrent-registration.test.ts: opens the store
 * named on the command line, says "ready", waits for "go" on stdin so both
 * children start together, registers COUNT versions of MODEL concurrently and
 * prints the numbers it was given as JSON.
 *
 * usage: register-versions.ts sqlite FILE MODEL COUNT
 *        register-versions.ts postgres URL MODEL COUNT SCHEMA
 */
import { once } from 'node:events';
import { setImmediate } from 'node:timers/promises';
import { openPostgresRegistryStore } from '../../src/store/postgres/registry-store.ts';
import { openSqliteRegistryStore } from '../../src/store/sqlite/registry-store.ts';
import type { NewVersion } from '../../src/store/registry-types.ts';

const [backend, target, model, count, schema] = process.argv.slice(2);
const store = backend === 'sqlite' ? await openSqliteRegistryStore(target) : await openPostgresRegistryStore(target, { schema });

const version: NewVersion = {
  model, status: 'ready', description: `from pid ${process.pid}`,
  artifact: { sha256: '0'.repeat(64), size: 1, format: 'onnx' },
  signature: { inputs: [], outputs: [], irVersion: 8, opsets: [], producer: { name: 'test', version: '0' }, usesMlOperators: false, nonTensorOutputs: [] },
  features: null, metrics: {}, params: {}, tags: {}, lineage: {}, modelCard: null, referenceProfile: null, extra: {}, createdBy: 'test',
};

process.stdout.write('ready\n');
await once(process.stdin, 'data');
// All calls are in flight at once; call i first lets i event-loop turns pass, so this process's
// transactions spread out and interleave with the other process's instead of running as one burst.
const created = await Promise.all(Array.from({ length: Number(count) }, async (_, i) => {
  for (let turn = 0; turn < i; turn++) await setImmediate();
  return store.createVersion(version, { kind: 'version.registered', alias: null, previousVersion: null, actor: 'test', reason: null, data: {} });
}));
process.stdout.write(`${JSON.stringify(created.map((v) => v.version))}\n`);
await store.close();
process.stdin.destroy();
