/**
 * Table-driven channel classification: realistic visits (as the tracking snippet, forms and CRM
 * imports record them) and the channel the default rules give each, checked in memory and through
 * the leads module on every dialect (classified on insert, stored in the touchpoint's columns).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Channel } from '../../../contracts/capture.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import {
  classify,
  compileRules,
  defaultRuleSet,
  domainMatches,
  factsOf,
  isTouch,
  originalSourceChannel,
  ruleSetProblems,
} from './attribution.rules.ts';

const site = 'https://www.tidewell.example';

/** A landing page view as the snippet records it: page context, UTM and click ids from the URL. */
function visit(path: string, referrer = '', extra: Record<string, unknown> = {}): Record<string, unknown> {
  const url = new URL(path, site);
  const utm: Record<string, string> = {};
  for (const k of ['source', 'medium', 'campaign', 'term', 'content']) {
    const v = url.searchParams.get(`utm_${k}`);
    if (v) utm[k] = v;
  }
  const clickIds: Record<string, string> = {};
  for (const k of ['gclid', 'fbclid', 'msclkid', 'li_fat_id', 'ttclid']) {
    const v = url.searchParams.get(k);
    if (v) clickIds[k] = v;
  }
  return {
    page: { url: url.href, path: url.pathname, title: 'Tidewell', referrer },
    ...(Object.keys(utm).length ? { utm } : {}),
    ...(Object.keys(clickIds).length ? { clickIds } : {}),
    landing: true,
    visitorId: 'v_test',
    ...extra,
  };
}

type Case = { name: string; type?: string; properties: Record<string, unknown>; channel: Channel | null };

