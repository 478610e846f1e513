/**
 * Property: what the fast path writes with a new lead (its first and last touch, from attribution;
 * its scores, state and history, from scoring, for imported and demo history) is what the general
 * path computes from the stored touchpoints afterwards. Random batches of new people (some several
 * times in a batch) with form visits, CRM original sources and fit fields, from every source, on
 * every dialect: recomputing touches changes no lead, a full rescore changes no score and no state,
 * and each lead has one score history row exactly when its score is not the default.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { LeadSource } from '../../../contracts/leads.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import type { ResolveItem } from './index.ts';

const site = 'https://www.tidewell.example';
const visit = fc.record({
  path: fc.constantFrom('/', '/pricing', '/demo', '/lp/spring'),
  referrer: fc.constantFrom('', 'https://www.google.com/', 'https://www.linkedin.com/', `${site}/blog`),
  utm: fc.option(
    fc.record({
      source: fc.constantFrom('google', 'newsletter', 'linkedin'),
      medium: fc.constantFrom('cpc', 'email', 'paid_social'),
      campaign: fc.constantFrom('brand', 'spring-sale', 'other'),
    }),
    { nil: undefined },
  ),
});

const person = fc.record({
  who: fc.integer({ min: 0, max: 5 }),
  jobTitle: fc.option(fc.constantFrom('CEO', 'VP Sales', 'Engineer', 'Head of Marketing', 'Intern')),
  industry: fc.option(fc.constantFrom('Software', 'Retail', 'Computer Software', 'Education')),
  companySize: fc.option(fc.integer({ min: 1, max: 5000 })),
  website: fc.option(fc.constantFrom('https://acme.example', 'https://www.globex.example')),
  createdDaysAgo: fc.option(fc.integer({ min: 0, max: 900 })),
  // What arrives with the person: a form visit, a CRM's original source, or nothing.
  with: fc.oneof(
    fc.record({
      kind: fc.constant('visit' as const),
      visit,
      minutesAgo: fc.integer({ min: 0, max: 50_000 }),
    }),
    fc.record({
      kind: fc.constant('original' as const),
      value: fc.constantFrom('ORGANIC_SEARCH', 'Paid Social', 'Trade Show', 'Referrals', 'something else'),
    }),
    fc.constant({ kind: 'none' as const }),
  ),
});

for (const dialect of testDialects) {
  describe(`new leads written with their derived values (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    it('agree with what the general path computes from their touchpoints', async () => {
      const db = t.runtime.database.db;
      const { leads, attribution, scoring } = t.runtime.api;
      const now = t.clock.now();
      let run = 0;
      let withTouch = 0;
      let scored = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(person, { minLength: 1, maxLength: 12 }),
          fc.constantFrom<LeadSource>('import', 'demo', 'api', 'form'),
          async (people, source) => {
            run++;
            const items: ResolveItem[] = people.map((p) => ({
              input: {
                email: `p${p.who}.run${run}@prefill-${dialect}.example`,
                ...(p.jobTitle ? { jobTitle: p.jobTitle } : {}),
                ...(p.industry ? { industry: p.industry } : {}),
                ...(p.companySize ? { companySize: p.companySize } : {}),
                ...(p.website ? { website: p.website } : {}),
                ...(p.createdDaysAgo !== null
                  ? { createdAt: new Date(now - p.createdDaysAgo * 86_400_000).toISOString() }
                  : {}),
              },
              ...(p.with.kind === 'visit'
                ? {
                    touchpoint: {
                      type: 'form_submitted',
                      occurredAt: now - p.with.minutesAgo * 60_000,
                      properties: {
                        page: { url: `${site}${p.with.visit.path}`, referrer: p.with.visit.referrer },
                        ...(p.with.visit.utm ? { utm: p.with.visit.utm } : {}),
                      },
                    },
                  }
                : {}),
              ...(p.with.kind === 'original'
                ? { touchpointProperties: { originalSource: p.with.value } }
                : {}),
            }));
            const results = await db.transaction().execute((tx) =>
              leads.resolveBatch(tx, items, {
                source,
                actor: { type: 'system', label: 'test' },
                ...(source === 'import' ? { touchpointType: 'imported' } : {}),
              }),
            );
            const ids = [
              ...new Set(
                results.map((r) => {
                  assert.notEqual(r.status, 'error', JSON.stringify(r));
                  return r.status === 'error' ? '' : r.leadId;
                }),
              ),
            ];
            assert.equal(ids.length, new Set(people.map((p) => p.who)).size, 'one lead per person');
            const stored = async () =>
              db
                .selectFrom('leads')
                .leftJoin('lead_scores', 'lead_scores.lead_id', 'leads.id')
                .select([
                  'leads.id',
                  'leads.first_touch',
                  'leads.last_touch',
                  'leads.first_touch_channel',
                  'leads.last_touch_channel',
                  'leads.score_fit',
                  'leads.score_engagement',
                  'leads.score_total',
                  'leads.fit_grade',
                  'lead_scores.state',
                  'lead_scores.version',
                ])
                .where('leads.id', 'in', ids)
                .orderBy('leads.id')
                .execute();
            const written = await stored();
            withTouch += written.filter((l) => l.first_touch !== null).length;
            scored += written.filter((l) => Number(l.score_total) !== 0).length;
            // The general path, from the stored touchpoints: nothing to change.
            const recomputed = await db.transaction().execute(async (tx) => ({
              touches: await attribution.recomputeTouches(tx, ids),
              scores: await scoring.scoreLeads(tx, ids, { full: true, cause: 'check' }),
            }));
            assert.equal(recomputed.touches, 0, 'first and last touches as recomputed');
            assert.deepEqual(recomputed.scores, [], 'scores as a full rescore computes them');
            const states = (rows: typeof written) =>
              rows.map((r) => [r.id, JSON.parse(String(r.state ?? 'null')), r.version]);
            assert.deepEqual(states(await stored()), states(written), 'score states as rebuilt');
            const history = await db
              .selectFrom('lead_score_history')
              .select(['lead_id', 'fit', 'engagement', 'total', 'grade', 'cause'])
              .where('lead_id', 'in', ids)
              .where('cause', '!=', 'check')
              .execute();
            for (const l of written) {
              const rows = history.filter((h) => h.lead_id === l.id);
              const scored =
                Number(l.score_fit) !== 0 || Number(l.score_engagement) !== 0 || Number(l.score_total) !== 0;
              assert.equal(rows.length, scored || l.fit_grade !== null ? 1 : 0, `history of ${l.id}`);
              for (const h of rows) {
                assert.deepEqual(
                  [Number(h.fit), Number(h.engagement), Number(h.total), h.grade, h.cause],
                  [
                    Number(l.score_fit),
                    Number(l.score_engagement),
                    Number(l.score_total),
                    l.fit_grade,
                    'created',
                  ],
                );
              }
            }
          },
        ),
        { numRuns: 40 },
      );
      // The runs did write touches and scores with new leads (the property is not vacuous).
      assert.ok(withTouch > 10, `${withTouch} leads with a first touch`);
      assert.ok(scored > 10, `${scored} leads with a score`);
    });
  });
}
