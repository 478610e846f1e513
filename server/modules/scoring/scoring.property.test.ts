/**
 * The incremental score (touchpoints applied as they are recorded, in any order and batches) always
 * equals a full recompute from the lead's touchpoints, on every dialect: the stored state, the
 * stored score, and the score computed later (decay from event times) all agree.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Decay, EngagementRule, ScoringDefinition } from '../../../contracts/scoring.ts';
import { fromJson } from '../../platform/db/schema.ts';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { compileModel, computeScore, type ScoreState, stateFrom } from './engine.ts';

const day = 86_400_000;
const types = ['page_viewed', 'event', 'form_submitted'] as const;
const names = ['a', 'b', 'c'] as const;

const decayArb: fc.Arbitrary<Decay> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.integer({ min: 1, max: 60 }).map((days) => ({ kind: 'halfLife' as const, days })),
  fc.integer({ min: 1, max: 60 }).map((days) => ({ kind: 'window' as const, days })),
);

const ruleArb = (i: number): fc.Arbitrary<EngagementRule> =>
  fc.record({
    id: fc.constant(`r${i}`),
    name: fc.constant(`rule ${i}`),
    behavior: fc.record({
      type: fc.constantFrom(...types),
      where: fc.option(
        fc.array(
          fc.oneof(
            fc.record({
              path: fc.constant('name'),
              op: fc.constantFrom('eq', 'neq'),
              value: fc.constantFrom(...names),
            }),
            fc.record({
              path: fc.constant('n'),
              op: fc.constantFrom('gte', 'lt'),
              value: fc.integer({ min: 0, max: 5 }),
            }),
          ),
          { maxLength: 2 },
        ),
        { nil: undefined },
      ),
    }),
    points: fc.integer({ min: -50, max: 50 }),
    repeatable: fc.boolean(),
    cap: fc.option(fc.integer({ min: 1, max: 100 }), { nil: null }),
    group: fc.option(fc.constantFrom('g1', 'g2'), { nil: null }),
    decay: decayArb,
  }) as fc.Arbitrary<EngagementRule>;

const modelArb: fc.Arbitrary<ScoringDefinition> = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc.record({
    fit: fc.constant({
      rules: [
        { id: 'f1', name: 'Big', filter: { field: 'companySize', op: 'gte', value: 100 }, points: 20 },
        { id: 'f2', name: 'DE', filter: { field: 'country', op: 'eq', value: 'DE' }, points: -5 },
      ],
      grades: { A: 20, B: 10, C: 0 },
    }),
    engagement: fc.record({
      rules: fc.tuple(...Array.from({ length: n }, (_, i) => ruleArb(i))),
      groups: fc.constant([
        { name: 'g1', cap: 30 },
        { name: 'g2', cap: 7 },
      ]),
    }),
  }),
) as fc.Arbitrary<ScoringDefinition>;

const touchArb = fc.record({
  type: fc.constantFrom(...types),
  ageDays: fc.double({ min: -2, max: 120, noNaN: true }),
  name: fc.constantFrom(...names),
  n: fc.integer({ min: 0, max: 6 }),
});

for (const dialect of testDialects) {
  describe(`scoring: incremental = full recompute (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    it('holds for random models, touchpoints, batches and later reads', async () => {
      let run = 0;
      const db = () => t.runtime.database.db;
      await fc.assert(
        fc.asyncProperty(
          modelArb,
          fc.array(
            fc.record({ tps: fc.array(touchArb, { minLength: 1, maxLength: 6 }), republish: fc.boolean() }),
            {
              minLength: 1,
              maxLength: 5,
            },
          ),
          fc.integer({ min: 0, max: 90 }),
          fc.boolean(),
          async (initial, batches, laterDays, big) => {
            let definition = initial;
            run++;
            let version = 0;
            // Publish this model directly (the API path is covered elsewhere), under a new version.
            const publish = async () => {
              version = 1000 * run + (version % 1000) + 1;
              await db().deleteFrom('scoring_models').execute();
              const now0 = t.clock.now();
              await db()
                .insertInto('scoring_models')
                .values({
                  version,
                  status: 'published',
                  definition: JSON.stringify(definition),
                  note: null,
                  created_at: now0,
                  updated_at: now0,
                  published_at: now0,
                  published_by_label: 'test',
                  rescore_total: null,
                  rescore_done: null,
                  rescore_changed: null,
                  rescore_finished_at: null,
                  backtest: null,
                })
                .execute();
            };
            await publish();
            const [res] = await db()
              .transaction()
              .execute((tx) =>
                t.runtime.api.leads.resolveBatch(
                  tx,
                  [{ input: { email: `p${run}@prop.example`, companySize: big ? 500 : 5, country: 'DE' } }],
                  { source: 'api', actor: { type: 'system', label: 'test' } },
                ),
              );
            assert.ok(res && res.status !== 'error');
            const leadId = res.leadId;
            for (const batch of batches) {
              // A new version leaves the lead's state stale: the next touchpoint rebuilds it in full.
              // A new version whose extra rule matches other events leaves the lead's state short:
              // the next touchpoint rebuilds it from all of them.
              if (batch.republish) {
                const k = definition.engagement.rules.length;
                definition = {
                  ...definition,
                  engagement: {
                    ...definition.engagement,
                    rules: [
                      ...definition.engagement.rules,
                      {
                        id: `x${k}`,
                        name: `extra ${k}`,
                        behavior: { type: 'event', where: [{ path: 'n', op: 'gte', value: k % 6 }] },
                        points: k,
                        repeatable: k % 2 === 0,
                        decay: { kind: 'halfLife', days: k + 1 },
                      },
                    ],
                  },
                };
                await publish();
              }
              await db()
                .transaction()
                .execute((tx) =>
                  t.runtime.api.leads.recordTouchpoints(
                    tx,
                    batch.tps.map((b) => ({
                      leadId,
                      type: b.type,
                      occurredAt: Math.round(t.clock.now() - b.ageDays * day),
                      source: 'tracking' as const,
                      properties: { name: b.name, n: b.n },
                    })),
                  ),
                );
            }
            const catalog = await t.runtime.api.filters.catalog();
            const model = compileModel(definition, catalog, version);
            const tps = await db()
              .selectFrom('touchpoints')
              .select(['type', 'occurred_at', 'properties'])
              .where('lead_id', '=', leadId)
              .execute();
            const full = stateFrom(model, tps);
            const row = await db()
              .selectFrom('lead_scores')
              .selectAll()
              .where('lead_id', '=', leadId)
              .executeTakeFirstOrThrow();
            const incremental = fromJson<ScoreState>(row.state, {});
            assert.ok(Number(row.version) <= version);
            // What the model reads (a state may also hold times for an older version's rules).
            const norm = (s: ScoreState) =>
              Object.fromEntries(model.signatures.map((r) => [r.key, s[r.key] ?? null]));
            assert.deepEqual(norm(incremental), norm(full));
            const lead = await db()
              .selectFrom('leads')
              .selectAll()
              .where('id', '=', leadId)
              .executeTakeFirstOrThrow();
            const ctx = { lead: lead as unknown as Record<string, unknown>, company: null, touchpoints: [] };
            const expected = computeScore(model, catalog, ctx, full, t.clock.now());
            assert.deepEqual(
              [
                Number(lead.score_fit),
                Number(lead.score_engagement),
                Number(lead.score_total),
                lead.fit_grade,
              ],
              [expected.fit, expected.engagement, expected.total, expected.grade],
            );
            // Later, decay from event times: the API's breakdown equals the recompute at that time.
            const start = t.clock.now();
            t.clock.set(start + laterDays * day);
            try {
              const api = await t.runtime.api.scoring.breakdown(leadId);
              const b = computeScore(model, catalog, ctx, full, start + laterDays * day);
              assert.deepEqual(
                [api.fit, api.engagement, api.total, api.grade],
                [b.fit, b.engagement, b.total, b.grade],
              );
            } finally {
              t.clock.set(start);
            }
          },
        ),
        { numRuns: dialect === 'sqlite' ? 60 : 30 },
      );
    });
  });
}
