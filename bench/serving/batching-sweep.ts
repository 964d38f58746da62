/**
 * Dynamic batching settings swept on wide_mlp (`node bench/serving/batching-sweep.ts
 * [--workers 2] [--connections 64] [--duration 5] [--delays 0,250,1000,2000]
 * [--max 64]`): one endpoint per queue delay plus one without batching, all
 * served by one `modelgate serve`, each loaded in turn with single-row V2
 * JSON requests. Prints throughput, p99 and the mean batch size one worker
 * saw (from the model metadata's batch_stats), to choose the settings that
 * bench/serving/main.ts uses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cli, load, mainCli, root, show, startProcess, stopProcesses } from './harness.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    duration: { type: 'string', default: '5' },
    delays: { type: 'string', default: '0,250,1000,2000' },
    max: { type: 'string', default: '64' },
    port: { type: 'string', default: '8096' },
  },
});
const delays = values.delays.split(',').map(Number);
const dataDir = mkdtempSync(join(tmpdir(), 'modelgate-bench-sweep-'));
try {
  cli(dataDir, ['models', 'create', 'wide']);
  cli(dataDir, ['versions', 'register', 'wide', join(root, 'fixtures/models/wide_mlp/model.onnx')]);
  cli(dataDir, ['deploy', 'wide', '1', '--endpoint', 'off']);
  for (const d of delays) cli(dataDir, ['deploy', 'wide', '1', '--endpoint', `d${d}`, '--max-batch-size', values.max, '--max-queue-delay-us', String(d)]);
  const url = await startProcess([process.execPath, mainCli, '--data-dir', dataDir, 'serve', '--workers', values.workers, '--port', values.port],
    /listening on (http:\/\/\S+)/, { MODELGATE_LOG_LEVEL: 'warn' });
  const body = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 64], data: Array.from({ length: 64 }, (_, i) => i / 64) }] });
  const opts = { connections: Number(values.connections), duration: Number(values.duration) };
  await load(`${url}/v2/models/off/infer`, body, { ...opts, duration: 2 });
  console.log(`wide_mlp, ${values.workers} workers, ${values.connections} connections, max batch ${values.max}`);
  show('batching off', await load(`${url}/v2/models/off/infer`, body, opts));
  for (const d of delays) {
    const l = await load(`${url}/v2/models/d${d}/infer`, body, opts);
    const meta = await (await fetch(`${url}/v2/models/d${d}`)).json() as { parameters: { batch_stats?: { batches: number; rows: number; largestBatch: number } } };
    const s = meta.parameters.batch_stats;
    show(`delay ${d} us${s === undefined ? '' : ` (mean batch ${(s.rows / s.batches).toFixed(1)}, largest ${s.largestBatch})`}`, l);
  }
} finally {
  await stopProcesses();
  rmSync(dataDir, { recursive: true, force: true });
}
