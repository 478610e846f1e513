/**
 * A campaign's trend for its charts: cost summed by calendar month and currency, and live leads
 * first touched by it counted by the (UTC, Monday-based) week of that touch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const site = 'https://www.tidewell.example';

for (const dialect of testDialects) {
  describe(`campaign trend (${dialect})`, () => {
    let t: TestApp;
    let marketer: Record<string, string>;
    before(async () => {
      t = await createTestApp(dialect);
      marketer = (await t.signIn('marketing')).headers;
    });
    after(async () => t.close());

    const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
      t.request({
        method,
        url,
        headers: marketer,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });

    async function leadWithVisit(email: string, campaign: string, at: number): Promise<string> {
      const db = t.runtime.database.db;
      return db.transaction().execute(async (tx) => {
        const [r] = await t.runtime.api.leads.resolveBatch(tx, [{ input: { email } }], {
          source: 'api',
          actor: { type: 'system', label: 'test' },
        });
        assert.ok(r && r.status !== 'error');
        await t.runtime.api.leads.recordTouchpoints(tx, [
          {
            leadId: r.leadId,
            type: 'page_viewed',
            occurredAt: at,
            source: 'tracking',
            properties: {
              page: { url: `${site}/lp?utm_campaign=${campaign}`, path: '/lp' },
              utm: { source: 'newsletter', medium: 'email', campaign },
              landing: true,
            },
          },
        ]);
        return r.leadId;
      });
    }

    it('sums cost by month and currency and counts first-touched leads by week', async () => {
      const c = (
        await call('POST', '/api/v1/campaigns', {
          name: 'Winter newsletter',
          channel: 'email',
          utmCampaigns: ['winter-news'],
        })
      ).json();
      const other = (
        await call('POST', '/api/v1/campaigns', {
          name: 'Other',
          channel: 'display',
          utmCampaigns: ['other'],
        })
      ).json();
      for (const cost of [
        { date: '2026-09-30', amount: 10_000, currency: 'EUR' },
        { date: '2026-10-01', amount: 125_000, currency: 'EUR' },
        { date: '2026-10-31', amount: 50_050, currency: 'EUR' },
        { date: '2026-10-15', amount: 20_000, currency: 'USD' },
        { date: '2026-11-02', amount: -5_000, currency: 'EUR' },
      ]) {
        const r = await call('POST', `/api/v1/campaigns/${c.id}/costs`, cost);
        assert.equal(r.statusCode, 201, r.body);
      }
      await call('POST', `/api/v1/campaigns/${other.id}/costs`, {
        date: '2026-10-01',
        amount: 999,
        currency: 'EUR',
      });

      // Monday 2026-11-02 00:00 UTC, Sunday 2026-11-08 23:59 UTC (same week), Monday 2026-11-09.
      const monday = Date.UTC(2026, 10, 2, 0, 0);
      await leadWithVisit('a@example.test', 'winter-news', monday);
      await leadWithVisit('b@example.test', 'Winter-News', Date.UTC(2026, 10, 8, 23, 59));
      await leadWithVisit('c@example.test', 'winter-news', Date.UTC(2026, 10, 9, 9, 30));
      await leadWithVisit('d@example.test', 'other', Date.UTC(2026, 10, 9, 9, 30));
      // A lead whose first touch is another campaign does not count, even with a later visit here.
      const e = await leadWithVisit('e@example.test', 'other', Date.UTC(2026, 9, 1));
      await leadWithVisit('e@example.test', 'winter-news', Date.UTC(2026, 10, 3));
      assert.ok(e);

      const r = await call('GET', `/api/v1/campaigns/${c.id}/trend`);
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json(), {
        costByMonth: [
          { month: '2026-09', currency: 'EUR', amount: 10_000 },
          { month: '2026-10', currency: 'EUR', amount: 175_050 },
          { month: '2026-10', currency: 'USD', amount: 20_000 },
          { month: '2026-11', currency: 'EUR', amount: -5_000 },
        ],
        leadsByWeek: [
          { week: '2026-11-02', leads: 2 },
          { week: '2026-11-09', leads: 1 },
        ],
      });
      const campaign = (await call('GET', `/api/v1/campaigns/${c.id}`)).json();
      assert.equal(
        r.json().leadsByWeek.reduce((n: number, w: { leads: number }) => n + w.leads, 0),
        campaign.leadsFirstTouched,
        'the weeks add up to the campaign total',
      );
    });

    it('answers empty series for a campaign without costs or leads, and 404 for an unknown one', async () => {
      const c = (await call('POST', '/api/v1/campaigns', { name: 'Quiet', channel: 'events' })).json();
      assert.deepEqual((await call('GET', `/api/v1/campaigns/${c.id}/trend`)).json(), {
        costByMonth: [],
        leadsByWeek: [],
      });
      const missing = await call('GET', '/api/v1/campaigns/cmp_nope/trend');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'CAMPAIGN_NOT_FOUND');
    });
  });
}
