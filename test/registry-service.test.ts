/**
 * One suite for every RegistryApi: the in-process service and the HTTP
 * client talking to a real listening server. Both must behave the same,
 * error codes included.
 */
import { test, suite } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { HttpRegistryClient } from '../src/cli/http-client.ts';
import type { FakeClock } from '../src/lib/clock.ts';
import { isModelgateError, type ErrorCode } from '../src/lib/errors.ts';
import type { RegistryApi } from '../src/registry/api.ts';
import { RegistryService } from '../src/registry/service.ts';
import { fixture, makeTestApp, type TestApp } from './support/app.ts';

interface Env {
  as(actor: string): RegistryApi;
  readonly clock: FakeClock;
  blobCount(): Promise<number>;
  /** Writes a blob no version references, as a registration in another process would, dated `ageMs` ago. */
  stray(content: string, ageMs: number): Promise<string>;
  close(): Promise<void>;
}

async function strayBlob(t: TestApp, content: string, ageMs: number): Promise<string> {
  const { sha256 } = await t.services.blobs.put(Readable.from([Buffer.from(content)]));
  const when = new Date(Date.now() - ageMs);
  await utimes(await t.services.blobs.localPath(sha256), when, when);
  return sha256;
}

const flags = { registry: { protectedAliases: { production: { approvals: 1, requireEvaluation: true } } } };
const features: string[] = JSON.parse(readFileSync(fixture('breast_cancer_rf', 'expected.json'), 'utf8')).features;

async function inProcess(): Promise<Env> {
  const t = await makeTestApp({ flags });
  const { store, blobs, clock } = t.services;
  return {
    as: (actor) => new RegistryService({ store, blobs, clock, config: { ...t.config, user: actor } }),
    clock: t.clock,
    blobCount: () => t.blobCount(),
    stray: (content, ageMs) => strayBlob(t, content, ageMs),
    close: () => t.close(),
  };
}

