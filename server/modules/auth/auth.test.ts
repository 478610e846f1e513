import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { apiKeyCacheTtlMs } from './auth.service.ts';

const password = 'a long enough password';

for (const dialect of testDialects) {
  describe(`auth (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    async function audit(action: string) {
      return (await t.runtime.api.audit.list({ action })).data;
    }

    it('offers first-run setup only while no user exists, and only once even when raced', async () => {
      assert.deepEqual((await t.request({ method: 'GET', url: '/api/setup' })).json(), { needed: true });
      const attempt = (i: number) =>
        t.request({
          method: 'POST',
          url: '/api/setup',
          payload: { email: `Owner${i}@Example.test`, name: 'Owner', password },
          remoteAddress: `10.9.0.${i}`,
        });
      const results = await Promise.all([1, 2, 3].map(attempt));
      const statuses = results.map((r) => r.statusCode).sort();
      assert.deepEqual(statuses, [201, 409, 409]);
      const created = results.find((r) => r.statusCode === 201)!;
      const body = created.json();
      assert.equal(body.user.role, 'admin');
      assert.match(body.user.email, /^owner\d@example\.test$/, 'email is trimmed and lower-cased');
      const cookie = created.cookies.find((c) => c.name === 'leadloop_session')!;
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Lax');
      assert.equal(cookie.secure, undefined, 'not Secure over plain HTTP');
      assert.equal(results.find((r) => r.statusCode === 409)!.json().error.code, 'SETUP_ALREADY_DONE');
      assert.deepEqual((await t.request({ method: 'GET', url: '/api/setup' })).json(), { needed: false });
      assert.equal((await audit('setup.completed')).length, 1);
    });

    it('signs in, reports the session, signs out and then refuses the old cookie', async () => {
      const me = await t.signIn('marketing', 'mia@example.test');
      const session = await t.request({ method: 'GET', url: '/api/auth/session', headers: me.headers });
      assert.equal(session.statusCode, 200);
      assert.equal(session.json().user.email, 'mia@example.test');
      assert.equal(session.json().csrfToken, me.headers['x-csrf-token']);
      const out = await t.request({ method: 'POST', url: '/api/auth/logout', headers: me.headers });
      assert.equal(out.statusCode, 204);
      const after = await t.request({ method: 'GET', url: '/api/auth/session', headers: me.headers });
      assert.equal(after.statusCode, 401);
      const actions = (await audit('auth.')).filter((e) => e.actor.id === me.userId).map((e) => e.action);
      assert.deepEqual(actions, ['auth.logout', 'auth.login']);
    });

    it('says the same thing for an unknown email and a wrong password, and audits both', async () => {
      await t.signIn('sales_rep', 'rick@example.test');
      const unknown = await t.request({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'nobody@example.test', password },
        remoteAddress: '10.8.0.1',
      });
      const wrong = await t.request({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'rick@example.test', password: 'not the password' },
        remoteAddress: '10.8.0.1',
      });
      assert.equal(unknown.statusCode, 401);
      assert.equal(wrong.statusCode, 401);
      assert.deepEqual(unknown.json(), wrong.json());
      const failures = await audit('auth.login_failed');
      assert.ok(
        failures.some(
          (f) => f.details.reason === 'unknown_email' && f.details.email === 'nobody@example.test',
        ),
      );
      assert.ok(
        failures.some(
          (f) => f.details.reason === 'wrong_password' && f.details.email === 'rick@example.test',
        ),
      );
    });

    it('locks an account after repeated failures, with Retry-After, then lets it in after the lock', async () => {
      const sam = await t.signIn('sales_manager', 'sam@example.test');
      const tryLogin = (pw: string, i: number) =>
        t.request({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: 'sam@example.test', password: pw },
          remoteAddress: `10.7.0.${i}`,
        });
      for (let i = 1; i <= 5; i++) assert.equal((await tryLogin('wrong password!', i)).statusCode, 401);
      const locked = await tryLogin(sam.password!, 6); // even the right password is refused now
      assert.equal(locked.statusCode, 429);
      assert.equal(locked.json().error.code, 'ACCOUNT_LOCKED');
      assert.equal(locked.headers['retry-after'], String(15 * 60));
      assert.equal((await audit('auth.locked')).length, 1);
      t.clock.advance(15 * 60_000 - 1000);
      assert.equal((await tryLogin(sam.password!, 7)).statusCode, 429);
      t.clock.advance(1001);
      assert.equal((await tryLogin(sam.password!, 8)).statusCode, 200);
    });

    it('rate-limits sign-in attempts per address with 429 and RateLimit headers', async () => {
      let last = await t.request({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'x@example.test', password: 'whatever' },
        remoteAddress: '10.6.0.1',
      });
      assert.equal(last.headers['ratelimit-limit'], '20');
      for (let i = 0; i < 20; i++) {
        last = await t.request({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: 'x@example.test', password: 'whatever' },
          remoteAddress: '10.6.0.1',
        });
      }
      assert.equal(last.statusCode, 429);
      assert.equal(last.json().error.code, 'RATE_LIMITED');
      assert.ok(Number(last.headers['retry-after']) > 0);
    });

    it('changes a password: the old one stops working and other sessions end', async () => {
      const phone = await t.signIn('marketing', 'pat@example.test');
      const laptop = await t.signInAs('pat@example.test', phone.password!);
      const wrong = await t.request({
        method: 'POST',
        url: '/api/auth/password',
        headers: phone.headers,
        payload: { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' },
      });
      assert.equal(wrong.statusCode, 422);
      assert.equal(wrong.json().error.code, 'CURRENT_PASSWORD_WRONG');
      const short = await t.request({
        method: 'POST',
        url: '/api/auth/password',
        headers: phone.headers,
        payload: { currentPassword: phone.password, newPassword: 'short' },
      });
      assert.equal(short.statusCode, 400);
      assert.equal(short.json().error.details[0].field, 'newPassword');
      const ok = await t.request({
        method: 'POST',
        url: '/api/auth/password',
        headers: phone.headers,
        payload: { currentPassword: phone.password, newPassword: 'a brand new passphrase' },
      });
      assert.equal(ok.statusCode, 204);
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/auth/session', headers: phone.headers })).statusCode,
        200,
      );
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/auth/session', headers: laptop.headers })).statusCode,
        401,
      );
      await assert.rejects(t.signInAs('pat@example.test', phone.password!), /401/);
      await t.signInAs('pat@example.test', 'a brand new passphrase');
    });

    it('deactivating a user ends their sessions; the last active admin cannot be demoted or deactivated', async () => {
      const admin = await t.signIn('admin', 'ada@example.test');
      const rep = await t.signIn('sales_rep', 'ron@example.test');
      const off = await t.request({
        method: 'PATCH',
        url: `/api/v1/users/${rep.userId}`,
        headers: admin.headers,
        payload: { active: false },
      });
      assert.equal(off.statusCode, 200);
      assert.equal(off.json().active, false);
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/auth/session', headers: rep.headers })).statusCode,
        401,
      );
      await assert.rejects(t.signInAs('ron@example.test', rep.password!), /401/);
      const events = (await audit('user.deactivated')).filter((e) => e.target?.id === rep.userId);
      assert.equal(events[0]?.details.sessionsEnded, 1);

      const others = (await t.runtime.api.auth.listUsers()).filter(
        (u) => u.role === 'admin' && u.active && u.id !== admin.userId,
      );
      assert.ok(others.length >= 1);
      for (const a of others) {
        const r = await t.request({
          method: 'PATCH',
          url: `/api/v1/users/${a.id}`,
          headers: admin.headers,
          payload: { role: 'marketing' },
        });
        assert.equal(r.statusCode, 200);
        assert.equal(r.json().role, 'marketing');
      }
      for (const payload of [{ active: false }, { role: 'sales_rep' }]) {
        const last = await t.request({
          method: 'PATCH',
          url: `/api/v1/users/${admin.userId}`,
          headers: admin.headers,
          payload,
        });
        assert.equal(last.statusCode, 422);
        assert.equal(last.json().error.code, 'LAST_ADMIN');
      }
      const roleChanges = await audit('user.role_changed');
      assert.equal(roleChanges.length, others.length);
    });

    it('creates users through the API with validation, and refuses a taken email', async () => {
      const admin = await t.signIn('admin');
      const bad = await t.request({
        method: 'POST',
        url: '/api/v1/users',
        headers: admin.headers,
        payload: { email: 'not-an-email', name: '', role: 'boss', password: 'short', extra: 1 },
      });
      assert.equal(bad.statusCode, 400);
      const fields = bad
        .json()
        .error.details.map((d: { field: string }) => d.field)
        .sort();
      assert.deepEqual(fields, ['email', 'extra', 'name', 'password', 'role']);
      const payload = { email: 'New.Person@example.test', name: 'New Person', role: 'sales_rep', password };
      const created = await t.request({
        method: 'POST',
        url: '/api/v1/users',
        headers: admin.headers,
        payload,
      });
      assert.equal(created.statusCode, 201);
      assert.equal(created.json().email, 'new.person@example.test');
      const again = await t.request({
        method: 'POST',
        url: '/api/v1/users',
        headers: admin.headers,
        payload,
      });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'USER_EMAIL_TAKEN');
    });

    it('creates an API key shown once, hashed at rest, usable until revoked, with its last use recorded', async () => {
      const admin = await t.signIn('admin');
      const created = await t.request({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: admin.headers,
        payload: { name: 'Website', scopes: ['leads:read', 'admin'] },
      });
      assert.equal(created.statusCode, 201);
      const { apiKey, secret } = created.json();
      assert.match(secret, /^llk_[\w-]{40,}$/);
      assert.ok(secret.startsWith(apiKey.prefix));
      const stored = await t.tdb.db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', apiKey.id)
        .executeTakeFirstOrThrow();
      assert.notEqual(stored.key_hash, secret);
      assert.ok(!JSON.stringify(stored).includes(secret.slice(10)), 'the secret is not stored');
      const listed = await t.request({ method: 'GET', url: '/api/v1/api-keys', headers: admin.headers });
      assert.ok(!listed.body.includes(secret.slice(10)), 'the list never shows the secret');

      const bearer = { authorization: `Bearer ${secret}` };
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/v1/users', headers: bearer })).statusCode,
        200,
      );
      const used = await t.request({ method: 'GET', url: '/api/v1/api-keys', headers: admin.headers });
      const usedKey = used.json().data.find((k: { id: string }) => k.id === apiKey.id);
      assert.equal(usedKey.lastUsedAt, new Date(t.clock.now()).toISOString());

      const revoked = await t.request({
        method: 'DELETE',
        url: `/api/v1/api-keys/${apiKey.id}`,
        headers: admin.headers,
      });
      assert.equal(revoked.statusCode, 200);
      assert.ok(revoked.json().revokedAt);
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/v1/users', headers: bearer })).statusCode,
        401,
      );
      const missing = await t.request({
        method: 'DELETE',
        url: '/api/v1/api-keys/key_nope',
        headers: admin.headers,
      });
      assert.equal(missing.statusCode, 404);
      const actions = (await audit('api_key.'))
        .filter((e) => e.target?.id === apiKey.id)
        .map((e) => e.action);
      assert.deepEqual(actions, ['api_key.revoked', 'api_key.created']);
    });

    it('refuses a key revoked by another process once the cache time has passed', async () => {
      const admin = await t.signIn('admin');
      const created = await t.request({
        method: 'POST',
        url: '/api/v1/api-keys',
        headers: admin.headers,
        payload: { name: 'Elsewhere', scopes: ['admin'] },
      });
      const { apiKey, secret } = created.json();
      const bearer = { authorization: `Bearer ${secret}` };
      const call = async () =>
        (await t.request({ method: 'GET', url: '/api/v1/users', headers: bearer })).statusCode;
      assert.equal(await call(), 200);
      // Another process (or the CLI) revokes it: this process does not hear of it.
      await t.tdb.db
        .updateTable('api_keys')
        .set({ revoked_at: t.clock.now() })
        .where('id', '=', apiKey.id)
        .execute();
      t.clock.advance(apiKeyCacheTtlMs);
      assert.equal(await call(), 401);
      t.clock.advance(apiKeyCacheTtlMs);
      assert.equal(await call(), 401);
    });

    it('lets admins read the audit log with filters and a cursor', async () => {
      const admin = await t.signIn('admin');
      const first = await t.request({
        method: 'GET',
        url: '/api/v1/audit-log?limit=2',
        headers: admin.headers,
      });
      assert.equal(first.statusCode, 200);
      assert.equal(first.json().data.length, 2);
      assert.ok(first.json().nextCursor);
      const second = await t.request({
        method: 'GET',
        url: `/api/v1/audit-log?limit=2&cursor=${first.json().nextCursor}`,
        headers: admin.headers,
      });
      const ids = [...first.json().data, ...second.json().data].map((e: { id: string }) => e.id);
      assert.equal(new Set(ids).size, 4);
      assert.deepEqual(ids, [...ids].sort().reverse());
      const logins = await t.request({
        method: 'GET',
        url: '/api/v1/audit-log?action=auth.login',
        headers: admin.headers,
      });
      assert.ok(logins.json().data.every((e: { action: string }) => e.action === 'auth.login'));
      const badCursor = await t.request({
        method: 'GET',
        url: '/api/v1/audit-log?cursor=zzz',
        headers: admin.headers,
      });
      assert.equal(badCursor.statusCode, 400);
      assert.equal(badCursor.json().error.details[0].field, 'cursor');
    });
  });
}
