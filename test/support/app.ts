/**
 * Test harness: a config on a fresh temporary data directory, the services
 * over it, and an app built from them, with a fake clock so history tests
 * can move time. Everything is removed on close().
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../src/app/build.ts';
import { openServices, type Services } from '../../src/app/services.ts';
import { loadConfig, type Config } from '../../src/config/load.ts';
import { FakeClock } from '../../src/lib/clock.ts';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly services: Services;
  readonly clock: FakeClock;
  readonly dataDir: string;
  /** Number of blobs in the blob store. */
  blobCount(): Promise<number>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Config flags merged over the test defaults (nested like the schema). */
  readonly flags?: Record<string, unknown>;
  readonly resolveActor?: AppDeps['resolveActor'];
}

export function testConfig(dataDir: string, flags: Record<string, unknown> = {}): Config {
  return loadConfig({ env: {}, flags: { dataDir, logLevel: 'silent', user: 'dev', ...flags } });
}

export async function makeTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = await mkdtemp(join(tmpdir(), 'modelgate-test-'));
  const config = testConfig(dataDir, options.flags);
  const clock = new FakeClock('2026-03-01T12:00:00.000Z');
  const services = await openServices(config, { clock });
  const app = await buildApp(config, { services, resolveActor: options.resolveActor });
  return {
    app, config, services, clock, dataDir,
    async blobCount() {
      let n = 0;
      for await (const _ of services.blobs.list()) n++;
      return n;
    },
    async close() {
      await app.close();
      await services.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A multipart body for POST …/versions, built in memory (tests use small fixtures). */
export function multipart(metadata: unknown, artifact: Uint8Array, fileName = 'model.onnx'): { payload: Buffer; headers: Record<string, string> } {
  const boundary = 'modelgate-test-boundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${typeof metadata === 'string' ? metadata : JSON.stringify(metadata)}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="artifact"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    Buffer.from(artifact),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export const fixture = (model: string, file = 'model.onnx'): string =>
  new URL(`../../fixtures/models/${model}/${file}`, import.meta.url).pathname;
