import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import fc from 'fast-check';
import { createRuntime } from '../../runtime.ts';
import { type Caller, createTestApp, type TestApp, testConfig } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { testLogger } from '../../test-support/logger.ts';
import { signatureHeader, verifySignature } from './signature.ts';
import { type Receiver, startReceiver } from './webhooks.receiver.ts';

describe('webhook signatures', () => {
  const now = Date.UTC(2026, 10, 22, 9, 0, 0);
  const body = '{"id":"evt_1","type":"lead.created"}';

  it('accepts what was signed with the secret, within the tolerance', () => {
    const header = signatureHeader('whsec_a', now, body);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.deepEqual(verifySignature({ header, body, secret: 'whsec_a', nowMs: now + 299_000 }), {
      ok: true,
      timestamp: Math.floor(now / 1000),
    });
  });

  it('refuses a forged, re-signed, expired or missing signature', () => {
    const header = signatureHeader('whsec_a', now, body);
    const v = (h: string | undefined, b = body, at = now, secret = 'whsec_a') =>
      verifySignature({ header: h, body: b, secret, nowMs: at });
    assert.deepEqual(v(header, body, now, 'whsec_b'), { ok: false, reason: 'signature does not match' });
    assert.deepEqual(v(header, body.replace('created', 'updated')), {
      ok: false,
      reason: 'signature does not match',
    });
    assert.deepEqual(v(header, body, now + 301_000), {
      ok: false,
      reason: 'timestamp outside the tolerance',
    });
    assert.deepEqual(v(header, body, now - 301_000), {
      ok: false,
      reason: 'timestamp outside the tolerance',
    });
    // Changing the timestamp in the header (to pass the tolerance) breaks the signature.
    const t = Math.floor(now / 1000);
    assert.equal(v(header.replace(`t=${t}`, `t=${t + 600}`), body, now + 600_000).ok, false);
    assert.deepEqual(v(undefined), { ok: false, reason: 'no signature header' });
    assert.deepEqual(v(`t=${t}`), { ok: false, reason: 'no v1 signature' });
    assert.deepEqual(v('v1=abcd'), { ok: false, reason: 'no timestamp' });
  });

  it('verifies exactly the bodies it signed (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string({ minLength: 1 }), (a, b, secret) => {
        const header = signatureHeader(secret, now, a);
        assert.equal(verifySignature({ header, body: a, secret, nowMs: now }).ok, true);
        assert.equal(verifySignature({ header, body: b, secret, nowMs: now }).ok, a === b);
      }),
    );
  });
});

