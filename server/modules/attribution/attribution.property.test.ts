/**
 * Property: reclassifying history under a published rule set gives exactly what classifying the
 * same touchpoints inline under those rules gives: the same touchpoint columns, and the same first
 * and last touch on the leads. Random rule sets (the defaults reordered, trimmed, extended) and
 * random visits (referrers, UTM values, click ids, landing flags, both property shapes, CRM
 * original sources, campaign keys in any case), on every dialect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { ChannelRule, RuleCondition, RuleSetDefinition } from '../../../contracts/attribution.ts';
import { channels } from '../../../contracts/capture.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { defaultRuleSet, ruleSetProblems } from './attribution.rules.ts';

const site = 'https://www.tidewell.example';
const referrers = [
  '',
  'https://www.google.com/',
  'https://www.bing.com/',
  'https://l.facebook.com/',
  'https://www.linkedin.com/',
  'https://mail.google.com/',
  'https://partner.example/blog',
  'https://checkout.stripe.com/',
  `${site}/pricing`,
];
const sources = ['google', 'bing', 'facebook', 'linkedin', 'newsletter', 'partner', 'Criteo'];
const media = ['cpc', 'email', 'paid_social', 'social', 'display', 'event', 'referral', 'odd'];
const campaignKeys = ['brand', 'Brand', 'spring-sale', 'SPRING-SALE', 'unmapped'];

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const webTouchpoint = fc
  .record({
    type: fc.constantFrom('page_viewed', 'page_viewed', 'page_viewed', 'form_submitted', 'event'),
    referrer: fc.constantFrom(...referrers),
    source: optional(fc.constantFrom(...sources)),
    medium: optional(fc.constantFrom(...media)),
    campaign: optional(fc.constantFrom(...campaignKeys)),
    clickIds: fc.subarray(['gclid', 'msclkid', 'fbclid', 'li_fat_id']),
    landing: fc.constantFrom(true, false, undefined),
    tracked: fc.boolean(),
    flat: fc.boolean(),
    path: fc.constantFrom('/', '/pricing', '/qr/booth', '/lp/demo'),
  })
  .map((v) => {
    const query = new URLSearchParams();
    if (v.source) query.set('utm_source', v.source);
    if (v.medium) query.set('utm_medium', v.medium);
    if (v.campaign) query.set('utm_campaign', v.campaign);
    for (const c of v.clickIds) query.set(c, 'x1');
    const url = `${site}${v.path}${query.size ? `?${query}` : ''}`;
    const properties: Record<string, unknown> = v.flat
      ? { url, path: v.path, referrer: v.referrer || null }
      : {
          page: { url, path: v.path, referrer: v.referrer },
          ...(v.source || v.medium || v.campaign
            ? { utm: { source: v.source, medium: v.medium, campaign: v.campaign } }
            : {}),
          ...(v.landing === undefined ? {} : { landing: v.landing }),
          ...(v.tracked ? { visitorId: 'v_prop' } : {}),
        };
    if (v.type === 'event') properties.name = 'clicked';
    return { type: v.type, properties };
  });

const crmTouchpoint = fc
  .constantFrom('ORGANIC_SEARCH', 'Paid Social', 'Trade Show', 'something else')
  .map((value) => ({ type: 'imported', properties: { originalSource: value } }));

const touchpoint = fc.record({
  tp: fc.oneof({ weight: 5, arbitrary: webTouchpoint }, { weight: 1, arbitrary: crmTouchpoint }),
  lead: fc.integer({ min: 0, max: 2 }),
  at: fc.integer({ min: 0, max: 60 * 24 * 30 }).map((m) => Date.UTC(2026, 5, 1) + m * 60_000),
});

const condition: fc.Arbitrary<RuleCondition> = fc.oneof(
  fc.record({
    field: fc.constantFrom('utm_source' as const, 'utm_medium' as const, 'utm_campaign' as const),
    op: fc.constant('in' as const),
    values: fc.subarray([...sources, ...media, ...campaignKeys], { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    field: fc.constant('referrer_domain' as const),
    op: fc.constant('in_list' as const),
    value: fc.constantFrom('search_engines', 'social_networks', 'email_providers'),
  }),
  fc.record({
    field: fc.constant('landing_path' as const),
    op: fc.constant('matches' as const),
    value: fc.constantFrom('/qr/*', '/lp/*', '/pricing'),
  }),
  fc.record({
    field: fc.constant('click_id' as const),
    op: fc.constant('exists' as const),
    values: fc.constant([] as string[]),
  }),
);

const extraRule: fc.Arbitrary<ChannelRule> = fc.record({
  id: fc.integer({ min: 1, max: 1e9 }).map((n) => `extra-${n}`),
  name: fc.constant('Random rule'),
  channel: fc.constantFrom(...channels),
  conditions: fc.array(condition, { minLength: 1, maxLength: 2 }),
});

const ruleSet: fc.Arbitrary<RuleSetDefinition> = fc
  .record({
    keep: fc.subarray(defaultRuleSet.rules, { minLength: 5 }),
    order: fc.boolean(),
    extra: fc.array(extraRule, { maxLength: 3 }),
    internal: fc.subarray(['stripe.com', 'partner.example']),
  })
  .map((r) => {
    const rules = r.order ? [...r.keep].reverse() : r.keep;
    const ids = new Set<string>();
    const all = [...r.extra, ...rules].filter((x) => !ids.has(x.id) && ids.add(x.id));
    return { ...defaultRuleSet, rules: all, internalDomains: r.internal };
  })
  .filter((d) => ruleSetProblems(d).length === 0);

for (const dialect of testDialects) {
  describe(`reclassification equals inline classification (${dialect})`, () => {
    let t: TestApp;
    let marketer: Record<string, string>;
    before(async () => {
      t = await createTestApp(dialect);
      marketer = (await t.signIn('marketing')).headers;
      for (const [name, channel, keys] of [
        ['Brand search', 'paid_search', ['brand']],
        ['Spring sale', 'display', ['spring-sale']],
      ] as const) {
        const r = await t.request({
          method: 'POST',
          url: '/api/v1/campaigns',
          headers: marketer,
          payload: { name, channel, utmCampaigns: [...keys] },
        });
        assert.equal(r.statusCode, 201, r.body);
      }
    });
    after(async () => t.close());

    let run = 0;
    it('gives the same touchpoints and the same first and last touches', async () => {
      const db = t.runtime.database.db;
      const leads = t.runtime.api.leads;
      const attribution = t.runtime.api.attribution.attribution;

      async function newLeads(n: number): Promise<string[]> {
        run++;
        return db.transaction().execute(async (tx) => {
          const results = await leads.resolveBatch(
            tx,
            Array.from({ length: n }, (_, i) => ({
              input: { email: `p${run}-${i}-${dialect}@example.test` },
            })),
            { source: 'api', actor: { type: 'system', label: 'test' } },
          );
          return results.map((r) => {
            assert.ok(r.status !== 'error');
            return r.leadId;
          });
        });
      }
      const record = (
        leadIds: string[],
        tps: { tp: { type: string; properties: Record<string, unknown> }; lead: number; at: number }[],
      ) =>
        db.transaction().execute((tx) =>
          leads.recordTouchpoints(
            tx,
            tps.map((x) => ({
              leadId: leadIds[x.lead]!,
              type: x.tp.type,
              occurredAt: x.at,
              source: 'tracking' as const,
              properties: x.tp.properties,
            })),
          ),
        );
      const columns = async (ids: string[]) => {
        const rows = await db
          .selectFrom('touchpoints')
          .select([
            'id',
            'channel',
            'campaign_id',
            'utm_source',
            'utm_medium',
            'utm_campaign',
            'rule_version',
          ])
          .where('id', 'in', ids)
          .execute();
        const byId = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => {
          const { id: _, ...rest } = byId.get(id)!;
          return { ...rest, rule_version: rest.rule_version === null ? null : Number(rest.rule_version) };
        });
      };
      const touches = async (ids: string[]) => {
        const rows = await db
          .selectFrom('leads')
          .select([
            'id',
            'first_touch',
            'first_touch_channel',
            'first_touch_campaign_id',
            'first_touch_at',
            'last_touch',
            'last_touch_channel',
            'last_touch_campaign_id',
            'last_touch_at',
          ])
          .where('id', 'in', ids)
          .execute();
        const byId = new Map(rows.map((r) => [r.id, r]));
        const strip = (json: string | null | undefined) => {
          if (!json) return null;
          const { touchpointId: _, ...rest } = JSON.parse(json);
          return rest;
        };
        return ids.map((id) => {
          const r = byId.get(id)!;
          return {
            first: strip(r.first_touch),
            firstChannel: r.first_touch_channel,
            firstCampaign: r.first_touch_campaign_id,
            firstAt: r.first_touch_at === null ? null : Number(r.first_touch_at),
            last: strip(r.last_touch),
            lastChannel: r.last_touch_channel,
            lastCampaign: r.last_touch_campaign_id,
            lastAt: r.last_touch_at === null ? null : Number(r.last_touch_at),
          };
        });
      };

      await fc.assert(
        fc.asyncProperty(
          ruleSet,
          fc.array(touchpoint, { minLength: 1, maxLength: 25 }),
          async (rules, tps) => {
            // History first, under the rules published so far.
            const history = await newLeads(3);
            const historyIds = await record(history, tps);
            // Publish the new rules and reclassify history in the background job's code.
            const draft = (
              await t.request({ method: 'GET', url: '/api/v1/channel-rules/draft', headers: marketer })
            ).json();
            await t.request({
              method: 'PUT',
              url: '/api/v1/channel-rules/draft',
              headers: marketer,
              payload: { definition: rules, basedOn: draft.basedOn },
            });
            const published = await t.request({
              method: 'POST',
              url: '/api/v1/channel-rules/publish',
              headers: marketer,
              payload: {},
            });
            if (published.statusCode === 200) {
              await attribution.runReclassification(published.json().reclassification.id, {
                signal: new AbortController().signal,
              });
            } else assert.equal(published.json().error.code, 'CHANNEL_RULES_UNCHANGED');
            // The same touchpoints again, classified inline under the new rules.
            const inline = await newLeads(3);
            const inlineIds = await record(inline, tps);
            assert.deepEqual(await columns(historyIds), await columns(inlineIds));
            assert.deepEqual(await touches(history), await touches(inline));
          },
        ),
        { numRuns: dialect === 'sqlite' ? 25 : 12 },
      );
    });
  });
}
