/**
 * Every route declares who may call it, and the declaration is enforced: 401 without
 * credentials, 403 with the wrong role or scope, through with the right one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RouteOptions } from 'fastify';
import { type Role, roles, type Scope, scopes } from '../../../contracts/auth.ts';
import { buildApp } from '../../app.ts';
import { createTestApp, type TestApp, testConfig } from '../../test-support/app.ts';
import { createTestDatabase, testDialects } from '../../test-support/db.ts';
import { testLogger } from '../../test-support/logger.ts';
import { allows } from './access.ts';

function concrete(url: string): string {
  return url.replace(/:(\w+)/g, 'x_$1_0000').replace(/\*$/, 'anything');
}

function methodsOf(route: RouteOptions): string[] {
  return [route.method].flat().filter((m) => m !== 'HEAD' && m !== 'OPTIONS');
}

describe('route access declarations', () => {
  it('refuses to start when a route declares no access', async () => {
    const tdb = await createTestDatabase('sqlite');
    const app = await buildApp(testConfig(), { database: tdb, logger: testLogger });
    app.get('/api/v1/undeclared', async () => ({ ok: true }));
    await assert.rejects(async () => {
      await app.ready();
    }, /Routes without an access declaration: GET \/api\/v1\/undeclared/);
    await app.close();
    await tdb.cleanup();
  });
});

for (const dialect of testDialects) {
  describe(`auth matrix over every route (${dialect})`, () => {
    let t: TestApp;
    const asRole = new Map<Role, Awaited<ReturnType<TestApp['signIn']>>>();
    const asScope = new Map<Scope, Awaited<ReturnType<TestApp['apiKey']>>>();
    before(async () => {
      t = await createTestApp(dialect);
      for (const role of roles) asRole.set(role, await t.signIn(role));
      for (const scope of scopes) asScope.set(scope, await t.apiKey([scope]));
    });
    after(async () => t.close());

    it('has an access rule on every registered route', () => {
      const routes = t.app.registeredRoutes();
      assert.ok(routes.length > 15, `expected many routes, found ${routes.length}`);
      const missing = routes.filter((r) => !r.config?.access).map((r) => `${r.method} ${r.url}`);
      assert.deepEqual(missing, []);
    });

    it('answers 401, 403 or lets through exactly as each route declares', async () => {
      const protectedRoutes = t.app
        .registeredRoutes()
        .filter((r) => r.config?.access?.kind === 'protected')
        // Signing out ends the caller's session; its access is checked in auth.test.ts.
        .filter((r) => r.url !== '/api/auth/logout')
        .flatMap((r) => methodsOf(r).map((method) => ({ method, url: r.url, rule: r.config!.access! })));
      assert.ok(protectedRoutes.length >= 10, `only ${protectedRoutes.length} protected routes`);
      const failures: string[] = [];
      let checks = 0;
      for (const { method, url, rule } of protectedRoutes) {
        const target = concrete(url);
        const send = async (headers: Record<string, string>) =>
          t.request({
            method: method as 'GET',
            url: target,
            headers,
            ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
          });
        const anonymous = await send({});
        checks++;
        if (anonymous.statusCode !== 401)
          failures.push(`${method} ${url} anonymous → ${anonymous.statusCode}`);
        for (const role of roles) {
          const caller = asRole.get(role)!;
          const res = await send(caller.headers);
          checks++;
          const expected = allows(rule, { kind: 'user', role } as never);
          const denied = res.statusCode === 403 && res.json().error.code === 'FORBIDDEN';
          if (expected === denied || res.statusCode === 401) {
            failures.push(
              `${method} ${url} as ${role} → ${res.statusCode} (expected ${expected ? 'through' : '403'})`,
            );
          }
        }
        for (const scope of scopes) {
          const caller = asScope.get(scope)!;
          const res = await send(caller.headers);
          checks++;
          const expected = allows(rule, { kind: 'apiKey', scopes: [scope] } as never);
          const denied = res.statusCode === 403;
          if (expected === denied || res.statusCode === 401) {
            failures.push(
              `${method} ${url} with key ${scope} → ${res.statusCode} (expected ${expected ? 'through' : '403'})`,
            );
          }
        }
      }
      assert.deepEqual(failures, []);
      assert.ok(checks > 100);
    });

    it('rejects a cookie-authenticated write without the CSRF token', async () => {
      const admin = asRole.get('admin')!;
      const { cookie } = admin.headers;
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: { cookie: cookie! },
        payload: { name: 'x', scopes: ['leads:read'] },
      });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'CSRF_FAILED');
      const wrong = await t.request({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: { cookie: cookie!, 'x-csrf-token': 'not-the-token' },
        payload: { name: 'x', scopes: ['leads:read'] },
      });
      assert.equal(wrong.json().error.code, 'CSRF_FAILED');
      const ok = await t.request({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: admin.headers,
        payload: { name: 'x', scopes: ['leads:read'] },
      });
      assert.equal(ok.statusCode, 201);
    });

    it('does not need a CSRF token with an API key (no ambient credentials)', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: asScope.get('admin')!.headers,
        payload: { name: 'made by key', scopes: ['capture'] },
      });
      assert.equal(res.statusCode, 201);
    });

    it('answers 401 for a malformed or unknown bearer token, even with a valid cookie', async () => {
      for (const authorization of ['Bearer nope', 'Bearer llk_unknown', 'Basic abc']) {
        const res = await t.request({
          method: 'GET',
          url: '/api/v1/users',
          headers: { ...asRole.get('admin')!.headers, authorization },
        });
        assert.equal(res.statusCode, 401, authorization);
        assert.equal(res.json().error.code, 'UNAUTHENTICATED');
      }
    });
  });
}
