/**
 * The serving benchmark's floor: the least a Node server can do to answer a
 * single-row Open Inference Protocol JSON request with onnxruntime-node. No
 * routing, validation, metrics or batching: parse the JSON, copy `data` into a
 * Float32Array, run, reply. N processes share the port through node:cluster.
 *
 *   node bench/peers/bare-onnx-server.ts [--port 8090] [--workers 2] [--model fixtures/models/breast_cancer_rf/model.onnx]
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8090' },
    host: { type: 'string', default: '127.0.0.1' },
    workers: { type: 'string', default: '2' },
    model: { type: 'string', default: 'fixtures/models/breast_cancer_rf/model.onnx' },
  },
});
const workers = Number(values.workers);

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  let ready = 0;
  cluster.on('message', (_worker, msg) => {
    if (msg === 'ready' && ++ready === workers) console.log(`bare-onnx-server listening on http://${values.host}:${values.port} (${workers} processes)`);
  });
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  const session = await ort.InferenceSession.create(values.model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const inputName = session.inputNames[0];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { inputs: { shape: number[]; data: number[] | number[][] }[] };
          const input = body.inputs[0];
          const data = Float32Array.from(input.data.flat());
          const result = await session.run({ [inputName]: new ort.Tensor('float32', data, input.shape) });
          const outputs = session.outputNames.map((name) => {
            const t = result[name];
            const flat = Array.from(t.data as ArrayLike<number | bigint>, Number);
            return { name, datatype: t.type === 'int64' ? 'INT64' : 'FP32', shape: t.dims, data: flat };
          });
          const out = JSON.stringify({ model_name: 'breast_cancer_rf', outputs });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
          res.end(out);
        } catch (err) {
          const out = JSON.stringify({ error: (err as Error).message });
          res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
          res.end(out);
        }
      })();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(values.port), values.host, () => {
    if (cluster.isWorker) process.send?.('ready');
    else console.log(`bare-onnx-server listening on http://${values.host}:${values.port} (1 process)`);
  });
}
