/**
 * A lead's first and last touch follow its touchpoints when an identity stitch is undone: the
 * browser's page views leave the lead, and the touches they gave it go with them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const browser =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const site = 'https://www.tidewell.example';

for (const dialect of testDialects) {
  describe(`touches after undoing a stitch (${dialect})`, () => {
    let t: TestApp;
    let marketer: Record<string, string>;
    before(async () => {
      t = await createTestApp(dialect);
      marketer = (await t.signIn('marketing')).headers;
    });
    after(async () => t.close());

    const track = (visitorId: string, events: unknown[]) =>
      t.request({
        method: 'POST',
        url: '/api/v1/public/track',
        payload: JSON.stringify({ visitorId, events }),
        headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': browser },
      });
    const leadOf = async (id: string) =>
      (await t.request({ method: 'GET', url: `/api/v1/leads/${id}`, headers: marketer })).json();

    it('clears the touches a stitched browser gave the lead, and the campaign stops counting it', async () => {
      const campaign = (
        await t.request({
          method: 'POST',
          url: '/api/v1/campaigns',
          headers: marketer,
          payload: { name: 'Spring webinar', channel: 'events', utmCampaigns: ['spring-webinar'] },
        })
      ).json();
      const now = t.clock.now();
      const visitorId = 'undo-visitor-0001';
      const visit = await track(visitorId, [
        {
          type: 'page',
          at: now - 60_000,
          page: { url: `${site}/webinar?utm_campaign=spring-webinar`, path: '/webinar', title: 'Webinar' },
          utm: { source: 'webinar-promo', campaign: 'spring-webinar' },
          landing: true,
        },
        { type: 'page', at: now - 50_000, page: { url: `${site}/pricing`, path: '/pricing' } },
      ]);
      assert.equal(visit.statusCode, 202, visit.body);
      const identify = await track(visitorId, [
        { type: 'identify', at: now - 40_000, traits: { email: 'grace@tidewell.example' } },
      ]);
      assert.equal(identify.statusCode, 202, identify.body);
      const found = (
        await t.request({ method: 'GET', url: '/api/v1/leads?q=grace%40tidewell.example', headers: marketer })
      ).json();
      assert.equal(found.data.length, 1);
      const id = found.data[0].id;
      const before = await leadOf(id);
      assert.equal(before.firstTouch.channel, 'events');
      assert.equal(before.firstTouch.campaignId, campaign.id);
      assert.equal(before.lastTouch.campaignId, campaign.id);

      const stitches = (
        await t.request({ method: 'GET', url: `/api/v1/leads/${id}/stitches`, headers: marketer })
      ).json().data;
      assert.equal(stitches.length, 1);
      const undone = await t.request({
        method: 'POST',
        url: `/api/v1/stitches/${stitches[0].id}/undo`,
        headers: marketer,
      });
      assert.equal(undone.statusCode, 200, undone.body);
      const after = await leadOf(id);
      assert.equal(after.firstTouch, null, 'the only touches came with the browser');
      assert.equal(after.lastTouch, null);
      const campaignAfter = (
        await t.request({ method: 'GET', url: `/api/v1/campaigns/${campaign.id}`, headers: marketer })
      ).json();
      assert.equal(campaignAfter.leadsFirstTouched, 0, 'the campaign no longer counts the lead');
    });
  });
}
