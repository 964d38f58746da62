import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUDIT_GENESIS } from '../store/security-store.ts';
import type { AuditEntry } from '../store/security-store.ts';
import { auditHash, canonicalJson, requestHash, verifyAuditChain } from './audit.ts';

function chain(count: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let i = 1; i <= count; i++) {
    const unsealed = {
      id: i, at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), actor: 'alice', action: 'version.register', target: `model:m/version:${i}`,
      requestHash: requestHash('POST', '/api/v1/models/m/versions', `body${i}`), outcome: 'success' as const, details: { version: i },
      prevHash: out.at(-1)?.hash ?? AUDIT_GENESIS,
    };
    out.push({ ...unsealed, hash: auditHash(unsealed) });
  }
  return out;
}

test('canonical JSON sorts keys at every level and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson(null), 'null');
});

test('an intact chain verifies; an empty one too', () => {
  assert.deepEqual(verifyAuditChain(chain(50)), { ok: true, entries: 50 });
  assert.deepEqual(verifyAuditChain([]), { ok: true, entries: 0 });
});

test('an edited entry is named, whichever field changed', () => {
  for (const field of ['actor', 'action', 'target', 'at', 'outcome', 'requestHash'] as const) {
    const entries = chain(10);
    entries[6] = { ...entries[6], [field]: 'x' };
    assert.deepEqual(verifyAuditChain(entries), { ok: false, firstBadId: 7, reason: 'edited' }, field);
  }
  const entries = chain(10);
  entries[2] = { ...entries[2], details: { version: 99 } };
  assert.deepEqual(verifyAuditChain(entries), { ok: false, firstBadId: 3, reason: 'edited' });
});

test('an entry edited and re-sealed is still named: the next link breaks', () => {
  const entries = chain(10);
  const forged = { ...entries[4], actor: 'mallory' };
  entries[4] = { ...forged, hash: auditHash(forged) };
  assert.deepEqual(verifyAuditChain(entries), { ok: false, firstBadId: 5, reason: 'edited' });
});

test('a removed entry is named by its id; the first one too', () => {
  const entries = chain(10);
  assert.deepEqual(verifyAuditChain(entries.filter((e) => e.id !== 6)), { ok: false, firstBadId: 6, reason: 'removed' });
  assert.deepEqual(verifyAuditChain(entries.slice(1)), { ok: false, firstBadId: 1, reason: 'removed' });
});

test('reordered entries are detected, whether ids move with them or not', () => {
  const entries = chain(10);
  const swapped = [...entries];
  [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
  assert.deepEqual(verifyAuditChain(swapped), { ok: false, firstBadId: 5, reason: 'reordered' });
  const renumbered = swapped.map((e, i) => ({ ...e, id: i + 1 }));
  assert.deepEqual(verifyAuditChain(renumbered), { ok: false, firstBadId: 4, reason: 'reordered' });
});

test('an inserted entry is named as an edit', () => {
  const entries = chain(6);
  const fake = { ...entries[2], id: 4, actor: 'mallory', prevHash: entries[2].hash };
  const sealed = { ...fake, hash: auditHash(fake) };
  const tampered = [...entries.slice(0, 3), sealed, ...entries.slice(3).map((e) => ({ ...e, id: e.id + 1 }))];
  assert.deepEqual(verifyAuditChain(tampered), { ok: false, firstBadId: 4, reason: 'edited' });
});

test('an anchor catches truncation at the end and a rewritten last entry', () => {
  const entries = chain(8);
  const anchor = { id: 8, hash: entries[7].hash };
  assert.deepEqual(verifyAuditChain(entries, anchor), { ok: true, entries: 8 });
  assert.deepEqual(verifyAuditChain(entries.slice(0, 6), anchor), { ok: false, firstBadId: 7, reason: 'removed' });
  assert.deepEqual(verifyAuditChain([], anchor), { ok: false, firstBadId: 1, reason: 'removed' });
  assert.deepEqual(verifyAuditChain(entries, { id: 8, hash: 'f'.repeat(64) }), { ok: false, firstBadId: 8, reason: 'edited' });
});

test('request hashes cover method, URL and body', () => {
  assert.notEqual(requestHash('POST', '/a', 'x'), requestHash('POST', '/a', 'y'));
  assert.notEqual(requestHash('POST', '/a'), requestHash('PUT', '/a'));
  assert.equal(requestHash('post', '/a', Buffer.from('x')), requestHash('POST', '/a', 'x'));
});