export const cases: Case[] = [
  // Search
  {
    name: 'google organic',
    properties: visit('/blog/forecasting', 'https://www.google.com/'),
    channel: 'organic_search',
  },
  { name: 'google.de organic', properties: visit('/', 'https://www.google.de/'), channel: 'organic_search' },
  {
    name: 'google.co.uk organic',
    properties: visit('/pricing', 'https://www.google.co.uk/'),
    channel: 'organic_search',
  },
  {
    name: 'bing organic',
    properties: visit('/', 'https://www.bing.com/search?q=tidewell'),
    channel: 'organic_search',
  },
  { name: 'duckduckgo', properties: visit('/', 'https://duckduckgo.com/'), channel: 'organic_search' },
  {
    name: 'yahoo search',
    properties: visit('/', 'https://search.yahoo.com/search?p=x'),
    channel: 'organic_search',
  },
  {
    name: 'utm_medium=organic',
    properties: visit('/?utm_source=google&utm_medium=organic'),
    channel: 'organic_search',
  },
  {
    name: 'google cpc with gclid',
    properties: visit(
      '/lp/revenue-analytics?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=Cj0KCQ',
      'https://www.google.com/',
    ),
    channel: 'paid_search',
  },
  {
    name: 'gclid only (auto-tagging)',
    properties: visit('/lp/revenue-analytics?gclid=Cj0KCQ', 'https://www.google.com/'),
    channel: 'paid_search',
  },
  {
    name: 'bing ads with msclkid',
    properties: visit(
      '/?utm_source=bing&utm_medium=cpc&utm_campaign=competitor-alternatives&msclkid=8f3a',
      'https://www.bing.com/',
    ),
    channel: 'paid_search',
  },
  { name: 'msclkid only', properties: visit('/?msclkid=8f3a'), channel: 'paid_search' },
  {
    name: 'utm_medium=PPC in capitals',
    properties: visit('/?utm_source=Google&utm_medium=PPC'),
    channel: 'paid_search',
  },
  // Social
  {
    name: 'facebook organic (l.facebook.com)',
    properties: visit('/blog/x', 'https://l.facebook.com/'),
    channel: 'organic_social',
  },
  {
    name: 'facebook organic with fbclid',
    properties: visit('/blog/x?fbclid=IwAR2', 'https://m.facebook.com/'),
    channel: 'organic_social',
  },
  {
    name: 'facebook paid (paid_social + fbclid)',
    properties: visit(
      '/lp/ebook?utm_source=facebook&utm_medium=paid_social&utm_campaign=ebook-lead-gen&fbclid=IwAR2',
      'https://www.facebook.com/',
    ),
    channel: 'paid_social',
  },
  {
    name: 'facebook cpc',
    properties: visit('/?utm_source=facebook&utm_medium=cpc&utm_campaign=retargeting'),
    channel: 'paid_social',
  },
  {
    name: 'fbclid with a paid medium',
    properties: visit('/?utm_source=meta_ads&utm_medium=paid&fbclid=IwAR2'),
    channel: 'paid_social',
  },
  { name: 'instagram paid', properties: visit('/?utm_source=ig&utm_medium=paid'), channel: 'paid_social' },
  {
    name: 'linkedin organic',
    properties: visit('/', 'https://www.linkedin.com/feed/'),
    channel: 'organic_social',
  },
  { name: 'lnkd.in short link', properties: visit('/', 'https://lnkd.in/abc'), channel: 'organic_social' },
  {
    name: 'linkedin sponsored with li_fat_id',
    properties: visit(
      '/lp/abm?utm_source=linkedin&utm_medium=paid_social&utm_campaign=abm-enterprise&li_fat_id=5a1c',
      'https://www.linkedin.com/',
    ),
    channel: 'paid_social',
  },
  {
    name: 'tiktok ads',
    properties: visit('/?utm_source=tiktok&utm_medium=cpc&ttclid=E.C.P'),
    channel: 'paid_social',
  },
  { name: 'twitter t.co', properties: visit('/', 'https://t.co/xyz'), channel: 'organic_social' },
  { name: 'youtube', properties: visit('/', 'https://www.youtube.com/'), channel: 'organic_social' },
  {
    name: 'utm_source=linkedin without a medium',
    properties: visit('/?utm_source=linkedin'),
    channel: 'organic_social',
  },
  // Email
  {
    name: 'newsletter utm_medium=email',
    properties: visit('/blog/x?utm_source=newsletter&utm_medium=email&utm_campaign=newsletter-2026-11'),
    channel: 'email',
  },
  {
    name: 'utm_medium=Email (case)',
    properties: visit('/?utm_source=Tidewell&utm_medium=Email'),
    channel: 'email',
  },
  { name: 'Gmail webmail referrer', properties: visit('/', 'https://mail.google.com/'), channel: 'email' },
  { name: 'Outlook webmail referrer', properties: visit('/', 'https://outlook.live.com/'), channel: 'email' },
  // Referral, display, events
  {
    name: 'partner referral',
    properties: visit('/', 'https://partner.crm-integrators.example/blog/tidewell-integration'),
    channel: 'referral',
  },
  {
    name: 'review site referral',
    properties: visit('/', 'https://saas-reviews.example/categories/revenue-analytics'),
    channel: 'referral',
  },
  {
    name: 'affiliate',
    properties: visit('/?utm_source=growthnotes&utm_medium=affiliate'),
    channel: 'referral',
  },
  {
    name: 'display banner',
    properties: visit('/?utm_source=google&utm_medium=display&utm_campaign=retargeting'),
    channel: 'display',
  },
  { name: 'programmatic cpm', properties: visit('/?utm_source=criteo&utm_medium=cpm'), channel: 'display' },
  {
    name: 'event QR code (utm_medium=event)',
    properties: visit(
      '/events/revops-live?utm_source=revops-live&utm_medium=event&utm_campaign=revops-live-booth',
    ),
    channel: 'events',
  },
  {
    name: 'QR code (utm_medium=qr)',
    properties: visit('/?utm_source=flyer&utm_medium=qr'),
    channel: 'events',
  },
  // Direct, other, no touch
  { name: 'direct (typed in)', properties: visit('/'), channel: 'direct' },
  { name: 'unknown UTM values', properties: visit('/?utm_source=foo&utm_medium=bar'), channel: 'other' },
  {
    name: 'unknown UTM values from another site',
    properties: visit('/?utm_medium=bar', 'https://blog.example/'),
    channel: 'referral',
  },
  {
    name: 'page inside a visit (internal referrer) is no touch',
    properties: visit('/pricing', `${site}/`, { landing: false }),
    channel: null,
  },
  {
    name: 'page inside a visit without a referrer (tracked) is no touch',
    properties: visit('/pricing', '', { landing: false }),
    channel: null,
  },
  {
    name: 'untracked page view without a referrer (API) is direct',
    properties: { page: { url: `${site}/`, path: '/', referrer: '' } },
    channel: 'direct',
  },
  // Forms and events (contracts/capture.ts shapes)
  {
    name: 'form submitted on a paid landing page',
    type: 'form_submitted',
    properties: {
      form: { id: 'frm_1', slug: 'demo', name: 'Demo request' },
      submissionId: 'sub_1',
      ...visit('/lp/demo?utm_source=google&utm_medium=cpc&gclid=x', 'https://www.google.com/'),
      landing: undefined,
    },
    channel: 'paid_search',
  },
  {
    name: 'form submitted after browsing (internal referrer) is no touch',
    type: 'form_submitted',
    properties: {
      form: { id: 'frm_1', slug: 'demo', name: 'Demo request' },
      submissionId: 'sub_2',
      page: { url: `${site}/demo`, path: '/demo', referrer: `${site}/pricing` },
      visitorId: 'v_test',
    },
    channel: null,
  },
  {
    name: 'event carrying UTM values (webinar link in an email)',
    type: 'event',
    properties: {
      name: 'webinar_registered',
      utm: { source: 'tidewell', medium: 'email', campaign: 'webinar-promo' },
    },
    channel: 'email',
  },
  {
    name: 'event without UTM is no touch',
    type: 'event',
    properties: { name: 'pricing_viewed', page: '/pricing' },
    channel: null,
  },
  // The demo data's flat shape
  {
    name: 'flat shape (demo data): paid search',
    properties: {
      url: `${site}/lp/revenue-analytics?utm_source=google&utm_medium=cpc&utm_campaign=brand`,
      path: '/lp/revenue-analytics',
      referrer: 'https://www.google.com/',
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'brand',
    },
    channel: 'paid_search',
  },
  {
    name: 'flat shape (demo data): direct',
    properties: {
      url: `${site}/`,
      path: '/',
      referrer: null,
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
    },
    channel: 'direct',
  },
  // CRM original sources (imports)
  {
    name: 'HubSpot ORGANIC_SEARCH',
    type: 'imported',
    properties: { originalSource: 'ORGANIC_SEARCH' },
    channel: 'organic_search',
  },
  {
    name: 'HubSpot "Paid Social" label',
    type: 'imported',
    properties: { originalSource: 'Paid Social' },
    channel: 'paid_social',
  },
  {
    name: 'HubSpot SOCIAL_MEDIA',
    type: 'created',
    properties: { originalSource: 'SOCIAL_MEDIA' },
    channel: 'organic_social',
  },
  {
    name: 'HubSpot EMAIL_MARKETING',
    type: 'imported',
    properties: { originalSource: 'EMAIL_MARKETING' },
    channel: 'email',
  },
  {
    name: 'HubSpot DIRECT_TRAFFIC',
    type: 'imported',
    properties: { originalSource: 'DIRECT_TRAFFIC' },
    channel: 'direct',
  },
  { name: 'HubSpot OFFLINE', type: 'imported', properties: { originalSource: 'OFFLINE' }, channel: 'other' },
  {
    name: 'Salesforce "Trade Show"',
    type: 'imported',
    properties: { originalSource: 'Trade Show' },
    channel: 'events',
  },
  {
    name: 'Salesforce "Partner Referral"',
    type: 'imported',
    properties: { originalSource: 'Partner Referral' },
    channel: 'referral',
  },
  {
    name: 'Salesforce "Google AdWords"',
    type: 'imported',
    properties: { originalSource: 'Google AdWords' },
    channel: 'paid_search',
  },
  {
    name: 'an unknown original source',
    type: 'imported',
    properties: { originalSource: 'Carrier pigeon' },
    channel: 'other',
  },
  {
    name: 'an import without an original source is no touch',
    type: 'imported',
    properties: { importId: 'imp_1' },
    channel: null,
  },
];

