import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Touchpoint } from '../../../contracts/leads.ts';
import type { Stitch } from '../../../contracts/tracking.ts';
import { fromJson } from '../../platform/db/schema.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const browser =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
let ipCounter = 0;
/** A fresh address per request keeps the per-IP rate limit out of unrelated tests. */
const nextIp = () => `10.9.${Math.floor(ipCounter / 250) % 250}.${(ipCounter++ % 250) + 1}`;
let vidCounter = 0;
const newVisitor = () => `vtest${Date.now().toString(36)}${(vidCounter++).toString().padStart(4, '0')}`;

const pageEvent = (path: string, at?: number, query = '') => ({
  type: 'page',
  ...(at !== undefined ? { at } : {}),
  page: {
    url: `https://www.example.com${path}${query}`,
    path,
    title: `Page ${path}`,
    referrer: 'https://www.google.com/',
  },
});

for (const dialect of testDialects) {
  describe(`tracking (${dialect})`, () => {
    let t: TestApp;
    let admin: Record<string, string>;
    let marketer: Record<string, string>;
    let reader: Record<string, string>;
    before(async () => {
      t = await createTestApp(dialect);
      admin = (await t.apiKey(['admin'])).headers;
      reader = (await t.apiKey(['leads:read', 'leads:write'])).headers;
      marketer = (await t.signIn('marketing')).headers;
    });
    after(async () => t.close());

    const track = (
      body: unknown,
      o: { type?: string; ua?: string; origin?: string; headers?: Record<string, string> } = {},
    ) =>
      t.request({
        method: 'POST',
        url: '/api/v1/public/track',
        payload: typeof body === 'string' ? body : JSON.stringify(body),
        headers: {
          'content-type': o.type ?? 'text/plain;charset=UTF-8',
          'user-agent': o.ua ?? browser,
          ...(o.origin ? { origin: o.origin } : {}),
          ...o.headers,
        },
        remoteAddress: nextIp(),
      });
    const db = () => t.runtime.database.db;
    const anonymousOf = async (visitorId: string) =>
      db()
        .selectFrom('visitor_events')
        .selectAll()
        .where('visitor_id', '=', visitorId)
        .orderBy('occurred_at')
        .execute();
    const touchpointsOf = async (leadId: string): Promise<Touchpoint[]> =>
      (
        await t.request({
          method: 'GET',
          url: `/api/v1/leads/${leadId}/touchpoints?limit=200`,
          headers: reader,
        })
      ).json().data;
    const stitchesOf = async (leadId: string): Promise<Stitch[]> =>
      (await t.request({ method: 'GET', url: `/api/v1/leads/${leadId}/stitches`, headers: reader })).json()
        .data;
    const leadByEmail = async (email: string) =>
      db().selectFrom('leads').selectAll().where('email', '=', email).executeTakeFirst();
    const identityOf = async (visitorId: string) =>
      db()
        .selectFrom('lead_identities')
        .selectAll()
        .where('kind', '=', 'visitor')
        .where('value', '=', visitorId)
        .executeTakeFirst();
    const putSettings = (body: object, headers = admin) =>
      t.request({ method: 'PUT', url: '/api/v1/tracking/settings', payload: body, headers });

    it('serves t.js to other sites: JavaScript, cacheable, gzipped, cross-origin', async () => {
      const res = await t.request({ method: 'GET', url: '/t.js' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/javascript/);
      assert.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
      assert.match(String(res.headers['cache-control']), /public, max-age=\d+/);
      const etag = String(res.headers.etag);
      assert.match(etag, /^".+"$/);
      assert.match(res.body, /sendBeacon/);
      const again = await t.request({ method: 'GET', url: '/t.js', headers: { 'if-none-match': etag } });
      assert.equal(again.statusCode, 304);
      const gz = await t.request({ method: 'GET', url: '/t.js', headers: { 'accept-encoding': 'gzip, br' } });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.ok(gz.rawPayload.length < 5 * 1024, `${gz.rawPayload.length} bytes gzipped`);
      assert.equal(gunzipSync(gz.rawPayload).toString('utf8'), res.body);
      assert.notEqual(gz.headers.etag, etag);
    });

    it('keeps settings for marketing and admins: domains normalised, the consent default in t.js', async () => {
      const initial = await t.request({ method: 'GET', url: '/api/v1/tracking/settings', headers: marketer });
      assert.equal(initial.statusCode, 200);
      assert.deepEqual(initial.json().allowedDomains, []);
      assert.equal(initial.json().requireConsent, false);
      const sales = await t.signIn('sales_rep');
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/v1/tracking/settings', headers: sales.headers }))
          .statusCode,
        403,
      );
      const bad = await putSettings(
        {
          allowedDomains: ['example.com', 'not a domain'],
          requireConsent: true,
          sameBrowserSamePerson: false,
        },
        marketer,
      );
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.details[0].field, 'allowedDomains[1]');
      const ok = await putSettings(
        {
          allowedDomains: [
            'https://www.Example.com/pricing',
            '*.example.org',
            'localhost:8080',
            'example.org',
          ],
          requireConsent: true,
          sameBrowserSamePerson: false,
        },
        marketer,
      );
      assert.equal(ok.statusCode, 200);
      assert.deepEqual(ok.json().allowedDomains, ['www.example.com', 'example.org', 'localhost:8080']);
      assert.ok(ok.json().updatedAt);
      const js = await t.request({ method: 'GET', url: '/t.js' });
      assert.match(js.body, /attribute === null \? true :/);
      await putSettings({
        allowedDomains: ['example.com'],
        requireConsent: false,
        sameBrowserSamePerson: false,
      });
      assert.match((await t.request({ method: 'GET', url: '/t.js' })).body, /attribute === null \? false :/);
    });

    it('rejects a malformed batch as a whole, naming each event and field; stores nothing', async () => {
      const visitorId = newVisitor();
      const res = await track({
        visitorId,
        events: [
          pageEvent('/ok'),
          { type: 'page', page: { url: 'not a url', path: '/x' } },
          { type: 'pageview', page: { url: 'https://www.example.com/' } },
          { type: 'event', name: '', props: [] },
          { type: 'identify', traits: { email: 'nope', favouriteColour: 'blue' } },
          { type: 'page', page: { url: 'https://www.example.com/' }, utm: { source: 5, foo: 'x' } },
          { type: 'page', at: 'yesterday', page: { url: 'https://www.example.com/' } },
        ],
      });
      assert.equal(res.statusCode, 400);
      const body = res.json().error;
      assert.equal(body.code, 'VALIDATION_FAILED');
      const fields = body.details.map((d: { field: string }) => d.field);
      for (const f of [
        'events[1].page.url',
        'events[2].type',
        'events[3].name',
        'events[3].props',
        'events[4].traits.email',
        'events[4].traits.favouriteColour',
        'events[5].utm.source',
        'events[5].utm.foo',
        'events[6].at',
      ])
        assert.ok(fields.includes(f), `${f} in ${fields.join(', ')}`);
      assert.match(body.message, /^events\[1\]\.page\.url: /);
      assert.equal((await anonymousOf(visitorId)).length, 0, 'nothing stored');

      const top = await track({ events: [], extra: 1 });
      assert.deepEqual(
        top
          .json()
          .error.details.map((d: { field: string }) => d.field)
          .sort(),
        ['events', 'extra', 'visitorId'],
      );
      const many = await track({ visitorId, events: Array.from({ length: 101 }, () => pageEvent('/')) });
      assert.equal(many.statusCode, 400);
      assert.equal(many.json().error.details[0].field, 'events');
      assert.equal((await track('{not json')).json().error.code, 'INVALID_JSON');
      assert.equal((await track('')).statusCode, 400);
      assert.equal(
        (await track({ visitorId, events: [pageEvent('/')] }, { type: 'application/xml' })).statusCode,
        415,
      );
      const huge = await track({ visitorId, events: [{ ...pageEvent('/'), x: 'y'.repeat(300_000) }] });
      assert.equal(huge.statusCode, 413);
    });

    it('accepts text/plain (sendBeacon) and JSON; stores an anonymous visitor’s events with corrected, clamped times', async () => {
      const visitorId = newVisitor();
      const now = t.clock.now();
      // The client's clock runs 10 minutes fast: its times are shifted back by its sentAt offset.
      const skew = 10 * 60_000;
      const res = await track({
        visitorId,
        sentAt: now + skew,
        events: [
          {
            ...pageEvent('/pricing', now + skew - 5000, '?utm_source=news&utm_campaign=fall'),
            landing: true,
            utm: { source: 'news', campaign: 'fall' },
          },
          {
            type: 'event',
            at: now + skew - 1000,
            name: 'signup_clicked',
            props: { plan: 'pro' },
            page: pageEvent('/pricing').page,
          },
        ],
      });
      assert.equal(res.statusCode, 202);
      assert.deepEqual(res.json(), { accepted: 2, dropped: 0 });
      const json = await track(
        {
          visitorId,
          events: [pageEvent('/future', now + 3 * 3600_000), pageEvent('/ancient', now - 5 * 86_400_000)],
        },
        { type: 'application/json' },
      );
      assert.equal(json.statusCode, 202);
      const stored = await anonymousOf(visitorId);
      assert.equal(stored.length, 4);
      const times = Object.fromEntries(
        stored.map((e) => {
          const p = fromJson<{ page?: { path: string }; name?: string }>(e.properties, {});
          return [`${e.type} ${p.name ?? p.page?.path}`, Number(e.occurred_at)];
        }),
      );
      assert.deepEqual(times, {
        'page_viewed /pricing': now - 5000,
        'event signup_clicked': now - 1000,
        'page_viewed /future': now,
        'page_viewed /ancient': now - 86_400_000,
      });
      const page = JSON.parse(stored.find((e) => e.properties.includes('/pricing?'))!.properties);
      assert.deepEqual(page, {
        page: {
          url: 'https://www.example.com/pricing?utm_source=news&utm_campaign=fall',
          path: '/pricing',
          title: 'Page /pricing',
          referrer: 'https://www.google.com/',
        },
        utm: { source: 'news', campaign: 'fall' },
        landing: true,
        visitorId,
      });
      const ev = JSON.parse(stored.find((e) => e.type === 'event')!.properties);
      assert.equal(ev.name, 'signup_clicked');
      assert.deepEqual(ev.props, { plan: 'pro' });
    });

    it('drops bots and browsers that ask not to be tracked, silently', async () => {
      const visitorId = newVisitor();
      const googlebot = await track(
        { visitorId, events: [pageEvent('/')] },
        { ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
      );
      assert.equal(googlebot.statusCode, 204);
      assert.equal((await track({ visitorId, events: [pageEvent('/')] }, { ua: '' })).statusCode, 204);
      assert.equal(
        (await track({ visitorId, events: [pageEvent('/')] }, { headers: { dnt: '1' } })).statusCode,
        204,
      );
      assert.equal(
        (await track({ visitorId, events: [pageEvent('/')] }, { headers: { 'sec-gpc': '1' } })).statusCode,
        204,
      );
      assert.equal((await anonymousOf(visitorId)).length, 0);
    });

    it('answers CORS for allowed domains only', async () => {
      await putSettings({
        allowedDomains: ['example.com'],
        requireConsent: false,
        sameBrowserSamePerson: false,
      });
      const visitorId = newVisitor();
      const ok = await track({ visitorId, events: [pageEvent('/')] }, { origin: 'https://www.example.com' });
      assert.equal(ok.statusCode, 202);
      assert.equal(ok.headers['access-control-allow-origin'], 'https://www.example.com');
      assert.match(String(ok.headers.vary), /origin/i);
      // sendBeacon reads the answer in no-cors mode: a same-origin resource policy would block it.
      assert.equal(ok.headers['cross-origin-resource-policy'], 'cross-origin');
      const other = await track({ visitorId, events: [pageEvent('/')] }, { origin: 'https://evil.test' });
      assert.equal(other.statusCode, 403);
      assert.equal(other.json().error.code, 'TRACKING_ORIGIN_NOT_ALLOWED');
      assert.equal(other.headers['access-control-allow-origin'], undefined);
      assert.equal((await anonymousOf(visitorId)).length, 1);
      const preflight = await t.request({
        method: 'OPTIONS',
        url: '/api/v1/public/track',
        headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.statusCode, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], 'https://shop.example.com');
      assert.match(String(preflight.headers['access-control-allow-headers']), /content-type/);
      const refused = await t.request({
        method: 'OPTIONS',
        url: '/api/v1/public/track',
        headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' },
      });
      assert.equal(refused.headers['access-control-allow-origin'], undefined);
    });

    it('stitches an anonymous history into the identified lead, then records live; undo makes it anonymous again', async () => {
      const visitorId = newVisitor();
      const t0 = t.clock.now();
      const visits = [
        { path: '/', q: '?utm_source=google&utm_medium=cpc&utm_campaign=brand', at: t0 - 3000 },
        { path: '/features', q: '', at: t0 - 2000 },
        { path: '/pricing', q: '?utm_source=newsletter&utm_medium=email', at: t0 - 1000 },
      ];
      for (const v of visits) {
        const q = new URLSearchParams(v.q);
        const utm = Object.fromEntries([...q].map(([k, val]) => [k.replace('utm_', ''), val]));
        const r = await track({
          visitorId,
          events: [{ ...pageEvent(v.path, v.at, v.q), ...(v.q ? { utm } : {}) }],
        });
        assert.equal(r.statusCode, 202);
      }
      assert.equal((await anonymousOf(visitorId)).length, 3);
      t.clock.advance(60_000);
      const id = await track({
        visitorId,
        events: [{ type: 'identify', traits: { email: 'Stitch.Me@Example.com', firstName: 'Stitch' } }],
      });
      assert.deepEqual(id.json(), { accepted: 1, dropped: 0 });
      const lead = await leadByEmail('stitch.me@example.com');
      assert.ok(lead, 'the identify created the lead');
      assert.equal(lead.first_name, 'Stitch');
      assert.equal(lead.source, 'tracking');
      assert.equal((await anonymousOf(visitorId)).length, 0, 'moved, not copied');
      const views = (await touchpointsOf(lead.id)).filter((x) => x.type === 'page_viewed');
      assert.equal(views.length, 3);
      const [stitch] = await stitchesOf(lead.id);
      assert.ok(stitch);
      assert.equal(stitch.events, 3);
      assert.equal(stitch.outcome, 'linked');
      assert.equal(stitch.reason, 'identify');
      assert.equal(stitch.visitorId, visitorId);
      assert.match(stitch.note, /3 earlier events/);
      for (const v of visits) {
        const tp = views.find((x) => (x.properties.page as { path: string }).path === v.path)!;
        assert.equal(tp.occurredAt, new Date(v.at).toISOString(), 'original time kept');
        assert.equal(tp.properties.stitchId, stitch.id);
        assert.equal(tp.properties.visitorId, visitorId);
        assert.equal(tp.source, 'tracking');
      }
      const first = views.find((x) => (x.properties.page as { path: string }).path === '/')!;
      assert.deepEqual(first.properties.utm, { source: 'google', medium: 'cpc', campaign: 'brand' });
      assert.ok((await touchpointsOf(lead.id)).some((x) => x.type === 'visitor_linked'));
      assert.equal((await identityOf(visitorId))?.lead_id, lead.id);

      // Known now: the next page view goes straight to the lead.
      await track({ visitorId, events: [pageEvent('/docs')] });
      assert.equal((await anonymousOf(visitorId)).length, 0);
      assert.equal((await touchpointsOf(lead.id)).filter((x) => x.type === 'page_viewed').length, 4);

      // Identifying again as the same person changes nothing and records no new stitch.
      await track({ visitorId, events: [{ type: 'identify', traits: { email: 'stitch.me@example.com' } }] });
      assert.equal((await stitchesOf(lead.id)).length, 1);

      // Undo: the page views (also the live one) are anonymous again, the visitor id leaves the lead.
      const undone = await t.request({
        method: 'POST',
        url: `/api/v1/stitches/${stitch.id}/undo`,
        headers: marketer,
      });
      assert.equal(undone.statusCode, 200);
      assert.ok(undone.json().undoneAt);
      assert.equal(undone.json().undoneEvents, 4);
      assert.equal((await touchpointsOf(lead.id)).filter((x) => x.type === 'page_viewed').length, 0);
      assert.ok((await touchpointsOf(lead.id)).some((x) => x.type === 'visitor_unlinked'));
      const back = await anonymousOf(visitorId);
      assert.equal(back.length, 4);
      assert.deepEqual(
        back.slice(0, 3).map((e) => Number(e.occurred_at)),
        visits.map((v) => v.at),
      );
      assert.ok(back.every((e) => !('stitchId' in JSON.parse(e.properties))));
      assert.equal(await identityOf(visitorId), undefined);
      assert.equal(lead.email, (await leadByEmail('stitch.me@example.com'))?.email, 'the lead itself stays');
      const again = await t.request({
        method: 'POST',
        url: `/api/v1/stitches/${stitch.id}/undo`,
        headers: marketer,
      });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'STITCH_NOT_UNDOABLE');
      assert.equal(
        (
          await t.request({ method: 'POST', url: '/api/v1/stitches/stitch_nope/undo', headers: marketer })
        ).json().error.code,
        'STITCH_NOT_FOUND',
      );
      const audit = await db()
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'tracking.stitch_undone')
        .execute();
      assert.equal(audit.length, 1);

      // Anonymous again: new events wait; identifying again stitches everything back.
      await track({ visitorId, events: [pageEvent('/after-undo')] });
      assert.equal((await anonymousOf(visitorId)).length, 5);
      await track({ visitorId, events: [{ type: 'identify', traits: { email: 'stitch.me@example.com' } }] });
      assert.equal((await touchpointsOf(lead.id)).filter((x) => x.type === 'page_viewed').length, 5);
      assert.equal((await stitchesOf(lead.id)).filter((s) => s.undoneAt === null).length, 1);
    });

    it('processes a batch in order: events before an identify are stitched, those after are live', async () => {
      const visitorId = newVisitor();
      const r = await track({
        visitorId,
        events: [
          pageEvent('/a'),
          pageEvent('/b'),
          { type: 'identify', traits: { email: 'inorder@example.com' } },
          pageEvent('/c'),
        ],
      });
      assert.deepEqual(r.json(), { accepted: 4, dropped: 0 });
      const lead = await leadByEmail('inorder@example.com');
      const views = (await touchpointsOf(lead!.id)).filter((x) => x.type === 'page_viewed');
      assert.equal(views.length, 3);
      const c = views.find((x) => (x.properties.page as { path: string }).path === '/c')!;
      assert.equal(c.properties.stitchId, undefined);
      assert.equal((await stitchesOf(lead!.id))[0]?.events, 2);
    });

    it('keeps two people on one browser apart: a new email starts a new lead, the first is untouched', async () => {
      const visitorId = newVisitor();
      await track({ visitorId, events: [pageEvent('/one')] });
      await track({ visitorId, events: [{ type: 'identify', traits: { email: 'first@people.example' } }] });
      const a = (await leadByEmail('first@people.example'))!;
      const before = await touchpointsOf(a.id);
      t.clock.advance(1000);
      await track({
        visitorId,
        events: [{ type: 'identify', traits: { email: 'second@people.example', firstName: 'Second' } }],
      });
      const b = await leadByEmail('second@people.example');
      assert.ok(b, 'a new lead');
      assert.notEqual(b.id, a.id);
      const aAfter = (await leadByEmail('first@people.example'))!;
      assert.equal(aAfter.first_name, null, 'not renamed');
      assert.equal(aAfter.updated_at, a.updated_at);
      assert.deepEqual(
        (await touchpointsOf(a.id)).map((x) => x.id),
        before.map((x) => x.id),
        'the first lead keeps its history, and gets nothing new',
      );
      const [s] = await stitchesOf(b.id);
      assert.equal(s?.outcome, 'separate_person');
      assert.equal(s?.previousLeadId, a.id);
      assert.equal(s?.events, 0);
      assert.match(s!.note, /kept separate/);
      // The browser follows the person who identified last.
      await track({ visitorId, events: [pageEvent('/two')] });
      assert.equal((await touchpointsOf(b.id)).filter((x) => x.type === 'page_viewed').length, 1);
      assert.equal((await touchpointsOf(a.id)).filter((x) => x.type === 'page_viewed').length, 1);
      // The first lead's history shows where the browser went.
      assert.ok((await stitchesOf(a.id)).some((x) => x.id === s!.id));

      // The first stitch cannot be undone while the browser belongs to the second lead…
      const firstStitch = (await stitchesOf(a.id)).find((x) => x.leadId === a.id)!;
      const refused = await t.request({
        method: 'POST',
        url: `/api/v1/stitches/${firstStitch.id}/undo`,
        headers: marketer,
      });
      assert.equal(refused.statusCode, 409);
      assert.match(refused.json().error.message, new RegExp(s!.id));
      // …until that one is undone.
      const u1 = await t.request({
        method: 'POST',
        url: `/api/v1/stitches/${s!.id}/undo`,
        headers: marketer,
      });
      assert.equal(u1.statusCode, 200);
      assert.equal(u1.json().undoneEvents, 1);
      const u2 = await t.request({
        method: 'POST',
        url: `/api/v1/stitches/${firstStitch.id}/undo`,
        headers: marketer,
      });
      assert.equal(u2.statusCode, 200);
      assert.equal((await anonymousOf(visitorId)).length, 2);
    });

    it('treats a new email on a known browser as the same person when the site says so', async () => {
      await putSettings({
        allowedDomains: ['example.com'],
        requireConsent: false,
        sameBrowserSamePerson: true,
      });
      try {
        const visitorId = newVisitor();
        await track({ visitorId, events: [{ type: 'identify', traits: { email: 'same@people.example' } }] });
        const a = (await leadByEmail('same@people.example'))!;
        await track({
          visitorId,
          events: [{ type: 'identify', traits: { email: 'other-address@people.example', jobTitle: 'CTO' } }],
        });
        assert.equal(await leadByEmail('other-address@people.example'), undefined, 'no new lead');
        const after = (await leadByEmail('same@people.example'))!;
        assert.equal(after.job_title, 'CTO');
        const [s] = await stitchesOf(a.id);
        assert.equal(s?.outcome, 'same_person');
        assert.match(s!.note, /other-address@people\.example/);
        // An email another lead already has still means that lead.
        await track({ visitorId, events: [{ type: 'identify', traits: { email: 'first@people.example' } }] });
        const first = (await leadByEmail('first@people.example'))!;
        assert.equal((await identityOf(visitorId))?.lead_id, first.id);
      } finally {
        await putSettings({
          allowedDomains: ['example.com'],
          requireConsent: false,
          sameBrowserSamePerson: false,
        });
      }
    });

    it('exports stitch(tx, …) for forms: the visitor history joins the lead in the caller’s transaction', async () => {
      const visitorId = newVisitor();
      await track({ visitorId, events: [pageEvent('/landing'), pageEvent('/form')] });
      const created = await t.request({
        method: 'POST',
        url: '/api/v1/leads',
        payload: { email: 'form.person@example.com' },
        headers: reader,
      });
      const leadId = created.json().id;
      const stitch = await t.runtime.database.db
        .transaction()
        .execute((tx) => t.runtime.api.tracking.stitch(tx, { visitorId, leadId, reason: 'form' }));
      assert.equal(stitch.events, 2);
      assert.equal(stitch.reason, 'form');
      assert.equal(stitch.leadId, leadId);
      assert.equal((await touchpointsOf(leadId)).filter((x) => x.type === 'page_viewed').length, 2);
      // Calling it again (a second submission) returns the same stitch.
      const again = await t.runtime.database.db
        .transaction()
        .execute((tx) => t.runtime.api.tracking.stitch(tx, { visitorId, leadId, reason: 'form' }));
      assert.equal(again.id, stitch.id);

      // The API does the same for server-side identifies.
      const other = newVisitor();
      await track({ visitorId: other, events: [pageEvent('/x')] });
      const viaApi = await t.request({
        method: 'POST',
        url: `/api/v1/leads/${leadId}/visitors`,
        payload: { visitorId: other },
        headers: reader,
      });
      assert.equal(viaApi.statusCode, 201);
      assert.equal(viaApi.json().reason, 'api');
      assert.equal(viaApi.json().events, 1);
      assert.equal((await stitchesOf(leadId)).length, 2);
    });

    it('records nothing for a person who withdrew consent to tracking', async () => {
      const visitorId = newVisitor();
      await track({ visitorId, events: [{ type: 'identify', traits: { email: 'private@example.com' } }] });
      const lead = (await leadByEmail('private@example.com'))!;
      await t.request({
        method: 'PATCH',
        url: `/api/v1/leads/${lead.id}`,
        payload: { consent: { tracking: { status: 'withdrawn' } } },
        headers: reader,
      });
      const r = await track({ visitorId, events: [pageEvent('/secret')] });
      assert.deepEqual(r.json(), { accepted: 0, dropped: 1 });
      assert.equal((await touchpointsOf(lead.id)).filter((x) => x.type === 'page_viewed').length, 0);
      assert.equal((await anonymousOf(visitorId)).length, 0);
    });

    it('drops an identify it cannot act on: no email for an unknown visitor', async () => {
      const visitorId = newVisitor();
      const r = await track({
        visitorId,
        events: [pageEvent('/'), { type: 'identify', traits: { firstName: 'Anon' } }],
      });
      assert.deepEqual(r.json(), { accepted: 1, dropped: 1 });
      assert.equal((await anonymousOf(visitorId)).length, 1);
    });

    it('lets people read a lead’s stitches, and refuses an undo of a merged lead’s stitch', async () => {
      const visitorId = newVisitor();
      await track({
        visitorId,
        events: [pageEvent('/m'), { type: 'identify', traits: { email: 'merged@example.com' } }],
      });
      const lead = (await leadByEmail('merged@example.com'))!;
      const survivor = (
        await t.request({
          method: 'POST',
          url: '/api/v1/leads',
          payload: { email: 'survivor@example.com' },
          headers: reader,
        })
      ).json();
      const [s] = await stitchesOf(lead.id);
      const merge = await t.request({
        method: 'POST',
        url: `/api/v1/leads/${survivor.id}/merge`,
        payload: { mergedId: lead.id },
        headers: reader,
      });
      assert.equal(merge.statusCode, 200);
      const refused = await t.request({
        method: 'POST',
        url: `/api/v1/stitches/${s!.id}/undo`,
        headers: marketer,
      });
      assert.equal(refused.statusCode, 409);
      assert.match(refused.json().error.message, /undo that merge first/);
      // Events of the browser follow the merge to the survivor.
      await track({ visitorId, events: [pageEvent('/after-merge')] });
      assert.ok(
        (await touchpointsOf(survivor.id)).some(
          (x) => x.type === 'page_viewed' && (x.properties.page as { path: string }).path === '/after-merge',
        ),
      );
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/v1/leads/lead_nope/stitches', headers: reader }))
          .statusCode,
        404,
      );
    });
  });
}
