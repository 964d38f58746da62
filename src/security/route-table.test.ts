import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isModelgateError } from '../lib/errors.ts';
import { formatPermission } from './permissions.ts';
import { ANONYMOUS, actorOf, authorize } from './principal.ts';
import type { Principal } from './principal.ts';
import { ROUTE_TABLE, findRoute, requirementFor, routeTableRows } from './route-table.ts';
import type { Requirement } from './route-table.ts';
import { buildRoleTable, permissionsOfRoles } from './roles.ts';

function needs(req: Requirement): string[] | 'public' {
  return req.kind === 'public' ? 'public' : req.all.map(formatPermission);
}

test('requirements fill model, alias and endpoint from the route parameters', () => {
  assert.deepEqual(needs(requirementFor('GET', '/api/v1/models/:m', { m: 'fraud' })), ['model:fraud:read']);
  assert.deepEqual(needs(requirementFor('POST', '/api/v1/models/:m/versions', { m: 'fraud' })), ['model:fraud:write']);
  assert.deepEqual(needs(requirementFor('PUT', '/api/v1/models/:m/aliases/:alias', { m: 'fraud', alias: 'production' })),
    ['alias:production:set', 'model:fraud:write']);
  assert.deepEqual(needs(requirementFor('POST', '/api/v1/models/:m/versions/:v/approvals', { m: 'fraud', v: '3' })), ['model:fraud:approve']);
  assert.deepEqual(needs(requirementFor('POST', '/v2/models/:name/infer', { name: 'fraud' })), ['endpoint:fraud:predict']);
  assert.deepEqual(needs(requirementFor('POST', '/v1/models/:name::predict', { name: 'fraud' })), ['endpoint:fraud:predict']);
  assert.deepEqual(needs(requirementFor('POST', '/endpoints/:name/invocations', { name: 'fraud' })), ['endpoint:fraud:predict']);
  assert.deepEqual(needs(requirementFor('POST', '/api/v1/endpoints/:e/rollouts/:id/promote', { e: 'fraud', id: '7' })), ['endpoint:fraud:deploy']);
  assert.deepEqual(needs(requirementFor('GET', '/metrics')), ['model:*:read']);
  assert.equal(needs(requirementFor('GET', '/v2/health/ready')), 'public');
  assert.equal(needs(requirementFor('HEAD', '/v2/health/live')), 'public');
});

test('names given in the body fill creation routes; a missing one needs a wildcard', () => {
  assert.deepEqual(needs(requirementFor('POST', '/api/v1/models', {}, { name: 'fraud' })), ['model:fraud:write']);
  assert.deepEqual(needs(requirementFor('POST', '/api/v1/models', {}, {})), ['model:*:write']);
  assert.deepEqual(needs(requirementFor('POST', '/api/v1/endpoints/:e/rollouts', { e: 'fraud' }, { model: 'fraud-model' })),
    ['endpoint:fraud:deploy', 'model:fraud-model:deploy']);
});

test('parameters that are not names, or hold a wildcard, need a wildcard grant', () => {
  assert.deepEqual(needs(requirementFor('GET', '/api/v1/models/:m', { m: 'fraud*' })), ['model:*:read']);
  assert.deepEqual(needs(requirementFor('GET', '/api/v1/models/:m', { m: 'Bad Name' })), ['model:*:read']);
});

test('a route missing from the table fails closed', () => {
  assert.equal(findRoute('POST', '/api/v1/shutdown'), undefined);
  assert.deepEqual(needs(requirementFor('POST', '/api/v1/shutdown')), ['model:*:admin']);
});

test('every row parses, and rows are unique per method and shape', () => {
  for (const row of ROUTE_TABLE) {
    const params = Object.fromEntries([...row.url.matchAll(/:(\w+)/g)].map((m) => [m[1], 'x']));
    const req = requirementFor(row.method, row.url, params, { name: 'x', model: 'x', endpoint: 'x' });
    assert.equal(req.kind === 'public', row.requires === 'public', row.url);
    assert.equal(findRoute(row.method, row.url), row);
  }
});

test('authorize: anonymous gets MG_AUTH_REQUIRED, a missing permission MG_AUTH_FORBIDDEN naming it', () => {
  const roles = buildRoleTable();
  const viewer: Principal = { kind: 'api-key', id: 'key:abc', roles: ['viewer'], permissions: permissionsOfRoles(roles, ['viewer']) };
  const req = requirementFor('PUT', '/api/v1/models/:m/aliases/:alias', { m: 'fraud', alias: 'production' });
  assert.throws(() => authorize(ANONYMOUS, req), (err: unknown) => isModelgateError(err, 'MG_AUTH_REQUIRED'));
  assert.throws(() => authorize(viewer, req), (err: unknown) =>
    isModelgateError(err, 'MG_AUTH_FORBIDDEN') && err.context.permission === 'alias:production:set');
  authorize(ANONYMOUS, requirementFor('GET', '/v2'));
  authorize(viewer, requirementFor('GET', '/api/v1/models/:m', { m: 'fraud' }));
  assert.equal(actorOf(viewer), 'key:abc');
  assert.equal(actorOf(ANONYMOUS), 'anonymous');
});

test('permission matrix: every built-in role against every route', () => {
  const roles = buildRoleTable();
  const expectAllowed: Record<string, (r: (typeof ROUTE_TABLE)[number]) => boolean> = {
    viewer: (r) => r.requires === 'public' || r.requires.every((t) => t.endsWith(':read')),
    predictor: (r) => r.requires === 'public' || r.requires.every((t) => t === 'endpoint:{endpoint}:predict'),
    approver: (r) => r.requires === 'public' || r.requires.every((t) => t.endsWith(':read') || t.endsWith(':approve')),
    admin: () => true,
  };
  for (const [role, allowed] of Object.entries(expectAllowed)) {
    const principal: Principal = { kind: 'jwt', id: role, roles: [role], permissions: permissionsOfRoles(roles, [role]) };
    for (const row of ROUTE_TABLE) {
      const params = Object.fromEntries([...row.url.matchAll(/:(\w+)/g)].map((m) => [m[1], 'production']));
      const req = requirementFor(row.method, row.url, params, { name: 'x', model: 'x', endpoint: 'x' });
      let ok = true;
      try {
        authorize(principal, req);
      } catch (err) {
        assert.ok(isModelgateError(err, 'MG_AUTH_FORBIDDEN'), `${role} ${row.method} ${row.url}`);
        ok = false;
      }
      assert.equal(ok, allowed(row), `${role} ${row.method} ${row.url}`);
    }
  }
});

test('docs/security.md lists every route of the table with its requirement', () => {
  const docs = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
  for (const [method, url, requires] of routeTableRows()) {
    const cell = requires === 'public' ? 'public' : requires.split(' + ').map((p) => `\`${p}\``).join(' + ');
    assert.ok(docs.includes(`| ${method} | \`${url}\` | ${cell} |`), `${method} ${url}`);
  }
});