const rules = compileRules(defaultRuleSet);

function expected(c: Case): Channel | null {
  const f = factsOf(c.type ?? 'page_viewed', c.properties);
  if (!f || !isTouch(f, rules)) return null;
  return classify(f, rules).channel;
}

describe('channel classification (in memory)', () => {
  it('has at least 30 realistic cases', () => {
    assert.ok(cases.length >= 30);
  });
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(expected(c), c.channel);
    });
  }

  it('matches domains, their subdomains and every country domain of google.*', () => {
    assert.ok(domainMatches('www.google.com', 'google.*'));
    assert.ok(domainMatches('google.com.au', 'google.*'));
    assert.ok(!domainMatches('notgoogle.com', 'google.*'));
    assert.ok(domainMatches('m.facebook.com', 'facebook.com'));
    assert.ok(!domainMatches('facebook.com.evil.example', 'facebook.com'));
  });

  it('maps original sources whatever their spelling', () => {
    assert.equal(originalSourceChannel('organic search'), 'organic_search');
    assert.equal(originalSourceChannel('  Email Marketing '), 'email');
    assert.equal(originalSourceChannel('paid_search'), 'paid_search');
  });

  it('lets marketing add a landing-path rule and internal domains', () => {
    const custom = compileRules({
      ...defaultRuleSet,
      rules: [
        {
          id: 'booth-qr',
          name: 'Booth QR codes',
          channel: 'events',
          conditions: [{ field: 'landing_path', op: 'matches', value: '/qr/*' }],
        },
        ...defaultRuleSet.rules,
      ],
      internalDomains: ['stripe.com', 'tidewell-app.example'],
    });
    const qr = factsOf('page_viewed', visit('/qr/summit-2026'))!;
    assert.equal(classify(qr, custom).channel, 'events');
    // Back from the payment page: internal, inside the visit.
    const back = factsOf(
      'page_viewed',
      visit('/thanks', 'https://checkout.stripe.com/', { landing: false }),
    )!;
    assert.equal(isTouch(back, custom), false);
    assert.equal(isTouch(back, rules), true, 'without the internal domain it is a referral visit');
  });

  it('names the field of each problem in a rule set', () => {
    const problems = ruleSetProblems({
      ...defaultRuleSet,
      rules: [
        {
          id: 'a',
          name: 'A',
          channel: 'email',
          conditions: [{ field: 'utm_source', op: 'in_list', value: 'search_engines' }],
        },
        { id: 'a', name: 'B', channel: 'email', conditions: [{ field: 'utm_medium', op: 'in', values: [] }] },
        {
          id: 'c',
          name: 'C',
          channel: 'email',
          conditions: [{ field: 'click_id', op: 'in', values: ['utm_id'] }],
        },
      ],
      internalDomains: ['not a domain'],
    });
    assert.deepEqual(
      problems.map((p) => `${p.field}:${p.rule}`),
      [
        'definition.rules.0.conditions.0:op',
        'definition.rules.1.id:unique',
        'definition.rules.1.conditions.0:values',
        'definition.rules.2.conditions.0:values',
        'definition.internalDomains.0:format',
      ],
    );
    assert.deepEqual(ruleSetProblems(defaultRuleSet), []);
  });
});

