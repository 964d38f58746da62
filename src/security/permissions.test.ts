import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isModelgateError } from '../lib/errors.ts';
import { formatPermission, grants, isGranted, parsePermission } from './permissions.ts';
import { DEFAULT_ROLES, assertRole, buildRoleTable, permissionsOfRoles } from './roles.ts';

const p = parsePermission;

test('permissions parse and format back', () => {
  for (const text of ['model:fraud:read', 'model:*:admin', 'endpoint:fraud-v2:predict', 'alias:production:set', 'model:fraud-*:deploy']) {
    assert.equal(formatPermission(p(text)), text);
  }
});

test('malformed permissions are MG_SECURITY_INVALID_PERMISSION', () => {
  for (const bad of ['', 'model', 'model:fraud', 'model:fraud:read:x', 'user:x:read', 'model:fraud:set', 'endpoint:x:read',
    'alias:production:read', 'model:Fraud:read', 'model:*x:read', 'model:a*b:read', 'model::read', 42, null]) {
    assert.throws(() => p(bad), (err: unknown) => isModelgateError(err, 'MG_SECURITY_INVALID_PERMISSION'), String(bad));
  }
});

test('wildcards and prefixes match names', () => {
  assert.ok(grants(p('model:*:read'), p('model:fraud:read')));
  assert.ok(grants(p('model:fraud-*:read'), p('model:fraud-eu:read')));
  assert.ok(!grants(p('model:fraud-*:read'), p('model:churn:read')));
  assert.ok(!grants(p('model:fraud:read'), p('model:fraud-eu:read')));
  assert.ok(!grants(p('model:fraud:read'), p('model:*:read')), 'a concrete grant does not cover every model');
  assert.ok(grants(p('model:*:read'), p('model:*:read')));
  assert.ok(grants(p('model:fraud*:read'), p('model:fraud-*:read')));
  assert.ok(!grants(p('model:fraud-*:read'), p('model:fraud*:read')), 'a narrower prefix does not cover a wider one');
});

test('model admin implies the other model actions, and nothing else implies anything', () => {
  for (const action of ['read', 'write', 'predict', 'deploy', 'approve', 'admin']) {
    assert.ok(grants(p('model:fraud:admin'), p(`model:fraud:${action}`)), action);
  }
  assert.ok(!grants(p('model:fraud:admin'), p('model:churn:read')));
  assert.ok(!grants(p('model:*:admin'), p('endpoint:fraud:predict')));
  assert.ok(!grants(p('model:*:admin'), p('alias:production:set')));
  assert.ok(!grants(p('model:*:write'), p('model:fraud:read')));
  assert.ok(!grants(p('endpoint:*:deploy'), p('endpoint:fraud:predict')));
  assert.ok(!isGranted([], p('model:x:read')));
});

test('built-in roles parse and keep separation of duties', () => {
  const table = buildRoleTable();
  assert.deepEqual([...table.keys()].sort(), Object.keys(DEFAULT_ROLES).sort());
  const has = (role: string, perm: string) => isGranted(permissionsOfRoles(table, [role]), p(perm));
  assert.ok(has('viewer', 'model:fraud:read') && !has('viewer', 'model:fraud:write'));
  assert.ok(has('predictor', 'endpoint:fraud:predict') && !has('predictor', 'model:fraud:read'));
  assert.ok(has('data-scientist', 'model:fraud:write') && !has('data-scientist', 'model:fraud:approve'));
  assert.ok(has('data-scientist', 'alias:staging:set') && !has('data-scientist', 'alias:production:set'));
  assert.ok(has('deployer', 'endpoint:fraud:deploy') && !has('deployer', 'model:fraud:approve'));
  assert.ok(has('approver', 'model:fraud:approve') && !has('approver', 'model:fraud:write'));
  assert.ok(has('admin', 'model:fraud:approve') && has('admin', 'alias:production:set'));
});

test('config roles replace or add roles and are validated', () => {
  const table = buildRoleTable({ viewer: ['model:public-*:read'], auditor: ['model:*:admin'] });
  assert.ok(!isGranted(permissionsOfRoles(table, ['viewer']), p('model:fraud:read')));
  assert.ok(isGranted(permissionsOfRoles(table, ['viewer']), p('model:public-x:read')));
  assert.ok(table.has('auditor') && table.has('admin'));
  for (const bad of [[], 'x', { viewer: 'model:*:read' }, { Viewer: [] }, { x: ['model:*:fly'] }, { x: [1] }]) {
    assert.throws(() => buildRoleTable(bad), (err: unknown) => isModelgateError(err, 'MG_CONFIG_INVALID'), JSON.stringify(bad));
  }
});

test('an unknown role is MG_SECURITY_UNKNOWN_ROLE', () => {
  const table = buildRoleTable();
  assert.throws(() => permissionsOfRoles(table, ['viewer', 'root']), (err: unknown) => isModelgateError(err, 'MG_SECURITY_UNKNOWN_ROLE'));
  assert.throws(() => assertRole(table, 'root'), (err: unknown) => isModelgateError(err, 'MG_SECURITY_UNKNOWN_ROLE'));
  assertRole(table, 'admin');
});