for (const dialect of testDialects) {
  describe(`webhooks (${dialect})`, () => {
    let t: TestApp;
    let admin: Caller;
    let receiver: Receiver;
    const secrets = new Map<string, string>();
    let currentSecret: string | undefined;

    before(async () => {
      t = await createTestApp(dialect);
      admin = await t.signIn('admin');
      receiver = await startReceiver({ secret: () => currentSecret, now: () => t.clock.now() });
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });

    beforeEach(async () => {
      await removeAll();
    });

    const worker = () => t.runtime.createJobWorker({ concurrency: 4 });
    async function drain() {
      return worker().drain();
    }
    /** Moves the clock past any backoff (at most an hour) and runs what is due. */
    async function laterRound() {
      t.clock.advance(3600_000 + 1);
      return drain();
    }

    async function subscribe(events: string[], url = receiver.url) {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: admin.headers,
        payload: { url, events, description: 'CRM sync' },
      });
      assert.equal(res.statusCode, 201, res.body);
      const { subscription, secret } = res.json();
      secrets.set(subscription.id, secret);
      currentSecret = secret;
      return subscription as { id: string };
    }
    async function removeAll() {
      for (const s of (
        await t.request({ method: 'GET', url: '/api/v1/webhooks', headers: admin.headers })
      ).json().data) {
        await t.request({ method: 'DELETE', url: `/api/v1/webhooks/${s.id}`, headers: admin.headers });
      }
      await drain();
      receiver.received.length = 0;
      receiver.answer(200);
    }
    async function createLead(email: string) {
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/leads',
        headers: admin.headers,
        payload: { email, firstName: 'Ada' },
      });
      assert.ok(res.statusCode === 201 || res.statusCode === 200, res.body);
      return res.json().id as string;
    }
    async function deliveries(subId: string, query = '') {
      const res = await t.request({
        method: 'GET',
        url: `/api/v1/webhooks/${subId}/deliveries${query}`,
        headers: admin.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().data as { id: string; status: string; attempts: number; eventType: string }[];
    }

    it('is not for sales roles, and refuses bad targets naming the field', async () => {
      const rep = await t.signIn('sales_rep');
      const denied = await t.request({ method: 'GET', url: '/api/v1/webhooks', headers: rep.headers });
      assert.equal(denied.statusCode, 403);
      const post = (payload: Record<string, unknown>) =>
        t.request({ method: 'POST', url: '/api/v1/webhooks', headers: admin.headers, payload });
      for (const url of [
        'http://example.com/hook',
        'ftp://example.com/x',
        'not a url',
        'https://u:p@example.com/',
      ]) {
        const res = await post({ url, events: ['lead.created'] });
        assert.equal(res.statusCode, 422, url);
        assert.equal(res.json().error.code, 'WEBHOOK_URL_INVALID');
        assert.equal(res.json().error.details[0].field, 'url');
      }
      const noEvents = await post({ url: 'https://example.com/hook', events: [] });
      assert.equal(noEvents.statusCode, 400);
      const unknown = await post({ url: 'https://example.com/hook', events: ['lead.exploded'] });
      assert.equal(unknown.statusCode, 400);
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/v1/webhooks', headers: admin.headers })).json().data
          .length,
        0,
      );
      const ok = await post({ url: 'https://hooks.example.com/in', events: ['deal.won'] });
      assert.equal(ok.statusCode, 201);
      assert.match(ok.json().secret, /^whsec_/);
      const got = await t.request({
        method: 'GET',
        url: `/api/v1/webhooks/${ok.json().subscription.id}`,
        headers: admin.headers,
      });
      assert.equal(got.json().url, 'https://hooks.example.com/in');
      assert.equal('secret' in got.json(), false);
      await removeAll();
    });

    it('a lead upsert sends exactly one signed lead.created; an edit sends lead.updated', async () => {
      const sub = await subscribe(['lead.created', 'lead.updated']);
      const leadId = await createLead('one@example.test');
      // A second upsert that changes nothing sends nothing.
      await createLead('one@example.test');
      assert.equal(await drain(), 1);
      assert.equal(receiver.received.length, 1);
      const [got] = receiver.received;
      assert.equal(got!.verified, true, got!.reason ?? '');
      assert.equal(got!.event, 'lead.created');
      assert.equal(got!.body.type, 'lead.created');
      assert.deepEqual((got!.body.data as { lead: { id: string; email: string } }).lead.id, leadId);
      assert.equal((got!.body.data as { lead: { email: string } }).lead.email, 'one@example.test');
      const [delivery] = await deliveries(sub.id);
      assert.equal(got!.deliveryId, delivery!.id);
      assert.equal(delivery!.status, 'delivered');
      assert.equal(delivery!.attempts, 1);

      const patch = await t.request({
        method: 'PATCH',
        url: `/api/v1/leads/${leadId}`,
        headers: admin.headers,
        payload: { jobTitle: 'CTO' },
      });
      assert.equal(patch.statusCode, 200, patch.body);
      await drain();
      assert.deepEqual(
        receiver.received.map((r) => r.event),
        ['lead.created', 'lead.updated'],
      );
      assert.equal((receiver.received[1]!.body.data as { lead: { jobTitle: string } }).lead.jobTitle, 'CTO');
      assert.equal(receiver.received[1]!.verified, true);
      await removeAll();
    });

    it('merges, their undo, erasures and deletions go out with ids only', async () => {
      await subscribe(['lead.merged', 'lead.unmerged', 'lead.erased', 'lead.deleted']);
      const survivor = await createLead('keep@merge.example');
      const merged = await createLead('gone@merge.example');
      const call = async (method: 'POST' | 'DELETE', url: string, payload?: object) => {
        const res = await t.request({ method, url, headers: admin.headers, ...(payload ? { payload } : {}) });
        assert.ok(res.statusCode < 300, `${url}: ${res.body}`);
        return res.statusCode === 204 ? null : res.json();
      };
      const { merge } = await call('POST', `/api/v1/leads/${survivor}/merge`, { mergedId: merged });
      await call('POST', `/api/v1/lead-merges/${merge.id}/undo`);
      await call('POST', `/api/v1/leads/${survivor}/merge`, { mergedId: merged });
      // Erasing the survivor erases the lead merged into it too: one event each.
      await call('POST', `/api/v1/leads/${survivor}/erase`);
      const other = await createLead('other@merge.example');
      await call('DELETE', `/api/v1/leads/${other}`);
      await drain();
      assert.ok(receiver.received.every((r) => r.verified));
      // Deliveries run concurrently: in the order the events were published (ids sort by time).
      const got = [...receiver.received]
        .sort((a, b) => String(a.body.id).localeCompare(String(b.body.id)))
        .map((r) => [r.event, r.body.data]);
      const ids = { survivorId: survivor, mergedId: merged };
      assert.deepEqual(
        got.map(([type, data]) => [type, { ...(data as object), mergeId: undefined }]),
        [
          ['lead.merged', { ...ids, mergeId: undefined }],
          ['lead.unmerged', { ...ids, mergeId: undefined }],
          ['lead.merged', { ...ids, mergeId: undefined }],
          ['lead.erased', { leadId: survivor, mergeId: undefined }],
          ['lead.erased', { leadId: merged, mergeId: undefined }],
          ['lead.deleted', { leadId: other, mergeId: undefined }],
        ],
      );
      assert.equal((got[0]![1] as { mergeId: string }).mergeId, merge.id);
      assert.ok(!JSON.stringify(receiver.received.map((r) => r.body)).includes('@merge.example'));
      await removeAll();
    });

    it('stage changes and MQLs go out as lead.stage_changed and lead.mql, with the history they made', async () => {
      const sub = await subscribe(['lead.stage_changed', 'lead.mql']);
      const leadId = await createLead('stages@example.test');
      const moved = await t.request({
        method: 'POST',
        url: `/api/v1/leads/${leadId}/stage`,
        headers: admin.headers,
        payload: { to: 'mql', reason: 'Asked for a demo on the phone' },
      });
      assert.equal(moved.statusCode, 200, moved.body);
      await drain();
      assert.deepEqual(receiver.received.map((r) => r.event).sort(), ['lead.mql', 'lead.stage_changed']);
      for (const r of receiver.received) {
        assert.equal(r.verified, true, r.reason ?? '');
        const data = r.body.data as { leadId: string; from: string; to: string; eventId: string };
        assert.equal(data.leadId, leadId);
        assert.equal(data.from, 'lead');
        assert.equal(data.to, 'mql');
        assert.match(data.eventId, /^evt_/);
      }
      assert.equal((await deliveries(sub.id)).length, 2);
      await removeAll();
    });

    it('publishes nothing for a rolled-back change', async () => {
      const sub = await subscribe(['lead.created']);
      await assert.rejects(
        t.tdb.db.transaction().execute(async (tx) => {
          const [r] = await t.runtime.api.leads.resolveBatch(
            tx,
            [{ input: { email: 'gone@example.test' } }],
            {
              source: 'api',
              actor: { type: 'system', label: 'test' },
            },
          );
          assert.equal(r!.status, 'created');
          throw new Error('the caller fails after the write');
        }),
        /caller fails/,
      );
      assert.equal((await deliveries(sub.id)).length, 0);
      assert.equal(await drain(), 0);
      assert.equal(receiver.received.length, 0);
      await removeAll();
    });

    it('a receiver down for a while (503, then port closed) gets every event once it is back', async () => {
      const sub = await subscribe(['lead.created']);
      receiver.answer(503);
      const ids = [await createLead('d1@example.test'), await createLead('d2@example.test')];
      assert.equal(await drain(), 2);
      assert.equal(await laterRound(), 2);
      await receiver.down();
      ids.push(await createLead('d3@example.test'));
      await drain();
      await laterRound();
      await laterRound();
      assert.equal(receiver.received.length, 0);
      let list = await deliveries(sub.id);
      assert.deepEqual(
        list.map((d) => d.status),
        ['pending', 'pending', 'pending'],
      );
      const detail = await t.request({
        method: 'GET',
        url: `/api/v1/webhooks/${sub.id}/deliveries/${list.at(-1)!.id}`,
        headers: admin.headers,
      });
      const attempts = detail.json().attempts as { statusCode: number | null; error: string; ok: boolean }[];
      assert.equal(attempts[0]!.statusCode, 503);
      assert.equal(attempts.at(-1)!.statusCode, null);
      assert.ok(attempts.every((a) => !a.ok));
      await receiver.up();
      receiver.answer(200);
      await laterRound();
      await laterRound();
      list = await deliveries(sub.id);
      assert.deepEqual(
        list.map((d) => d.status),
        ['delivered', 'delivered', 'delivered'],
      );
      const leadIds = receiver.received.map((r) => (r.body.data as { lead: { id: string } }).lead.id).sort();
      assert.deepEqual(leadIds, [...ids].sort());
      assert.ok(receiver.received.every((r) => r.verified));
      assert.equal(new Set(receiver.received.map((r) => r.deliveryId)).size, 3);
      await removeAll();
    });

    it('disables a subscription after 5 failed deliveries in a row; an admin re-enables it', async () => {
      const sub = await subscribe(['lead.created']);
      receiver.answer(500);
      for (let i = 0; i < 5; i++) await createLead(`fail${i}@example.test`);
      await drain();
      for (let round = 0; round < 12; round++) await laterRound();
      const list = await deliveries(sub.id);
      assert.deepEqual(
        list.map((d) => [d.status, d.attempts]),
        Array(5).fill(['failed', 12]),
      );
      const failed = await deliveries(sub.id, '?status=failed&limit=2');
      assert.equal(failed.length, 2);
      let got = (
        await t.request({ method: 'GET', url: `/api/v1/webhooks/${sub.id}`, headers: admin.headers })
      ).json();
      assert.equal(got.active, false);
      assert.match(got.disabledReason, /5 failed deliveries in a row/);
      // The admins are told: in the bell, and by email.
      const told = (
        await t.request({ method: 'GET', url: '/api/v1/notifications', headers: admin.headers })
      ).json().data as { kind: string; title: string; body: string }[];
      const note = told.find((n) => n.kind === 'webhook.disabled');
      assert.ok(note, 'the admin has a webhook.disabled notification');
      assert.equal(note.title, `Webhook to ${new URL(receiver.url).host} turned off`);
      assert.match(note.body, /failed 5 deliveries in a row/);
      const mails = (
        await t.request({ method: 'GET', url: '/api/v1/mail/outbox', headers: admin.headers })
      ).json().data as { subject: string; text?: string }[];
      assert.ok(mails.some((m) => m.subject === note.title));
      // While disabled, events are not queued for it.
      await createLead('while-off@example.test');
      assert.equal((await deliveries(sub.id)).length, 5);

      receiver.answer(200);
      const res = await t.request({
        method: 'PATCH',
        url: `/api/v1/webhooks/${sub.id}`,
        headers: admin.headers,
        payload: { active: true },
      });
      assert.equal(res.statusCode, 200);
      got = res.json();
      assert.equal(got.active, true);
      assert.equal(got.disabledReason, null);
      assert.equal(got.consecutiveFailures, 0);
      await createLead('back@example.test');
      await drain();
      assert.equal(receiver.received.length, 1);
      assert.equal(receiver.received[0]!.verified, true);
      await removeAll();
    });

    it('a paused subscription holds its deliveries and sends each exactly once when enabled again', async () => {
      const sub = await subscribe(['lead.created']);
      const patch = (active: boolean) =>
        t.request({
          method: 'PATCH',
          url: `/api/v1/webhooks/${sub.id}`,
          headers: admin.headers,
          payload: { active },
        });
      receiver.answer(503);
      await createLead('held1@example.test');
      await createLead('held2@example.test');
      assert.equal(await drain(), 2);
      receiver.answer(200);
      // Off and on again before the retries are due: the retries still own them, no second job.
      assert.equal((await patch(false)).statusCode, 200);
      assert.equal((await patch(true)).statusCode, 200);
      await laterRound();
      assert.equal(receiver.received.length, 2);
      // Off while a retry comes due: the delivery is held, then sent once on re-enable.
      receiver.answer(503);
      await createLead('held3@example.test');
      await drain();
      await patch(false);
      receiver.answer(200);
      await laterRound();
      assert.deepEqual(
        (await deliveries(sub.id)).map((d) => d.status),
        ['held', 'delivered', 'delivered'],
      );
      assert.equal((await deliveries(sub.id, '?status=held')).length, 1);
      await patch(true);
      await drain();
      await laterRound();
      assert.deepEqual(
        (await deliveries(sub.id)).map((d) => d.status),
        ['delivered', 'delivered', 'delivered'],
      );
      assert.equal(receiver.received.length, 3);
      assert.equal(new Set(receiver.received.map((r) => r.deliveryId)).size, 3);
    });

    it('replays a delivery as a new attempt with the same delivery id, and pings', async () => {
      const sub = await subscribe(['lead.created']);
      await createLead('replay@example.test');
      await drain();
      const [d] = await deliveries(sub.id);
      const res = await t.request({
        method: 'POST',
        url: `/api/v1/webhooks/${sub.id}/deliveries/${d!.id}/replay`,
        headers: admin.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(
        res
          .json()
          .attempts.map((a: { attempt: number; trigger: string; statusCode: number }) => [
            a.attempt,
            a.trigger,
            a.statusCode,
          ]),
        [
          [1, 'automatic', 200],
          [2, 'replay', 200],
        ],
      );
      assert.equal(receiver.received.length, 2);
      assert.equal(receiver.received[1]!.deliveryId, d!.id);
      assert.equal(receiver.received[1]!.raw, receiver.received[0]!.raw);
      assert.equal(receiver.received[1]!.verified, true);

      const missing = await t.request({
        method: 'POST',
        url: `/api/v1/webhooks/${sub.id}/deliveries/whd_nope/replay`,
        headers: admin.headers,
      });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'WEBHOOK_DELIVERY_NOT_FOUND');

      const ping = await t.request({
        method: 'POST',
        url: `/api/v1/webhooks/${sub.id}/ping`,
        headers: admin.headers,
      });
      assert.equal(ping.statusCode, 200, ping.body);
      assert.equal(ping.json().delivery.status, 'delivered');
      assert.equal(receiver.received.at(-1)!.event, 'webhook.ping');

      // A rotated secret signs from now on; the old one no longer verifies.
      const rotated = await t.request({
        method: 'POST',
        url: `/api/v1/webhooks/${sub.id}/rotate-secret`,
        headers: admin.headers,
      });
      assert.equal(rotated.statusCode, 200);
      assert.notEqual(rotated.json().secret, currentSecret);
      const ping2 = await t.request({
        method: 'POST',
        url: `/api/v1/webhooks/${sub.id}/ping`,
        headers: admin.headers,
      });
      assert.equal(ping2.json().delivery.status, 'failed');
      assert.equal(ping2.json().attempts[0].statusCode, 401);
      currentSecret = rotated.json().secret;
      const ping3 = await t.request({
        method: 'POST',
        url: `/api/v1/webhooks/${sub.id}/ping`,
        headers: admin.headers,
      });
      assert.equal(ping3.json().delivery.status, 'delivered');
      await removeAll();
    });

    it('pending deliveries survive a restart: another process on the same database sends them', async () => {
      const sub = await subscribe(['lead.created']);
      await receiver.down();
      const leadId = await createLead('restart@example.test');
      assert.equal(await drain(), 1);
      await receiver.up();
      // A new runtime on its own connection, as after a crash and restart.
      const database = await t.tdb.openAnother();
      const other = await createRuntime(testConfig(), {
        database,
        clock: t.clock,
        logger: testLogger,
        migrate: false,
      });
      t.clock.advance(3600_000 + 1);
      assert.equal(await other.createJobWorker({ concurrency: 2 }).drain(), 1);
      assert.equal(receiver.received.length, 1);
      assert.equal((receiver.received[0]!.body.data as { lead: { id: string } }).lead.id, leadId);
      assert.equal(receiver.received[0]!.verified, true);
      const [d] = await deliveries(sub.id);
      assert.deepEqual([d!.status, d!.attempts], ['delivered', 2]);
    });

    it('keeps finished deliveries for 30 days, and pending ones until they finish', async () => {
      const sub = await subscribe(['lead.created']);
      await createLead('old-ok@example.test');
      await drain();
      receiver.answer(503);
      await createLead('old-pending@example.test');
      await drain();
      t.clock.advance(31 * 86_400_000);
      admin = await t.signIn('admin'); // the old session has expired
      receiver.answer(200);
      await createLead('recent@example.test');
      // Only the recent lead's job is due before the old retry; prune before anything runs.
      assert.equal(await t.runtime.api.webhooks.prune(), 1);
      const left = await deliveries(sub.id);
      assert.equal(left.length, 2);
      assert.deepEqual(left.map((d) => d.status).sort(), ['pending', 'pending']);
    });

    it('an import-sized batch publishes one delivery per new lead in one transaction', async () => {
      const sub = await subscribe(['lead.created']);
      const items = Array.from({ length: 300 }, (_, i) => ({ email: `batch${i}@example.test` }));
      const res = await t.request({
        method: 'POST',
        url: '/api/v1/leads/batch',
        headers: admin.headers,
        payload: { items },
      });
      assert.equal(res.statusCode, 200, res.body);
      const all = await deliveries(sub.id, '?limit=200');
      assert.equal(all.length, 200);
      await drain();
      assert.equal(receiver.received.length, 300);
      assert.equal(new Set(receiver.received.map((r) => r.body.id)).size, 300);
      await removeAll();
    });
  });
}