for (const dialect of testDialects) {
  describe(`channel classification on insert (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    it('stores each case’s channel, UTM values and rule version in the touchpoint’s columns', async () => {
      const db = t.runtime.database.db;
      const leads = t.runtime.api.leads;
      const ids = await db.transaction().execute(async (tx) => {
        const [r] = await leads.resolveBatch(tx, [{ input: { email: `cases-${dialect}@example.test` } }], {
          source: 'api',
          actor: { type: 'system', label: 'test' },
        });
        assert.ok(r && r.status !== 'error');
        return leads.recordTouchpoints(
          tx,
          cases.map((c, i) => ({
            leadId: r.leadId,
            type: c.type ?? 'page_viewed',
            occurredAt: Date.UTC(2026, 9, 1) + i * 60_000,
            source: 'tracking' as const,
            properties: c.properties,
          })),
        );
      });
      const rows = await db
        .selectFrom('touchpoints')
        .select(['id', 'channel', 'utm_source', 'utm_medium', 'utm_campaign', 'rule_version'])
        .where('id', 'in', ids)
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const wrong = cases.flatMap((c, i) => {
        const row = byId.get(ids[i]!)!;
        return (row.channel ?? null) === c.channel
          ? []
          : [`${c.name}: ${row.channel} (expected ${c.channel})`];
      });
      assert.deepEqual(wrong, []);
      const paid = byId.get(ids[cases.findIndex((c) => c.name === 'google cpc with gclid')]!)!;
      assert.deepEqual(
        { s: paid.utm_source, m: paid.utm_medium, c: paid.utm_campaign, v: Number(paid.rule_version) },
        { s: 'google', m: 'cpc', c: 'brand', v: 1 },
      );
      const caps = byId.get(ids[cases.findIndex((c) => c.name === 'utm_medium=PPC in capitals')]!)!;
      assert.equal(caps.utm_source, 'google', 'UTM values are stored lower-cased');
    });
  });
}
