/**
 * Each lead's first and last touch: out-of-order arrivals (stitched history, historical imports),
 * original sources of CRM imports, merge and un-merge, and the lead resource and list filter.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LeadSource } from '../../../contracts/leads.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const site = 'https://www.tidewell.example';
const day = 86_400_000;
const t0 = Date.UTC(2026, 8, 1, 10);

function page(path: string, referrer: string, extra: Record<string, unknown> = {}) {
  const url = new URL(path, site);
  const utm = Object.fromEntries(
    ['source', 'medium', 'campaign'].flatMap((k) => {
      const v = url.searchParams.get(`utm_${k}`);
      return v ? [[k, v]] : [];
    }),
  );
  return {
    page: { url: url.href, path: url.pathname, referrer },
    ...(Object.keys(utm).length ? { utm } : {}),
    landing: true,
    visitorId: 'v_1',
    ...extra,
  };
}

for (const dialect of testDialects) {
  describe(`first and last touch (${dialect})`, () => {
    let t: TestApp;
    let key: Record<string, string>;
    before(async () => {
      t = await createTestApp(dialect);
      key = (await t.apiKey(['leads:read', 'leads:write'])).headers;
    });
    after(async () => t.close());

    const get = async (url: string) => {
      const res = await t.request({ method: 'GET', url, headers: key });
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const newLead = async (email: string) =>
      (await t.request({ method: 'POST', url: '/api/v1/leads', payload: { email }, headers: key })).json()
        .id as string;
    const record = (
      leadId: string,
      items: { type?: string; at: number; properties: Record<string, unknown> }[],
      source: LeadSource = 'tracking',
    ) =>
      t.runtime.database.db.transaction().execute((tx) =>
        t.runtime.api.leads.recordTouchpoints(
          tx,
          items.map((i) => ({
            leadId,
            type: i.type ?? 'page_viewed',
            occurredAt: i.at,
            source,
            properties: i.properties,
          })),
        ),
      );

    it('takes the earliest touch as first and the latest as last, whatever order they arrive in', async () => {
      const id = await newLead(`order-${dialect}@example.test`);
      assert.equal((await get(`/api/v1/leads/${id}`)).firstTouch, null, 'no touch yet');
      await record(id, [{ at: t0 + 3 * day, properties: page('/blog/x', 'https://www.google.com/') }]);
      let lead = await get(`/api/v1/leads/${id}`);
      assert.equal(lead.firstTouch.channel, 'organic_search');
      assert.equal(lead.lastTouch.channel, 'organic_search');
      assert.equal(lead.firstTouch.source, 'google.com');
      // Stitched anonymous history arrives later but happened earlier: it becomes the first touch.
      await record(id, [
        {
          at: t0 + day,
          properties: page(
            '/lp/analytics?utm_source=google&utm_medium=cpc&utm_campaign=Brand&gclid=x',
            'https://www.google.com/',
          ),
        },
        { at: t0 + day + 60_000, properties: page('/pricing', `${site}/lp/analytics`, { landing: false }) },
      ]);
      lead = await get(`/api/v1/leads/${id}`);
      assert.deepEqual(lead.firstTouch, {
        channel: 'paid_search',
        campaignId: null,
        source: 'google',
        medium: 'cpc',
        landingPage: `${site}/lp/analytics`,
        at: new Date(t0 + day).toISOString(),
      });
      assert.equal(lead.lastTouch.channel, 'organic_search');
      await record(id, [
        { at: t0 + 5 * day, properties: page('/blog/y?utm_source=newsletter&utm_medium=email', '') },
        { at: t0 + 5 * day + 30_000, properties: page('/pricing', `${site}/blog/y`, { landing: false }) },
      ]);
      lead = await get(`/api/v1/leads/${id}`);
      assert.equal(lead.lastTouch.channel, 'email');
      assert.equal(
        lead.lastTouch.at,
        new Date(t0 + 5 * day).toISOString(),
        'a page inside the visit is no touch',
      );
      assert.equal(lead.firstTouch.channel, 'paid_search');
      // An older visit arriving now changes neither.
      await record(id, [{ at: t0 + 2 * day, properties: page('/', 'https://www.linkedin.com/') }]);
      lead = await get(`/api/v1/leads/${id}`);
      assert.equal(lead.firstTouch.channel, 'paid_search');
      assert.equal(lead.lastTouch.channel, 'email');
      // The list filters by first-touch channel.
      const paid = await get('/api/v1/leads?firstTouchChannel=paid_search,display');
      assert.ok(paid.data.some((l: { id: string }) => l.id === id));
      const email = await get('/api/v1/leads?firstTouchChannel=email');
      assert.ok(!email.data.some((l: { id: string }) => l.id === id));
      const bad = await t.request({
        method: 'GET',
        url: '/api/v1/leads?firstTouchChannel=carrier_pigeon',
        headers: key,
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.details[0].field, 'firstTouchChannel');
    });

    it('uses a CRM original source as first touch, and as last touch only until a visit comes', async () => {
      const db = t.runtime.database.db;
      const results = await db.transaction().execute((tx) =>
        t.runtime.api.leads.resolveBatch(
          tx,
          [{ input: { email: `crm-${dialect}@example.test`, createdAt: new Date(t0).toISOString() } }],
          {
            source: 'import',
            actor: { type: 'system', label: 'test' },
            touchpointType: 'imported',
            touchpointProperties: { originalSource: 'ORGANIC_SEARCH' },
          },
        ),
      );
      const r = results[0]!;
      assert.ok(r.status === 'created');
      let lead = await get(`/api/v1/leads/${r.leadId}`);
      assert.equal(lead.firstTouch.channel, 'organic_search');
      assert.equal(lead.firstTouch.source, 'ORGANIC_SEARCH');
      assert.equal(lead.firstTouch.at, new Date(t0).toISOString());
      assert.equal(lead.lastTouch.channel, 'organic_search');
      await record(r.leadId, [{ at: t0 + 10 * day, properties: page('/', 'https://www.facebook.com/') }]);
      lead = await get(`/api/v1/leads/${r.leadId}`);
      assert.equal(lead.firstTouch.channel, 'organic_search');
      assert.equal(lead.lastTouch.channel, 'organic_social');
      // A re-import today with another original source is no visit: the last touch stays.
      await record(
        r.leadId,
        [{ type: 'imported', at: t0 + 20 * day, properties: { originalSource: 'PAID_SEARCH' } }],
        'import',
      );
      lead = await get(`/api/v1/leads/${r.leadId}`);
      assert.equal(lead.lastTouch.channel, 'organic_social');
      assert.equal(lead.firstTouch.channel, 'organic_search');
    });

    it('recomputes both leads on merge and on un-merge', async () => {
      const a = await newLead(`merge-a-${dialect}@example.test`);
      const b = await newLead(`merge-b-${dialect}@example.test`);
      await record(a, [
        { at: t0 + 2 * day, properties: page('/?utm_source=newsletter&utm_medium=email', '') },
      ]);
      await record(b, [
        { at: t0 + day, properties: page('/?utm_source=google&utm_medium=cpc', 'https://www.google.com/') },
        { at: t0 + 4 * day, properties: page('/', 'https://partner.example/') },
      ]);
      const merged = await t.request({
        method: 'POST',
        url: `/api/v1/leads/${a}/merge`,
        payload: { mergedId: b },
        headers: key,
      });
      assert.equal(merged.statusCode, 200, merged.body);
      assert.equal(merged.json().lead.firstTouch.channel, 'paid_search', 'the merged lead’s earlier touch');
      assert.equal(merged.json().lead.lastTouch.channel, 'referral');
      const tomb = await t.runtime.database.db
        .selectFrom('leads')
        .select(['first_touch_channel', 'last_touch_channel'])
        .where('id', '=', b)
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        tomb,
        { first_touch_channel: null, last_touch_channel: null },
        'a tombstone has no touches',
      );
      const undo = await t.request({
        method: 'POST',
        url: `/api/v1/lead-merges/${merged.json().merge.id}/undo`,
        headers: key,
      });
      assert.equal(undo.statusCode, 200, undo.body);
      assert.equal(undo.json().survivor.firstTouch.channel, 'email');
      assert.equal(undo.json().survivor.lastTouch.channel, 'email');
      assert.equal(undo.json().restored.firstTouch.channel, 'paid_search');
      assert.equal(undo.json().restored.lastTouch.channel, 'referral');
    });

    it('recomputes touches on request when touchpoints leave a lead (undoing a stitch)', async () => {
      const id = await newLead(`stitch-${dialect}@example.test`);
      const [early] = await record(id, [
        { at: t0, properties: page('/?utm_source=linkedin&utm_medium=paid_social', '') },
        { at: t0 + day, properties: page('/', 'https://www.bing.com/') },
      ]);
      const db = t.runtime.database.db;
      const changed = await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('touchpoints').where('id', '=', early!).execute();
        return t.runtime.api.attribution.recomputeTouches(tx, [id]);
      });
      assert.equal(changed, 1);
      const lead = await get(`/api/v1/leads/${id}`);
      assert.equal(lead.firstTouch.channel, 'organic_search');
    });

    it('shows channel and campaign on timeline touchpoints', async () => {
      const id = await newLead(`timeline-${dialect}@example.test`);
      await record(id, [
        { at: t0, properties: page('/?utm_source=google&utm_medium=cpc', 'https://www.google.com/') },
      ]);
      const tps = await get(`/api/v1/leads/${id}/touchpoints`);
      const pv = tps.data.find((x: { type: string }) => x.type === 'page_viewed');
      assert.equal(pv.channel, 'paid_search');
      assert.equal(pv.campaignId, null);
      const created = tps.data.find((x: { type: string }) => x.type === 'created');
      assert.equal(created.channel, null);
    });
  });
}
