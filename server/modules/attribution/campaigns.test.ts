/**
 * Campaigns and costs through the API: CRUD, money validation, totals, access by role and scope,
 * and the background reclassification a change of utm_campaign keys starts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const site = 'https://www.tidewell.example';

for (const dialect of testDialects) {
  describe(`campaigns API (${dialect})`, () => {
    let t: TestApp;
    let marketer: Record<string, string>;
    let rep: Record<string, string>;
    let reader: Record<string, string>;
    let adminKey: Record<string, string>;
    before(async () => {
      t = await createTestApp(dialect);
      marketer = (await t.signIn('marketing')).headers;
      rep = (await t.signIn('sales_rep')).headers;
      reader = (await t.apiKey(['leads:read'])).headers;
      adminKey = (await t.apiKey(['admin'])).headers;
    });
    after(async () => t.close());

    const call = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      headers = marketer,
      payload?: unknown,
    ) =>
      t.request({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

    /** Runs every queued or running reclassification to its end (what the job worker does). */
    async function drain(): Promise<void> {
      const a = t.runtime.api.attribution.attribution;
      for (const r of await a.listRuns(100)) {
        if (r.status === 'queued' || r.status === 'running')
          await a.runReclassification(r.id, { signal: new AbortController().signal });
      }
    }

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
              page: {
                url: `${site}/lp?utm_campaign=${campaign}`,
                path: '/lp',
                referrer: 'https://www.linkedin.com/',
              },
              utm: { source: 'linkedin', medium: 'paid_social', campaign },
              landing: true,
            },
          },
        ]);
        return r.leadId;
      });
    }

    it('creates, reads, changes and lists campaigns with their totals', async () => {
      const created = await call('POST', '/api/v1/campaigns', marketer, {
        name: 'ABM enterprise Q4',
        channel: 'paid_social',
        startDate: '2026-10-01',
        endDate: '2026-12-31',
        utmCampaigns: ['ABM-Enterprise', ' abm-enterprise ', 'abm-q4'],
        description: 'LinkedIn sponsored content for enterprise accounts',
      });
      assert.equal(created.statusCode, 201, created.body);
      const c = created.json();
      assert.match(c.id, /^cmp_/);
      assert.deepEqual(
        c.utmCampaigns,
        ['abm-enterprise', 'abm-q4'],
        'keys are trimmed, lower-cased, once each',
      );
      assert.equal(c.status, 'active');
      assert.deepEqual(c.spend, []);
      // Costs in two currencies.
      for (const cost of [
        { date: '2026-10-01', amount: 125_000, currency: 'EUR', note: 'October flight' },
        { date: '2026-10-02', amount: 50_050, currency: 'EUR' },
        { date: '2026-10-02', amount: 20_000, currency: 'USD' },
      ]) {
        const r = await call('POST', `/api/v1/campaigns/${c.id}/costs`, marketer, cost);
        assert.equal(r.statusCode, 201, r.body);
      }
      const got = (await call('GET', `/api/v1/campaigns/${c.id}`, rep)).json();
      assert.deepEqual(got.spend, [
        { amount: 175_050, currency: 'EUR' },
        { amount: 20_000, currency: 'USD' },
      ]);
      const costs = (await call('GET', `/api/v1/campaigns/${c.id}/costs`, reader)).json().data;
      assert.deepEqual(
        costs.map((x: { date: string; amount: number }) => [x.date, x.amount]),
        [
          ['2026-10-02', 20_000],
          ['2026-10-02', 50_050],
          ['2026-10-01', 125_000],
        ],
      );
      const edited = await call('PATCH', `/api/v1/campaigns/${c.id}/costs/${costs[1].id}`, marketer, {
        amount: 60_000,
        note: 'corrected',
      });
      assert.equal(edited.statusCode, 200, edited.body);
      assert.equal(edited.json().amount, 60_000);
      assert.equal((await call('DELETE', `/api/v1/campaigns/${c.id}/costs/${costs[0].id}`)).statusCode, 204);
      assert.deepEqual((await call('GET', `/api/v1/campaigns/${c.id}`)).json().spend, [
        { amount: 185_000, currency: 'EUR' },
      ]);
      const missing = await call('DELETE', `/api/v1/campaigns/${c.id}/costs/${costs[0].id}`);
      assert.equal(missing.json().error.code, 'CAMPAIGN_COST_NOT_FOUND');

      const patched = await call('PATCH', `/api/v1/campaigns/${c.id}`, marketer, {
        status: 'paused',
        name: 'ABM Q4',
      });
      assert.equal(patched.json().status, 'paused');
      assert.equal(patched.json().name, 'ABM Q4');
      const list = (await call('GET', '/api/v1/campaigns?q=abm', rep)).json();
      assert.ok(list.data.some((x: { id: string }) => x.id === c.id));
      assert.equal((await call('GET', '/api/v1/campaigns?status=active', rep)).json().data.length, 0);
      assert.equal(
        (await call('GET', '/api/v1/campaigns?q=abm-q4', rep)).json().data.length,
        1,
        'search finds keys',
      );
    });

    it('validates money: integer minor units and an ISO 4217 currency, naming the field', async () => {
      const c = (
        await call('POST', '/api/v1/campaigns', marketer, { name: 'Money checks', channel: 'display' })
      ).json();
      const post = (body: unknown) => call('POST', `/api/v1/campaigns/${c.id}/costs`, marketer, body);
      const cases: [unknown, string, string][] = [
        [{ date: '2026-10-01', amount: 12.5, currency: 'EUR' }, 'amount', 'type'],
        [{ date: '2026-10-01', amount: '1250', currency: 'EUR' }, 'amount', 'type'],
        [{ date: '2026-10-01', amount: 100, currency: 'XYZ' }, 'currency', 'iso4217'],
        [{ date: '2026-10-01', amount: 100, currency: 'eur' }, 'currency', 'pattern'],
        [{ date: '2026-10-01', amount: 100 }, 'currency', 'required'],
        [{ date: '1 Oct 2026', amount: 100, currency: 'EUR' }, 'date', 'format'],
        [{ date: '2026-10-01', amount: 1e15, currency: 'EUR' }, 'amount', 'maximum'],
      ];
      for (const [body, field, rule] of cases) {
        const r = await post(body);
        assert.equal(r.statusCode, 400, `${JSON.stringify(body)} → ${r.body}`);
        const details = r.json().error.details as { field: string; rule: string }[];
        assert.ok(
          details.some((d) => d.field === field && d.rule === rule),
          `${JSON.stringify(body)} names ${field}/${rule}: ${r.body}`,
        );
      }
      const patch = await call('PATCH', `/api/v1/campaigns/${c.id}/costs/cost_nope`, marketer, {
        currency: 'ABC',
      });
      assert.equal(patch.statusCode, 400);
      assert.equal(patch.json().error.details[0].field, 'currency');
      const dates = await call('PATCH', `/api/v1/campaigns/${c.id}`, marketer, {
        startDate: '2026-10-10',
        endDate: '2026-10-01',
      });
      assert.equal(dates.statusCode, 400);
      assert.equal(dates.json().error.details[0].field, 'endDate');
      const badChannel = await call('POST', '/api/v1/campaigns', marketer, { name: 'x', channel: 'tv' });
      assert.equal(badChannel.statusCode, 400);
      assert.equal(badChannel.json().error.details[0].field, 'channel');
      const costs = (await call('GET', `/api/v1/campaigns/${c.id}/costs`)).json().data;
      assert.deepEqual(costs, [], 'nothing half-written');
    });

    it('lets marketing and admins write, sales and leads:read keys read', async () => {
      const body = { name: 'Access', channel: 'email' };
      assert.equal((await call('POST', '/api/v1/campaigns', rep, body)).statusCode, 403);
      assert.equal((await call('POST', '/api/v1/campaigns', reader, body)).statusCode, 403);
      const byKey = await call('POST', '/api/v1/campaigns', adminKey, body);
      assert.equal(byKey.statusCode, 201);
      assert.equal((await call('GET', `/api/v1/campaigns/${byKey.json().id}`, reader)).statusCode, 200);
      assert.equal((await call('GET', '/api/v1/campaigns', rep)).statusCode, 200);
      assert.equal((await call('DELETE', `/api/v1/campaigns/${byKey.json().id}`, rep)).statusCode, 403);
      assert.equal((await call('GET', '/api/v1/channel-rules/draft', rep)).statusCode, 200);
      assert.equal((await call('POST', '/api/v1/channel-rules/publish', rep, {})).statusCode, 403);
    });

    it('refuses a utm_campaign value another campaign holds, naming it', async () => {
      const first = (
        await call('POST', '/api/v1/campaigns', marketer, {
          name: 'Spring',
          channel: 'email',
          utmCampaigns: ['spring-2026'],
        })
      ).json();
      const r = await call('POST', '/api/v1/campaigns', marketer, {
        name: 'Spring again',
        channel: 'email',
        utmCampaigns: ['other', 'SPRING-2026'],
      });
      assert.equal(r.statusCode, 409);
      assert.equal(r.json().error.code, 'CAMPAIGN_KEY_TAKEN');
      assert.equal(r.json().error.details[0].field, 'utmCampaigns.1');
      assert.match(r.json().error.details[0].message, new RegExp(first.id));
      const names = (await call('GET', '/api/v1/campaigns?q=spring'))
        .json()
        .data.map((x: { name: string }) => x.name);
      assert.deepEqual(names, ['Spring'], 'the refused campaign was not created');
    });

    it('attributes touchpoints recorded before the campaign, after its keys change, and forgets a deleted one', async () => {
      const at = Date.UTC(2026, 9, 5);
      const lead = await leadWithVisit(`keys-${dialect}@example.test`, 'Webinar-Promo', at);
      let view = (await call('GET', `/api/v1/leads/${lead}`)).json();
      assert.equal(view.firstTouch.campaignId, null);
      const c = (
        await call('POST', '/api/v1/campaigns', marketer, {
          name: 'Webinar promo',
          channel: 'paid_social',
          utmCampaigns: ['webinar-promo'],
        })
      ).json();
      await drain();
      view = (await call('GET', `/api/v1/leads/${lead}`)).json();
      assert.equal(view.firstTouch.campaignId, c.id, 'reclassified in the background');
      const totals = (await call('GET', `/api/v1/campaigns/${c.id}`)).json();
      assert.equal(totals.leadsFirstTouched, 1);
      assert.equal(totals.touches, 1);
      const leads = (await call('GET', `/api/v1/leads?firstTouchCampaignId=${c.id}`)).json().data;
      assert.deepEqual(
        leads.map((l: { id: string }) => l.id),
        [lead],
      );
      // A new visit is attributed at once.
      const second = await leadWithVisit(`keys2-${dialect}@example.test`, 'webinar-promo', at + 1000);
      assert.equal((await call('GET', `/api/v1/leads/${second}`)).json().firstTouch.campaignId, c.id);
      // Keys change: the old key's touchpoints lose the campaign.
      await call('PATCH', `/api/v1/campaigns/${c.id}`, marketer, { utmCampaigns: ['webinar-2027'] });
      await drain();
      assert.equal((await call('GET', `/api/v1/leads/${lead}`)).json().firstTouch.campaignId, null);
      await call('PATCH', `/api/v1/campaigns/${c.id}`, marketer, { utmCampaigns: ['webinar-promo'] });
      await drain();
      assert.equal((await call('GET', `/api/v1/leads/${lead}`)).json().firstTouch.campaignId, c.id);
      // Delete: the campaign goes, the channel stays.
      assert.equal((await call('DELETE', `/api/v1/campaigns/${c.id}`)).statusCode, 204);
      await drain();
      view = (await call('GET', `/api/v1/leads/${lead}`)).json();
      assert.equal(view.firstTouch.campaignId, null);
      assert.equal(view.firstTouch.channel, 'paid_social');
      assert.equal((await call('GET', `/api/v1/campaigns/${c.id}`)).statusCode, 404);
    });

    it('gives an unmatched touch its campaign’s channel', async () => {
      const c = (
        await call('POST', '/api/v1/campaigns', marketer, {
          name: 'Summit booth',
          channel: 'events',
          utmCampaigns: ['summit-booth'],
        })
      ).json();
      const db = t.runtime.database.db;
      const id = await db.transaction().execute(async (tx) => {
        const [r] = await t.runtime.api.leads.resolveBatch(
          tx,
          [{ input: { email: `booth-${dialect}@example.test` } }],
          {
            source: 'api',
            actor: { type: 'system', label: 'test' },
          },
        );
        assert.ok(r && r.status !== 'error');
        await t.runtime.api.leads.recordTouchpoints(tx, [
          {
            leadId: r.leadId,
            type: 'page_viewed',
            occurredAt: Date.UTC(2026, 9, 9),
            source: 'tracking',
            properties: {
              page: { url: `${site}/?utm_campaign=summit-booth`, path: '/', referrer: '' },
              utm: { campaign: 'summit-booth' },
              landing: true,
            },
          },
        ]);
        return r.leadId;
      });
      const lead = (await call('GET', `/api/v1/leads/${id}`)).json();
      assert.equal(lead.firstTouch.channel, 'events');
      assert.equal(lead.firstTouch.campaignId, c.id);
    });
  });
}
