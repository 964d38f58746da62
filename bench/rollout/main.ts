/**
 * bench/rollout: what progressive delivery costs on the request path.
 *   1. Serving throughput of breast_cancer_rf (single-row V2 JSON, 32
 *      connections, one server process) on an endpoint with a 10% canary and
 *      a 10% shadow, as a ratio to the same server's plain endpoint. Shadow
 *      inferences are extra work the server does: the "work ratio" counts
 *      them (each request to the stable is mirrored with probability 0.1).
 *      Target: work ratio ≥ 0.85.
 *   2. The cost of one routing decision (weighted pick, sticky pick by key,
 *      shadow decision), in ns, over 10 million calls.
 * Figures go to bench/results/rollout.json.
 * Run: node bench/rollout/main.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { openDataPlane } from '../../src/app/data-plane.ts';
import { openServices } from '../../src/app/services.ts';
import { EndpointRoutes, keyBucket, Router, type Route } from '../../src/inference/router.ts';
import { emptyPolicy, type EndpointRecord } from '../../src/store/endpoint-store.ts';
import type { ModelPool } from '../../src/inference/model-pool.ts';
import { cli, load, mainCli, ratio, root, show, startProcess, stopProcesses } from '../serving/harness.ts';

const DURATION = 8;
const rf = join(root, 'fixtures/models/breast_cancer_rf/model.onnx');
const weak = join(root, 'fixtures/models/breast_cancer_rf_weak/model.onnx');
const single = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 30], data: Array.from({ length: 30 }, (_, i) => i % 7) }] });

async function prepare(dataDir: string): Promise<void> {
  cli(dataDir, ['models', 'create', 'rf']);
  cli(dataDir, ['versions', 'register', 'rf', rf]);
  cli(dataDir, ['versions', 'register', 'rf', rf]);
  cli(dataDir, ['versions', 'register', 'rf', weak]);
  cli(dataDir, ['deploy', 'rf', '1', '--endpoint', 'plain']);
  cli(dataDir, ['deploy', 'rf', '1', '--endpoint', 'mixed']);
  // The traffic policy is set directly (as a canary at 10% and a shadow rollout at 10% would leave it).
  const config = loadConfig({ env: {}, flags: { dataDir, logLevel: 'warn' } });
  const services = await openServices(config);
  const dataPlane = openDataPlane(config, services);
  try {
    await dataPlane.endpoints.setRouting('mixed', {
      version: 1, policy: { ...emptyPolicy, candidate: { version: 2, weightPermille: 100 }, shadow: { version: 3, percent: 10 } },
    });
  } finally {
    await dataPlane.close();
    await services.close();
  }
}

function perCall(label: string, n: number, fn: (i: number) => unknown): number {
  for (let i = 0; i < 1_000_000; i++) fn(i);
  const start = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < n; i++) if (fn(i) !== null) sink++;
  const ns = Number(process.hrtime.bigint() - start) / n;
  console.log(`  ${label.padEnd(44)} ${ns.toFixed(1).padStart(7)} ns${sink < 0 ? '!' : ''}`);
  return Math.round(ns * 10) / 10;
}

function routingCost(): Record<string, number> {
  const router = new Router({} as ModelPool);
  const stable = { model: { version: '1' } } as Route;
  const candidate = { model: { version: '2' } } as Route;
  const shadow = { model: { version: '3' } } as Route;
  const record = {
    name: 'bench', model: 'rf', version: 1, batching: null, revision: 1, createdAt: '', updatedAt: '', updatedBy: '',
    policy: { ...emptyPolicy, candidate: { version: 2, weightPermille: 100 }, shadow: { version: 3, percent: 10 } },
  } satisfies EndpointRecord;
  const routes = new EndpointRoutes(router, record, new Map([[1, stable], [2, candidate], [3, shadow]]));
  const keys = Array.from({ length: 1024 }, (_, i) => `customer-${i * 7919}`);
  const N = 10_000_000;
  console.log('2. routing decision (10M calls each)');
  return {
    weightedPickNs: perCall('weighted pick (10% candidate)', N, () => routes.pick()),
    stickyPickNs: perCall('sticky pick by key (x-modelgate-key)', N, (i) => routes.pick(keys[i & 1023])),
    shadowDecisionNs: perCall('shadow decision (10%)', N, () => routes.mirror()),
    keyHashNs: perCall('key hash alone', N, (i) => keyBucket(keys[i & 1023])),
  };
}

async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'modelgate-bench-rollout-'));
  try {
    await prepare(join(dir, 'data'));
    const url = await startProcess([process.execPath, mainCli, '--data-dir', join(dir, 'data'), 'serve', '--workers', '1', '--port', '0'], /listening on (http:\/\/\S+)/, { MODELGATE_LOG_LEVEL: 'warn' });
    console.log('1. single-row V2 JSON, breast_cancer_rf, 32 connections, one server process');
    await load(`${url}/v2/models/plain/infer`, single, { connections: 32, duration: 2 });
    await load(`${url}/v2/models/mixed/infer`, single, { connections: 32, duration: 2 });
    const plain = await load(`${url}/v2/models/plain/infer`, single, { connections: 32, duration: DURATION });
    show('plain endpoint', plain);
    const mixed = await load(`${url}/v2/models/mixed/infer`, single, { connections: 32, duration: DURATION });
    show('10% canary + 10% shadow', mixed);
    const shadowShare = 0.9 * 0.1;
    const requestRatio = ratio(mixed.rps, plain.rps);
    const workRatio = ratio(mixed.rps * (1 + shadowShare), plain.rps);
    console.log(`  requests answered: ${requestRatio} of plain; work done (shadow inferences counted): ${workRatio} of plain (target ≥ 0.85)`);
    await stopProcesses();
    const decision = routingCost();
    const result = {
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
      node: process.version,
      durationSeconds: DURATION,
      serving: { plain, mixed, requestRatio, workRatio, shadowShare, target: 0.85 },
      routingDecision: decision,
    };
    writeFileSync(join(root, 'bench/results/rollout.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    await stopProcesses();
    rmSync(dir, { recursive: true, force: true });
  }
}

await run();
