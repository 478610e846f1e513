/** The HTTP platform: error bodies, bad input, idempotency keys, readiness, headers, OpenAPI, shutdown. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import Type from 'typebox';
import { errorCatalogue } from '../../../contracts/errors.ts';
import { buildApp } from '../../app.ts';
import { createTestApp, type TestApp, testConfig } from '../../test-support/app.ts';
import { createTestDatabase, testDialects } from '../../test-support/db.ts';
import { testLogger } from '../../test-support/logger.ts';
import { access } from './access.ts';

for (const dialect of testDialects) {
  describe(`http platform (${dialect})`, () => {
    let t: TestApp;
    let admin: Awaited<ReturnType<TestApp['signIn']>>;
    let slowStarted: () => void = () => {};
    let release: () => void = () => {};
    before(async () => {
      t = await createTestApp(dialect, {
        configure(app) {
          app.get('/api/test/boom', { config: { access: access.public('test') } }, async () => {
            throw new Error('secret internals: password=hunter2');
          });
          app.post(
            '/api/test/echo',
            {
              config: { access: access.public('test') },
              schema: {
                body: Type.Object(
                  { name: Type.String({ maxLength: 100 }), n: Type.Integer() },
                  { additionalProperties: false },
                ),
              },
            },
            async (request, reply) => reply.status(201).send({ got: request.body, at: Math.random() }),
          );
          app.get('/api/test/slow', { config: { access: access.public('test') } }, async () => {
            slowStarted();
            await new Promise<void>((r) => {
              release = r;
            });
            return { done: true };
          });
        },
      });
      admin = await t.signIn('admin');
    });
    after(async () => {
      if (t) await t.close().catch(() => {});
    });

    it('answers an unexpected failure with a 500 that says nothing internal', async () => {
      const res = await t.request({ method: 'GET', url: '/api/test/boom' });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(res.json(), {
        error: { code: 'INTERNAL', message: 'Something went wrong on our side.' },
      });
      assert.ok(!res.body.includes('hunter2'));
    });

    it('names the field and the rule for bad input, never a 5xx', async () => {
      const cases: { payload: string; type?: string; code: string; status: number; field?: string }[] = [
        { payload: '{"name": "x", "n": 1', code: 'INVALID_JSON', status: 400 },
        { payload: '', code: 'INVALID_JSON', status: 400 },
        { payload: '{"name": "x", "n": "1"}', code: 'VALIDATION_FAILED', status: 400, field: 'n' },
        {
          payload: '{"name": "x", "n": 1, "admin": true}',
          code: 'VALIDATION_FAILED',
          status: 400,
          field: 'admin',
        },
        { payload: '{"n": 1}', code: 'VALIDATION_FAILED', status: 400, field: 'name' },
        {
          payload: JSON.stringify({ name: 'x'.repeat(100_001), n: 1 }),
          code: 'VALIDATION_FAILED',
          status: 400,
          field: 'name',
        },
        { payload: '[1,2]', code: 'VALIDATION_FAILED', status: 400, field: 'body' },
        {
          payload: 'name=x',
          type: 'application/x-www-form-urlencoded',
          code: 'UNSUPPORTED_MEDIA_TYPE',
          status: 415,
        },
        {
          payload: JSON.stringify({ name: 'y'.repeat(2_000_000), n: 1 }),
          code: 'PAYLOAD_TOO_LARGE',
          status: 413,
        },
      ];
      for (const c of cases) {
        const res = await t.request({
          method: 'POST',
          url: '/api/test/echo',
          payload: c.payload,
          headers: { 'content-type': c.type ?? 'application/json' },
        });
        assert.equal(res.statusCode, c.status, `${c.payload.slice(0, 40)} → ${res.body.slice(0, 200)}`);
        assert.equal(res.json().error.code, c.code);
        if (c.field) assert.equal(res.json().error.details[0].field, c.field);
      }
    });

    it('answers unknown API paths with a 404 error body, and unknown app paths with the web app', async () => {
      const api = await t.request({ method: 'GET', url: '/api/v1/nothing-here' });
      assert.equal(api.statusCode, 404);
      assert.equal(api.json().error.code, 'NOT_FOUND');
      const page = await t.request({ method: 'GET', url: '/settings/users' });
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'] as string, /text\/html/);
      const asset = await t.request({ method: 'GET', url: '/assets/missing-file.js' });
      assert.equal(asset.statusCode, 404);
    });

    it('sets security headers and echoes a request id', async () => {
      const res = await t.request({
        method: 'GET',
        url: '/api/health',
        headers: { 'x-request-id': 'trace-123' },
      });
      assert.equal(res.headers['x-request-id'], 'trace-123');
      assert.match(res.headers['content-security-policy'] as string, /default-src 'self'/);
      assert.match(res.headers['content-security-policy'] as string, /frame-ancestors 'none'/);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      const generated = await t.request({
        method: 'GET',
        url: '/api/health',
        headers: { 'x-request-id': 'bad id!' },
      });
      assert.match(generated.headers['x-request-id'] as string, /^req_/);
    });

    it('replays the first response for a repeated Idempotency-Key and refuses it for another body', async () => {
      const send = (payload: object, key: string, headers = {}) =>
        t.request({
          method: 'POST',
          url: '/api/test/echo',
          payload,
          headers: { 'idempotency-key': key, ...headers },
        });
      const first = await send({ name: 'a', n: 1 }, 'k-1');
      const again = await send({ name: 'a', n: 1 }, 'k-1');
      assert.equal(first.statusCode, 201);
      assert.equal(again.statusCode, 201);
      assert.equal(again.body, first.body, 'the same body, not a second run (it holds a random number)');
      assert.equal(again.headers['idempotent-replayed'], 'true');
      const other = await send({ name: 'b', n: 2 }, 'k-1');
      assert.equal(other.statusCode, 422);
      assert.equal(other.json().error.code, 'IDEMPOTENCY_KEY_REUSED');
      // Keys belong to their caller: the same key from someone else acts anew.
      const elsewhere = await t.request({
        method: 'POST',
        url: '/api/test/echo',
        payload: { name: 'a', n: 1 },
        headers: { 'idempotency-key': 'k-1' },
        remoteAddress: '10.1.2.3',
      });
      assert.notEqual(elsewhere.body, first.body);
      // After 24 hours the key may be used again.
      t.clock.advance(24 * 3600_000 + 1);
      const later = await send({ name: 'a', n: 1 }, 'k-1');
      assert.notEqual(later.body, first.body);
      assert.equal(later.headers['idempotent-replayed'], undefined);
    });

    it('does not remember a request that failed validation under an Idempotency-Key', async () => {
      const bad = await t.request({
        method: 'POST',
        url: '/api/test/echo',
        payload: { name: 'a' },
        headers: { 'idempotency-key': 'k-2' },
      });
      assert.equal(bad.statusCode, 400);
      const good = await t.request({
        method: 'POST',
        url: '/api/test/echo',
        payload: { name: 'a', n: 5 },
        headers: { 'idempotency-key': 'k-2' },
      });
      assert.equal(good.statusCode, 201);
    });

    it('publishes an OpenAPI document where every operation states who may call it', async () => {
      const res = await t.request({ method: 'GET', url: '/api/openapi.json' });
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      assert.equal(doc.openapi, '3.1.0');
      const ops = Object.entries(
        doc.paths as Record<string, Record<string, { description?: string; security?: unknown[] }>>,
      ).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
      assert.ok(ops.length >= 15);
      for (const { path, method, op } of ops) {
        assert.match(op.description ?? '', /Requires|Public:/, `${method} ${path} says who may call it`);
      }
      const users = doc.paths['/api/v1/users'].get;
      assert.deepEqual(users.security, [{ session: [] }, { apiKey: ['admin'] }]);
      assert.ok(!doc.paths['/api/test/boom'], 'untagged routes stay out of the document');
      const ui = await t.request({ method: 'GET', url: '/api/docs/' });
      assert.equal(ui.statusCode, 200);
      assert.match(ui.body, /swagger/i);
    });

    it('lists every error code in docs/errors.md', () => {
      const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
      for (const [code, spec] of Object.entries(errorCatalogue)) {
        assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${spec.status} \\|`), `${code} is documented`);
      }
    });

    it('shows dead-lettered jobs to admins, who can retry them', async () => {
      const res = await t.request({ method: 'GET', url: '/api/v1/jobs?status=dead', headers: admin.headers });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json().data, []);
      const missing = await t.request({
        method: 'POST',
        url: '/api/v1/jobs/job_nope/retry',
        headers: admin.headers,
      });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'JOB_NOT_FOUND');
    });

    it('is ready when migrated, and finishes in-flight requests on close', async () => {
      assert.equal((await t.request({ method: 'GET', url: '/api/ready' })).statusCode, 200);
      const started = new Promise<void>((r) => {
        slowStarted = r;
      });
      const inflight = t.request({ method: 'GET', url: '/api/test/slow' });
      await started;
      const closing = t.app.close();
      await new Promise((r) => setTimeout(r, 50));
      release();
      const res = await inflight;
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { done: true });
      await closing;
    });
  });
}

describe('readiness', () => {
  it('answers 503 NOT_READY naming the migration when one is pending', async () => {
    const tdb = await createTestDatabase('sqlite');
    const { rows } = await sql<{
      name: string;
    }>`select name from kysely_migration order by name desc limit 1`.execute(tdb.db);
    const latest = rows[0];
    await sql`delete from kysely_migration where name = ${latest!.name}`.execute(tdb.db);
    const app = await buildApp(testConfig(), { database: tdb, logger: testLogger, migrate: false });
    const res = await app.inject({ method: 'GET', url: '/api/ready' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'NOT_READY');
    assert.match(res.json().error.message, new RegExp(String(latest!.name)));
    assert.equal((await app.inject({ method: 'GET', url: '/api/health' })).statusCode, 200);
    await app.close();
    await tdb.cleanup();
  });
});
