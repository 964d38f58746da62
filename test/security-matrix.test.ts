/**
 * Every role against every route Fastify registers, over app.inject(): 401
 * without credentials, 403 naming the permission when the role lacks it, and
 * neither when it holds it (the handler may still answer 404 or 400 for the
 * harmless parameter values: authorisation passing is what is checked). The
 * expected outcome comes from the role's permissions and the route table.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { securedRoutes } from '../src/http/security.ts';
import { formatPermission, isGranted } from '../src/security/permissions.ts';
import { buildRoleTable, permissionsOfRoles } from '../src/security/roles.ts';
import { findRoute, requirementFor } from '../src/security/route-table.ts';
import { fillRoute, makeSecuredApp, ROLES, type SecuredApp } from './support/security.ts';

let s: SecuredApp;
before(async () => {
  s = await makeSecuredApp();
});
after(async () => s.close());

const BODY = { name: 'x1', model: 'x1', endpoint: 'x1' };
const hasBody = (method: string): boolean => method === 'POST' || method === 'PUT' || method === 'PATCH';
const isDataPlane = (url: string): boolean => /^\/(v1|v2|endpoints)\//.test(url);

function paramsOf(url: string): Record<string, string> {
  const path = fillRoute(url).split('/');
  const pattern = url.split('/');
  const out: Record<string, string> = {};
  pattern.forEach((seg, i) => {
    const m = /^:([A-Za-z_]\w*)$/.exec(seg);
    if (m) out[m[1]] = path[i];
  });
  return out;
}

test('every route Fastify registers has a row in the route table', () => {
  const routes = securedRoutes(s.app).filter((r) => r.method !== 'HEAD');
  assert.ok(routes.length > 40, `only ${routes.length} routes seen`);
  const missing = routes.filter((r) => !findRoute(r.method, r.url)).map((r) => `${r.method} ${r.url}`);
  assert.deepEqual(missing, [], 'add these routes to src/security/route-table.ts');
});

test('permission matrix: 401 without credentials, 403 without the permission, through with it', async () => {
  const roles = buildRoleTable();
  const routes = securedRoutes(s.app).filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
  for (const { method, url } of routes) {
    const path = fillRoute(url);
    const payload = hasBody(method) ? BODY : undefined;
    const requirement = requirementFor(method, url, paramsOf(url), payload);
    const call = (headers: Record<string, string>) => s.app.inject({ method: method as 'GET', url: path, headers, ...(payload ? { payload } : {}) });

    const anonymous = await call({});
    if (requirement.kind === 'public') {
      assert.ok(anonymous.statusCode !== 401 && anonymous.statusCode !== 403, `${method} ${url} is public but answered ${anonymous.statusCode}`);
      continue;
    }
    assert.equal(anonymous.statusCode, 401, `${method} ${url} without credentials`);
    const body = anonymous.json() as { error: string; code?: string };
    assert.equal(typeof body.error, 'string');
    if (isDataPlane(url)) assert.equal(body.code, undefined, `${method} ${url}: the data plane keeps its {error} shape`);
    else assert.equal(body.code, 'MG_AUTH_REQUIRED');

    for (const role of ROLES) {
      const perms = permissionsOfRoles(roles, [role]);
      const missing = requirement.all.find((p) => !isGranted(perms, p));
      const res = await call({ authorization: `Bearer ${s.keys[role]}` });
      const where = `${role} ${method} ${url} → ${res.statusCode} ${res.body.slice(0, 200)}`;
      if (missing) {
        assert.equal(res.statusCode, 403, where);
        assert.ok(res.json<{ error: string }>().error.includes(formatPermission(missing)), where);
      } else {
        assert.ok(res.statusCode !== 401 && res.statusCode !== 403, where);
      }
    }
  }
});

test('x-api-key works as well as Authorization, and the actor is the key', async () => {
  const res = await s.app.inject({ method: 'POST', url: '/api/v1/models', headers: { 'x-api-key': s.keys.admin }, payload: { name: 'actor-check' } });
  assert.equal(res.statusCode, 201, res.body);
  const history = await s.services.registry.history('actor-check');
  const prefix = s.keys.admin.split('_')[1];
  assert.equal(history.items[0].actor, `key:${prefix}`);
});

test('separation of duties: an approver cannot approve a version registered under their own name', async () => {
  // The registry refuses self-approval by actor name; over HTTP the actor is the key, so the same key registering and approving is refused.
  const admin = { authorization: `Bearer ${s.keys.admin}` };
  const { readFile } = await import('node:fs/promises');
  const { fixture, multipart } = await import('./support/app.ts');
  const form = multipart({}, await readFile(fixture('iris_logreg')));
  const reg = await s.app.inject({ method: 'POST', url: '/api/v1/models/sod/versions', headers: { ...admin, ...form.headers }, payload: form.payload });
  assert.equal(reg.statusCode, 201, reg.body);
  const self = await s.app.inject({ method: 'POST', url: '/api/v1/models/sod/versions/1/approvals', headers: admin, payload: { alias: 'production', decision: 'approved' } });
  assert.equal(self.statusCode, 403, self.body);
  assert.equal(self.json<{ code: string }>().code, 'MG_REGISTRY_SELF_APPROVAL');
  const other = await s.app.inject({ method: 'POST', url: '/api/v1/models/sod/versions/1/approvals', headers: { authorization: `Bearer ${s.keys.approver}` }, payload: { alias: 'production', decision: 'approved' } });
  assert.equal(other.statusCode, 201, other.body);
});
