/**
 * The RegistryStore conformance suite: every backend runs the same tests
 * (CONVENTIONS 6). Tests assert error codes, not messages, and give events
 * explicit times where ordering by time matters, so no test waits on a clock.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorCode } from '../lib/errors.ts';
import { isModelgateError } from '../lib/errors.ts';
import type { RegistryStore } from './registry-store.ts';
import type { Page } from './registry-types.ts';
import { event, fullVersion, version } from './registry-store.suite-fixtures.ts';

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isModelgateError(err), `expected ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** Reads every page of a listing, checking no page exceeds the limit. */
async function allPages<T>(limit: number, read: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    assert.ok(page.items.length <= limit);
    pages.push([...page.items]);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && pages.length < 100);
  return pages;
}

const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString();

export function runRegistryStoreSuite(name: string, open: () => Promise<RegistryStore>, options: { skip?: string | false } = {}): void {
  describe(`RegistryStore conformance: ${name}`, { skip: options.skip ?? false }, () => {
    let s: RegistryStore;
    before(async () => {
      s = await open();
    });
    after(async () => {
      await s?.close();
    });
    const model = (n: string, tags: Record<string, string> = {}, at?: string) =>
      s.createModel({ name: n, description: `about ${n}`, tags, createdBy: 'alice' }, event('model.created', at ? { at } : {}));

    test('migrate is idempotent', async () => {
      await s.migrate();
      await s.migrate();
    });

    test('models: create, get, update, duplicates and unknown names', async () => {
      const created = await model('m-basic', { team: 'risk' }, t(1));
      assert.deepEqual(created, { name: 'm-basic', description: 'about m-basic', tags: { team: 'risk' }, createdAt: t(1), createdBy: 'alice', updatedAt: t(1) });
      assert.deepEqual(await s.getModel('m-basic'), created);
      assert.equal(await s.getModel('m-missing'), null);
      await rejectsWith(model('m-basic'), 'MG_REGISTRY_MODEL_EXISTS');
      const updated = await s.updateModel('m-basic', { tags: { team: 'fraud', tier: '1' } }, event('model.updated', { at: t(2) }));
      assert.deepEqual(updated, { ...created, tags: { team: 'fraud', tier: '1' }, updatedAt: t(2) });
      const described = await s.updateModel('m-basic', { description: 'new' }, event('model.updated', { at: t(3) }));
      assert.equal(described.description, 'new');
      assert.deepEqual(described.tags, { team: 'fraud', tier: '1' });
      await rejectsWith(s.updateModel('m-missing', { description: 'x' }, event('model.updated')), 'MG_REGISTRY_MODEL_NOT_FOUND');
      await rejectsWith(s.deleteModel('m-missing', event('model.deleted')), 'MG_REGISTRY_MODEL_NOT_FOUND');
    });

    test('listModels: prefix, tags, orderings and pages', async () => {
      const names = ['lm-c', 'lm-a', 'lm-e', 'lm-b', 'lm-d'];
      for (const [i, n] of names.entries()) await model(n, { env: i % 2 ? 'prod' : 'dev', kind: 'x' }, t(10 + i));
      await model('lmx', {}, t(20));
      // Updating lm-a last makes it the most recently updated.
      await s.updateModel('lm-a', { description: 'touched' }, event('model.updated', { at: t(30) }));
      const list = async (q: Parameters<RegistryStore['listModels']>[0]) => (await s.listModels({ prefix: 'lm-', ...q })).items.map((m) => m.name);
      assert.deepEqual(await list({}), ['lm-a', 'lm-b', 'lm-c', 'lm-d', 'lm-e']);
      assert.deepEqual(await list({ descending: true }), ['lm-e', 'lm-d', 'lm-c', 'lm-b', 'lm-a']);
      assert.deepEqual(await list({ orderBy: 'createdAt' }), names);
      assert.deepEqual(await list({ orderBy: 'updatedAt', descending: true }), ['lm-a', 'lm-d', 'lm-b', 'lm-e', 'lm-c']);
      assert.deepEqual(await list({ tag: { env: 'prod' } }), ['lm-a', 'lm-b']);
      assert.deepEqual(await list({ tag: { env: 'prod', kind: 'x' } }), ['lm-a', 'lm-b']);
      assert.deepEqual(await list({ tag: { env: 'staging' } }), []);
      assert.deepEqual((await s.listModels({ prefix: 'lm' })).items.length, 6);
      for (const [orderBy, descending] of [['name', false], ['createdAt', true], ['updatedAt', false]] as const) {
        const full = await list({ orderBy, descending });
        const pages = await allPages(2, (cursor) => s.listModels({ prefix: 'lm-', orderBy, descending, limit: 2, cursor }));
        assert.deepEqual(pages.map((p) => p.length), [2, 2, 1]);
        assert.deepEqual(pages.flat().map((m) => m.name), full, `${orderBy} pages`);
      }
    });

    test('listModels: bad cursors and limits', async () => {
      await model('cur-a');
      await model('cur-b');
      const page = await s.listModels({ prefix: 'cur-', limit: 1 });
      assert.ok(page.nextCursor);
      await rejectsWith(s.listModels({ cursor: 'not a cursor!' }), 'MG_REGISTRY_INVALID_CURSOR');
      await rejectsWith(s.listModels({ cursor: Buffer.from('{"o":1}').toString('base64url') }), 'MG_REGISTRY_INVALID_CURSOR');
      await rejectsWith(s.listModels({ cursor: 'e30' }), 'MG_REGISTRY_INVALID_CURSOR');
      // A cursor read with one ordering does not continue another.
      await rejectsWith(s.listModels({ cursor: page.nextCursor, orderBy: 'createdAt' }), 'MG_REGISTRY_INVALID_CURSOR');
      await rejectsWith(s.listModels({ cursor: page.nextCursor, descending: true }), 'MG_REGISTRY_INVALID_CURSOR');
      await rejectsWith(s.listModels({ limit: 0 }), 'MG_VALIDATION_FAILED');
      await rejectsWith(s.listModels({ limit: 1.5 }), 'MG_VALIDATION_FAILED');
      assert.equal((await s.listModels({ prefix: 'cur-', limit: 5000 })).items.length, 2);
    });

    test('versions: numbering, full JSON round-trip, unknown model and version', async () => {
      await model('v-json');
      const input = fullVersion('v-json', 3);
      const v1 = await s.createVersion(input, event('version.registered', { at: t(5) }));
      assert.deepEqual(v1, { ...input, version: 1, createdAt: t(5), updatedAt: t(5) });
      assert.deepEqual(await s.getVersion('v-json', 1), v1);
      const v2 = await s.createVersion(version('v-json'), event('version.registered'));
      assert.equal(v2.version, 2);
      assert.equal('statusReason' in v2, false);
      assert.equal('servingArtifact' in v2, false);
      assert.equal(v2.features, null);
      assert.equal(v2.referenceProfile, null);
      assert.equal(await s.getVersion('v-json', 3), null);
      assert.equal(await s.getVersion('v-missing', 1), null);
      await rejectsWith(s.createVersion(version('v-missing'), event('version.registered')), 'MG_REGISTRY_MODEL_NOT_FOUND');
      assert.ok((await s.getModel('v-json'))!.updatedAt >= t(5), 'registering a version touches the model');
    });

    test('versions: numbers are never reused, even after deletion of the version or the model', async () => {
      await model('v-reuse');
      for (let i = 0; i < 3; i++) await s.createVersion(version('v-reuse'), event('version.registered'));
      await s.deleteVersion('v-reuse', 3, event('version.deleted'));
      await s.deleteVersion('v-reuse', 2, event('version.deleted'));
      assert.equal((await s.createVersion(version('v-reuse'), event('version.registered'))).version, 4);
      await rejectsWith(s.deleteVersion('v-reuse', 2, event('version.deleted')), 'MG_REGISTRY_VERSION_NOT_FOUND');
      await s.deleteModel('v-reuse', event('model.deleted'));
      await model('v-reuse');
      assert.equal((await s.createVersion(version('v-reuse'), event('version.registered'))).version, 5);
      assert.deepEqual((await s.listVersions('v-reuse', {})).items.map((v) => v.version), [5]);
    });

    test('updateVersion patches fields and records the event', async () => {
      await model('v-upd');
      await s.createVersion({ ...version('v-upd'), status: 'pending', statusReason: 'parsing' }, event('version.registered', { at: t(1) }));
      const failed = await s.updateVersion('v-upd', 1, { status: 'failed', statusReason: 'bad graph', extra: { k: [1] } }, event('version.updated', { at: t(2) }));
      assert.equal(failed.status, 'failed');
      assert.equal(failed.statusReason, 'bad graph');
      assert.deepEqual(failed.extra, { k: [1] });
      assert.equal(failed.updatedAt, t(2));
      assert.equal(failed.createdAt, t(1));
      const ready = await s.updateVersion('v-upd', 1, { status: 'ready', statusReason: undefined, tags: { a: 'b' }, modelCard: 'card', description: 'd' }, event('version.updated'));
      assert.equal(ready.status, 'ready');
      assert.equal('statusReason' in ready, false);
      assert.deepEqual([ready.tags, ready.modelCard, ready.description], [{ a: 'b' }, 'card', 'd']);
      assert.deepEqual(ready.extra, { k: [1] });
      assert.deepEqual(await s.getVersion('v-upd', 1), ready);
      await rejectsWith(s.updateVersion('v-upd', 9, { status: 'ready' }, event('version.updated')), 'MG_REGISTRY_VERSION_NOT_FOUND');
      await rejectsWith(s.updateVersion('nope', 1, { status: 'ready' }, event('version.updated')), 'MG_REGISTRY_MODEL_NOT_FOUND');
      const h = await s.history('v-upd', { kinds: ['version.updated'] });
      assert.deepEqual(h.items.map((e) => e.version), [1, 1]);
    });

    test('listVersions: filters, orderings, metric ranges, pages', async () => {
      await model('lv');
      const specs = [
        { status: 'ready', acc: 0.8, tags: { env: 'a' } }, { status: 'archived', acc: 0.95, tags: { env: 'b' } },
        { status: 'ready', acc: 0.9, tags: { env: 'a' } }, { status: 'failed', acc: undefined, tags: {} },
        { status: 'ready', acc: 0.85, tags: { env: 'b' } }, { status: 'pending', acc: 0.9, tags: { env: 'a' } },
      ] as const;
      for (const [i, sp] of specs.entries()) {
        const metrics: Record<string, number> = sp.acc === undefined ? { loss: 1 } : { accuracy: sp.acc, loss: 1 - sp.acc };
        // Creation times run backwards so createdAt order differs from version order.
        await s.createVersion(version('lv', { status: sp.status, metrics, tags: sp.tags }, i), event('version.registered', { at: t(50 - i) }));
      }
      const nums = async (q: Parameters<RegistryStore['listVersions']>[1]) => (await s.listVersions('lv', q)).items.map((v) => v.version);
      assert.deepEqual(await nums({}), [1, 2, 3, 4, 5, 6]);
      assert.deepEqual(await nums({ descending: true }), [6, 5, 4, 3, 2, 1]);
      assert.deepEqual(await nums({ orderBy: 'createdAt' }), [6, 5, 4, 3, 2, 1]);
      assert.deepEqual(await nums({ status: ['ready', 'pending'] }), [1, 3, 5, 6]);
      assert.deepEqual(await nums({ status: [] }), []);
      assert.deepEqual(await nums({ tag: { env: 'a' } }), [1, 3, 6]);
      assert.deepEqual(await nums({ metrics: [{ metric: 'accuracy', min: 0.85 }] }), [2, 3, 5, 6]);
      assert.deepEqual(await nums({ metrics: [{ metric: 'accuracy', min: 0.85, max: 0.9 }], tag: { env: 'a' } }), [3, 6]);
      assert.deepEqual(await nums({ metrics: [{ metric: 'accuracy' }] }), [1, 2, 3, 5, 6]);
      assert.deepEqual(await nums({ orderBy: { metric: 'accuracy' }, descending: true }), [2, 6, 3, 5, 1]);
      assert.deepEqual(await nums({ orderBy: { metric: 'accuracy' } }), [1, 5, 3, 6, 2]);
      for (const orderBy of ['version', 'createdAt', { metric: 'accuracy' }] as const) {
        for (const descending of [false, true]) {
          const full = await nums({ orderBy, descending });
          const pages = await allPages(2, (cursor) => s.listVersions('lv', { orderBy, descending, limit: 2, cursor }));
          assert.deepEqual(pages.flat().map((v) => v.version), full, JSON.stringify({ orderBy, descending }));
        }
      }
      const first = await s.listVersions('lv', { orderBy: { metric: 'accuracy' }, limit: 2 });
      await rejectsWith(s.listVersions('lv', { orderBy: { metric: 'loss' }, cursor: first.nextCursor! }), 'MG_REGISTRY_INVALID_CURSOR');
      await rejectsWith(s.listVersions('lv', { cursor: '%%%' }), 'MG_REGISTRY_INVALID_CURSOR');
      await rejectsWith(s.listVersions('lv-missing', {}), 'MG_REGISTRY_MODEL_NOT_FOUND');
      assert.equal(await s.latestVersion('lv'), 6);
      await s.updateVersion('lv', 6, { status: 'archived' }, event('version.archived'));
      assert.equal(await s.latestVersion('lv'), 5);
      assert.equal(await s.latestVersion('lv-missing'), null);
      assert.equal(await s.countVersions('lv'), 6, 'archived versions count');
      assert.equal(await s.countVersions('lv-missing'), 0);
    });

    test('aliases: set, move, list, remove, with previous versions in history', async () => {
      await model('al');
      for (let i = 0; i < 3; i++) await s.createVersion(version('al'), event('version.registered'));
      const set = await s.setAlias('al', 'production', 1, event('alias.set', { actor: 'bob', at: t(1) }));
      assert.deepEqual(set, { model: 'al', alias: 'production', version: 1, updatedAt: t(1), updatedBy: 'bob' });
      await s.setAlias('al', 'production', 2, event('alias.set', { at: t(2) }));
      await s.setAlias('al', 'staging', 3, event('alias.set', { at: t(3) }));
      assert.equal((await s.getAlias('al', 'production'))?.version, 2);
      assert.equal(await s.getAlias('al', 'nope'), null);
      assert.deepEqual((await s.listAliases('al')).map((a) => [a.alias, a.version]), [['production', 2], ['staging', 3]]);
      await rejectsWith(s.setAlias('al', 'production', 9, event('alias.set')), 'MG_REGISTRY_VERSION_NOT_FOUND');
      await rejectsWith(s.setAlias('al-missing', 'production', 1, event('alias.set')), 'MG_REGISTRY_MODEL_NOT_FOUND');
      await s.deleteAlias('al', 'staging', event('alias.removed', { at: t(4) }));
      await rejectsWith(s.deleteAlias('al', 'staging', event('alias.removed')), 'MG_REGISTRY_ALIAS_NOT_FOUND');
      const h = await s.history('al', { kinds: ['alias.set', 'alias.removed'] });
      assert.deepEqual(h.items.map((e) => [e.kind, e.alias, e.version, e.previousVersion]), [
        ['alias.set', 'production', 1, null], ['alias.set', 'production', 2, 1],
        ['alias.set', 'staging', 3, null], ['alias.removed', 'staging', null, 3],
      ]);
    });

    test('aliasAt answers from history across several moves', async () => {
      await model('at');
      for (let i = 0; i < 3; i++) await s.createVersion(version('at'), event('version.registered', { at: t(0) }));
      await s.setAlias('at', 'production', 1, event('alias.set', { at: t(10) }));
      await s.setAlias('at', 'production', 2, event('alias.set', { at: t(20) }));
      await s.setAlias('at', 'canary', 3, event('alias.set', { at: t(25) }));
      await s.setAlias('at', 'production', 3, event('alias.set', { at: t(30) }));
      await s.deleteAlias('at', 'production', event('alias.removed', { at: t(40) }));
      await s.setAlias('at', 'production', 1, event('alias.set', { at: t(50) }));
      const expected: [number, number | null][] = [[5, null], [10, 1], [15, 1], [20, 2], [29, 2], [30, 3], [39, 3], [40, null], [45, null], [50, 1], [90, 1]];
      for (const [minute, want] of expected) assert.equal(await s.aliasAt('at', 'production', t(minute)), want, `at minute ${minute}`);
      // Times in other ISO forms mean the same instant.
      assert.equal(await s.aliasAt('at', 'production', '2026-01-01T12:20:00Z'), 2);
      assert.equal(await s.aliasAt('at', 'production', '2026-01-01T13:20:00+01:00'), 2);
      assert.equal(await s.aliasAt('at', 'canary', t(24)), null);
      assert.equal(await s.aliasAt('at', 'canary', t(26)), 3);
      await rejectsWith(s.aliasAt('at', 'production', 'yesterday-ish'), 'MG_VALIDATION_FAILED');
    });

    test('deleting a version or a model removes aliases with events and keeps history', async () => {
      await model('del');
      for (let i = 0; i < 2; i++) await s.createVersion(fullVersion('del', 100 + i), event('version.registered', { at: t(0) }));
      await s.setAlias('del', 'production', 2, event('alias.set', { at: t(1) }));
      await s.addApproval({ model: 'del', version: 2, alias: 'production', decision: 'approved', actor: 'carol', comment: '' }, event('approval.approved'));
      await s.deleteVersion('del', 2, event('version.deleted', { at: t(2) }));
      assert.equal(await s.getAlias('del', 'production'), null);
      assert.equal(await s.aliasAt('del', 'production', t(3)), null);
      assert.equal(await s.aliasAt('del', 'production', t(1)), 2);
      assert.deepEqual(await s.listApprovals('del', 2), []);
      await s.setAlias('del', 'production', 1, event('alias.set', { at: t(4) }));
      const blobs = fullVersion('del', 100);
      assert.ok((await s.referencedBlobs()).has(blobs.artifact.sha256));
      await s.deleteModel('del', event('model.deleted', { at: t(5) }));
      assert.equal(await s.getModel('del'), null);
      assert.equal(await s.getVersion('del', 1), null);
      assert.equal(await s.aliasAt('del', 'production', t(6)), null);
      assert.equal(await s.aliasAt('del', 'production', t(4)), 1);
      const refs = await s.referencedBlobs();
      assert.equal(refs.has(blobs.artifact.sha256), false);
      assert.equal(refs.has(blobs.servingArtifact!.sha256), false);
      const kinds = (await s.history('del', {})).items.map((e) => e.kind);
      assert.deepEqual(kinds.slice(-3), ['alias.set', 'alias.removed', 'model.deleted']);
      assert.equal(kinds[0], 'model.created');
    });

    test('approvals and evaluations', async () => {
      await model('ap');
      await s.createVersion(version('ap'), event('version.registered'));
      await s.createVersion(version('ap'), event('version.registered'));
      const a1 = await s.addApproval({ model: 'ap', version: 1, alias: 'production', decision: 'approved', actor: 'carol', comment: 'lgtm' }, event('approval.approved', { at: t(1) }));
      assert.deepEqual({ ...a1, id: 0 }, { id: 0, model: 'ap', version: 1, alias: 'production', decision: 'approved', actor: 'carol', comment: 'lgtm', createdAt: t(1) });
      const a2 = await s.addApproval({ model: 'ap', version: 1, alias: 'staging', decision: 'rejected', actor: 'dan', comment: 'no' }, event('approval.rejected'));
      const a3 = await s.addApproval({ model: 'ap', version: 2, alias: 'production', decision: 'approved', actor: 'dan', comment: '' }, event('approval.approved'));
      assert.ok(a1.id < a2.id && a2.id < a3.id);
      assert.deepEqual((await s.listApprovals('ap')).map((a) => a.id), [a1.id, a2.id, a3.id]);
      assert.deepEqual((await s.listApprovals('ap', 1)).map((a) => a.id), [a1.id, a2.id]);
      assert.deepEqual((await s.listApprovals('ap', undefined, 'production')).map((a) => a.id), [a1.id, a3.id]);
      assert.deepEqual((await s.listApprovals('ap', 1, 'staging')).map((a) => a.decision), ['rejected']);
      await rejectsWith(s.addApproval({ ...a1, version: 7 }, event('approval.approved')), 'MG_REGISTRY_VERSION_NOT_FOUND');
      const report = { metrics: { accuracy: 0.97 }, gates: [{ name: 'acc', passed: true }], note: null };
      const e1 = await s.addEvaluation({ model: 'ap', version: 2, verdict: 'passed', report, createdBy: 'ci' }, event('evaluation.recorded', { at: t(2) }));
      assert.deepEqual({ ...e1, id: 0 }, { id: 0, model: 'ap', version: 2, verdict: 'passed', report, createdAt: t(2), createdBy: 'ci' });
      await s.addEvaluation({ model: 'ap', version: 2, verdict: 'failed', report: {}, createdBy: 'ci' }, event('evaluation.recorded'));
      assert.deepEqual((await s.listEvaluations('ap', 2)).map((e) => e.verdict), ['passed', 'failed']);
      assert.deepEqual(await s.listEvaluations('ap', 1), []);
      await rejectsWith(s.addEvaluation({ ...e1, version: 7 }, event('evaluation.recorded')), 'MG_REGISTRY_VERSION_NOT_FOUND');
      const h = await s.history('ap', { kinds: ['approval.approved', 'approval.rejected', 'evaluation.recorded'] });
      assert.deepEqual(h.items.map((e) => [e.kind, e.version, e.alias]), [
        ['approval.approved', 1, 'production'], ['approval.rejected', 1, 'staging'], ['approval.approved', 2, 'production'],
        ['evaluation.recorded', 2, null], ['evaluation.recorded', 2, null],
      ]);
    });

    test('history: append-only ids, filters, time windows, pages', async () => {
      await model('hi', {}, t(0));
      for (let i = 1; i <= 4; i++) {
        await s.createVersion(version('hi'), event('version.registered', { at: t(i), actor: `user${i}`, reason: `r${i}`, data: { i, list: [i] } }));
      }
      await s.setAlias('hi', 'production', 2, event('alias.set', { at: t(5) }));
      const all = (await s.history('hi', {})).items;
      assert.equal(all.length, 6);
      for (let i = 1; i < all.length; i++) assert.ok(all[i].id > all[i - 1].id);
      assert.deepEqual(all[2], { id: all[2].id, model: 'hi', kind: 'version.registered', version: 2, alias: null, previousVersion: null, actor: 'user2', reason: 'r2', data: { i: 2, list: [2] }, at: t(2) });
      const ids = async (q: Parameters<RegistryStore['history']>[1]) => (await s.history('hi', q)).items.map((e) => e.at);
      assert.deepEqual(await ids({ since: t(2), until: t(4) }), [t(2), t(3), t(4)]);
      assert.deepEqual(await ids({ version: 3 }), [t(3)]);
      assert.deepEqual(await ids({ alias: 'production' }), [t(5)]);
      assert.deepEqual(await ids({ kinds: ['model.created', 'alias.set'] }), [t(0), t(5)]);
      const pages = await allPages(4, (cursor) => s.history('hi', { limit: 4, cursor }));
      assert.deepEqual(pages.map((p) => p.length), [4, 2]);
      assert.deepEqual(pages.flat(), all);
      await rejectsWith(s.history('hi', { cursor: 'bm9wZQ' }), 'MG_REGISTRY_INVALID_CURSOR');
      await rejectsWith(s.history('hi', { since: 'not-a-time' }), 'MG_VALIDATION_FAILED');
      assert.deepEqual((await s.history('nobody', {})).items, []);
    });

    test('referencedBlobs lists artifacts and serving artifacts', async () => {
      await model('blobs');
      const v = fullVersion('blobs', 4242);
      await s.createVersion(v, event('version.registered'));
      const refs = await s.referencedBlobs();
      assert.ok(refs.has(v.artifact.sha256));
      assert.ok(refs.has(v.servingArtifact!.sha256));
    });
  });
}