async function overHttp(): Promise<Env> {
  const t: TestApp = await makeTestApp({
    flags,
    resolveActor: (request: FastifyRequest, config) => String(request.headers['x-test-actor'] ?? config.user),
  });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    as: (actor) => new HttpRegistryClient(url, { 'x-test-actor': actor }),
    clock: t.clock,
    blobCount: () => t.blobCount(),
    stray: (content, ageMs) => strayBlob(t, content, ageMs),
    // Artifact downloads leave a kept-alive socket that server.close() would otherwise wait out.
    close: () => {
      t.app.server.closeAllConnections();
      return t.close();
    },
  };
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isModelgateError(err), `expected a ModelgateError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

const register = (api: RegistryApi, model: string, file: string, meta: Record<string, unknown> = {}) =>
  api.registerVersion(model, createReadStream(fixture(file)), meta);

function runRegistryApiSuite(name: string, makeEnv: () => Promise<Env>): void {
  suite(name, () => {
    test('registering breast_cancer_rf records its signature and features', async () => {
      const env = await makeEnv();
      try {
        const dev = env.as('dev');
        const v = await register(dev, 'bc', 'breast_cancer_rf', { features, metrics: { accuracy: 0.95 }, tags: { team: 'ml' } });
        assert.equal(v.version, 1);
        assert.equal(v.status, 'ready');
        assert.equal(v.createdBy, 'dev');
        assert.equal(v.signature.inputs.length, 1);
        const input = v.signature.inputs[0];
        assert.equal(input.name, 'input');
        assert.equal(input.datatype, 'FP32');
        assert.equal(input.shape?.length, 2);
        assert.notEqual(typeof input.shape?.[0], 'number', 'batch dimension is symbolic');
        assert.equal(input.shape?.[1], 30);
        assert.deepEqual(v.signature.outputs.map((o) => [o.name, o.datatype]), [['label', 'INT64'], ['probabilities', 'FP32']]);
        assert.deepEqual(v.features, features);
        assert.equal((await dev.getVersion('bc', 'latest')).version, 1);
        const listed = await dev.listVersions('bc', { tag: { team: 'ml' }, metrics: [{ metric: 'accuracy', min: 0.9 }] });
        assert.deepEqual(listed.items.map((x) => x.version), [1]);
        assert.equal((await dev.listVersions('bc', { metrics: [{ metric: 'accuracy', min: 0.99 }] })).items.length, 0);
        await rejectsWith(register(dev, 'bc', 'breast_cancer_rf', { features: features.slice(1) }), 'MG_REGISTRY_INVALID_METADATA');
        const download = await dev.downloadArtifact('bc', 1);
        let bytes = 0;
        for await (const chunk of download.stream) bytes += (chunk as Buffer).length;
        assert.equal(bytes, v.artifact.size);
        assert.equal(download.sha256, v.artifact.sha256);
      } finally {
        await env.close();
      }
    });

    test('protected alias needs approval from someone else and a passing evaluation', async () => {
      const env = await makeEnv();
      try {
        const dev = env.as('dev');
        const alice = env.as('alice');
        const bob = env.as('bob');
        await register(dev, 'bc', 'breast_cancer_rf');
        await rejectsWith(dev.setAlias('bc', 'production', 1), 'MG_REGISTRY_APPROVAL_REQUIRED');
        await rejectsWith(dev.decide('bc', 1, { alias: 'production', decision: 'approved' }), 'MG_REGISTRY_SELF_APPROVAL');
        const approval = await alice.decide('bc', 1, { alias: 'production', decision: 'approved', comment: 'looks good' });
        assert.equal(approval.actor, 'alice');
        await rejectsWith(alice.decide('bc', 1, { alias: 'production', decision: 'approved' }), 'MG_REGISTRY_ALREADY_DECIDED');
        await rejectsWith(dev.setAlias('bc', 'production', 1), 'MG_REGISTRY_EVALUATION_REQUIRED');
        await dev.addEvaluation('bc', 1, { verdict: 'failed', report: {} });
        await rejectsWith(dev.setAlias('bc', 'production', 1), 'MG_REGISTRY_EVALUATION_REQUIRED');
        await dev.addEvaluation('bc', 1, { verdict: 'passed', report: { accuracy: 0.95 } });
        const alias = await dev.setAlias('bc', 'production', 1);
        assert.equal(alias.version, 1);
        assert.equal((await dev.getVersion('bc', 'production')).version, 1);
        assert.equal((await dev.listApprovals('bc', 1)).length, 1);

        await register(dev, 'bc', 'breast_cancer_rf_weak');
        await alice.decide('bc', 2, { alias: 'production', decision: 'approved' });
        await bob.decide('bc', 2, { alias: 'production', decision: 'rejected', comment: 'weaker' });
        await dev.addEvaluation('bc', 2, { verdict: 'passed', report: {} });
        await rejectsWith(dev.setAlias('bc', 'production', 2), 'MG_REGISTRY_APPROVAL_REJECTED');
        // An unprotected alias needs nothing.
        assert.equal((await dev.setAlias('bc', 'staging', 2)).version, 2);
      } finally {
        await env.close();
      }
    });

    test('archived versions take no alias and latest is reserved', async () => {
      const env = await makeEnv();
      try {
        const dev = env.as('dev');
        await register(dev, 'bc', 'breast_cancer_rf');
        await register(dev, 'bc', 'breast_cancer_rf_weak');
        await dev.setAlias('bc', 'staging', 2);
        await rejectsWith(dev.archiveVersion('bc', 2), 'MG_REGISTRY_VERSION_HAS_ALIAS');
        await dev.removeAlias('bc', 'staging');
        assert.equal((await dev.archiveVersion('bc', 2)).status, 'archived');
        await rejectsWith(dev.setAlias('bc', 'staging', 2), 'MG_REGISTRY_VERSION_ARCHIVED');
        assert.equal((await dev.getVersion('bc', 'latest')).version, 1, 'latest skips archived versions');
        assert.equal((await dev.getModel('bc')).latestVersion, 1);
        await rejectsWith(dev.setAlias('bc', 'latest', 1), 'MG_REGISTRY_ALIAS_RESERVED');
        await rejectsWith(dev.removeAlias('bc', 'latest'), 'MG_REGISTRY_ALIAS_RESERVED');
        await rejectsWith(dev.setAlias('bc', 'Bad Alias', 1), 'MG_REGISTRY_INVALID_NAME');
        await rejectsWith(dev.getVersion('bc', 'nowhere'), 'MG_REGISTRY_ALIAS_NOT_FOUND');
        await rejectsWith(dev.getVersion('bc', 9), 'MG_REGISTRY_VERSION_NOT_FOUND');
      } finally {
        await env.close();
      }
    });

    test('history answers what an alias pointed to at any time across moves', async () => {
      const env = await makeEnv();
      try {
        const dev = env.as('dev');
        for (const f of ['breast_cancer_rf', 'breast_cancer_rf_weak', 'breast_cancer_rf']) await register(dev, 'bc', f);
        const times: string[] = [];
        const mark = () => {
          env.clock.advance(60_000);
          times.push(env.clock.iso());
          env.clock.advance(60_000);
        };
        mark(); // t0: before any alias
        await dev.setAlias('bc', 'champion', 1, { reason: 'first' });
        mark(); // t1: 1
        await dev.setAlias('bc', 'champion', 2);
        mark(); // t2: 2
        await dev.setAlias('bc', 'champion', 3);
        mark(); // t3: 3
        await dev.removeAlias('bc', 'champion');
        mark(); // t4: none
        await dev.setAlias('bc', 'champion', 1);
        mark(); // t5: 1
        const expected = [null, 1, 2, 3, null, 1];
        for (const [i, t] of times.entries()) assert.equal(await dev.aliasAt('bc', 'champion', t), expected[i], `at ${t}`);
        const events = (await dev.history('bc', { alias: 'champion' })).items;
        assert.equal(events.length, 5);
        assert.ok(events.every((e) => e.alias === 'champion' && e.actor === 'dev'));
        const firstSet = events.find((e) => e.kind === 'alias.set' && e.version === 1 && e.reason === 'first');
        assert.ok(firstSet, 'the reason is recorded');
        const moved = events.find((e) => e.kind === 'alias.set' && e.version === 3);
        assert.equal(moved?.previousVersion, 2);
        const untilT2 = (await dev.history('bc', { alias: 'champion', until: times[2] })).items;
        assert.equal(untilT2.length, 2);
        await rejectsWith(dev.history('nosuchmodel'), 'MG_REGISTRY_MODEL_NOT_FOUND');
      } finally {
        await env.close();
      }
    });

    test('compare classifies signature changes', async () => {
      const env = await makeEnv();
      try {
        const dev = env.as('dev');
        await register(dev, 'm', 'breast_cancer_rf', { metrics: { accuracy: 0.9 }, params: { trees: '100' } });
        await register(dev, 'm', 'breast_cancer_rf', { metrics: { accuracy: 0.95 }, params: { trees: '200' } });
        await register(dev, 'm', 'iris_logreg');
        const same = await dev.compareVersions('m', 1, 2);
        assert.equal(same.signature.verdict, 'compatible');
        const acc = same.metrics.find((d) => d.key === 'accuracy');
        assert.ok(acc && Math.abs((acc.delta ?? 0) - 0.05) < 1e-9);
        assert.deepEqual(same.params, [{ key: 'trees', a: '100', b: '200' }]);
        const other = await dev.compareVersions('m', 1, 'latest');
        assert.equal(other.b, 3);
        assert.equal(other.signature.verdict, 'breaking');
        assert.ok(other.signature.changes.some((c) => c.kind === 'breaking' && /dimension 1/.test(c.detail)), JSON.stringify(other.signature.changes));
      } finally {
        await env.close();
      }
    });

    test('gc applies retention, keeps protected versions, and collects blobs', async () => {
      const env = await makeEnv();
      try {
        const dev = env.as('dev');
        for (const f of ['breast_cancer_rf', 'breast_cancer_rf_weak', 'iris_logreg', 'diabetes_gbr', 'breast_cancer_mlp']) await register(dev, 'g', f);
        await dev.setAlias('g', 'staging', 1);
        await env.as('alice').decide('g', 2, { alias: 'production', decision: 'approved' });
        assert.equal(await env.blobCount(), 5);

        const dry = await dev.gc({ dryRun: true, keepLast: 1 });
        assert.equal(dry.dryRun, true);
        assert.deepEqual(dry.versions.map((v) => v.version).sort(), [3, 4]);
        assert.deepEqual(dry.kept.map((k) => [k.version, k.reason]).sort(), [[1, 'holds alias staging'], [2, 'awaiting approval']]);
        assert.equal(dry.blobs.length, 2);
        assert.ok(dry.bytesFreed > 0);
        assert.equal(await env.blobCount(), 5, 'a dry run deletes nothing');
        assert.equal((await dev.getVersion('g', 3)).version, 3);

        const real = await dev.gc({ keepLast: 1 });
        assert.deepEqual(real.versions.map((v) => v.version).sort(), [3, 4]);
        assert.deepEqual(real.blobs.map((b) => b.sha256).sort(), dry.blobs.map((b) => b.sha256).sort());
        assert.equal(await env.blobCount(), 3);
        await rejectsWith(dev.getVersion('g', 3), 'MG_REGISTRY_VERSION_NOT_FOUND');
        assert.equal((await dev.getVersion('g', 5)).version, 5);
        const again = await dev.gc({ keepLast: 1 });
        assert.equal(again.versions.length + again.blobs.length, 0);

        // A blob no version references yet may be a registration still under way elsewhere: left until the grace period is over.
        const fresh = await env.stray('being registered', 0);
        const old = await env.stray('abandoned', 2 * 3600_000);
        const late = await dev.gc({});
        assert.deepEqual(late.blobs.map((b) => b.sha256), [old]);
        assert.equal(late.pendingBlobs, 1);
        assert.equal(await env.blobCount(), 4, `${fresh} stays`);
      } finally {
        await env.close();
      }
    });
  });
}

runRegistryApiSuite('in-process RegistryService', inProcess);
runRegistryApiSuite('HttpRegistryClient against a listening server', overHttp);
