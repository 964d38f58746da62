/**
 * Two apps sharing one PostgreSQL schema and one blob directory, as two
 * replicas would, with model rf (versions 1 and 2, the breast-cancer forests)
 * registered through the first. Callers skip without MODELGATE_TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app/build.ts';
import { dropPostgresSchema } from '../../src/store/postgres/registry-store.ts';
import { fixture, multipart, testConfig } from './app.ts';

export interface Replicas {
  /** Built first: the one holding the rollout controller's lease at the start. */
  readonly a: FastifyInstance;
  readonly b: FastifyInstance;
  readonly url: string;
  readonly schema: string;
  /** Stops one replica (once; close() leaves it be). */
  stop(app: FastifyInstance): Promise<void>;
  close(): Promise<void>;
}

export async function openReplicas(url: string): Promise<Replicas> {
  const schema = `t_replicas_${randomBytes(4).toString('hex')}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'modelgate-replicas-'));
  const config = testConfig(dataDir, { databaseUrl: url });
  const a = await buildApp(config, { databaseSchema: schema });
  const b = await buildApp(config, { databaseSchema: schema });
  const stopped = new Map<FastifyInstance, Promise<void>>();
  const stop = (app: FastifyInstance): Promise<void> => {
    if (!stopped.has(app)) stopped.set(app, app.close());
    return stopped.get(app)!;
  };
  const replicas: Replicas = {
    a, b, url, schema, stop,
    async close() {
      await Promise.all([stop(a), stop(b)]);
      await dropPostgresSchema(url, schema);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    const features = (JSON.parse(readFileSync(fixture('breast_cancer_rf', 'expected.json'), 'utf8')) as { features: string[] }).features;
    assert.equal((await a.inject({ method: 'POST', url: '/api/v1/models', payload: { name: 'rf' } })).statusCode, 201);
    for (const model of ['breast_cancer_rf', 'breast_cancer_rf_weak']) {
      const res = await a.inject({ method: 'POST', url: '/api/v1/models/rf/versions', ...multipart({ features }, readFileSync(fixture(model))) });
      assert.equal(res.statusCode, 201, res.body);
    }
  } catch (err) {
    await replicas.close();
    throw err;
  }
  return replicas;
}

export const deploy = (app: FastifyInstance, version: number) =>
  app.inject({ method: 'POST', url: '/api/v1/endpoints', payload: { name: 'cancer', model: 'rf', version } });
