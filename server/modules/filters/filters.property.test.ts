/**
 * Property: for random leads (with companies, custom fields of every type, some stored with the
 * wrong JSON type, and touchpoints) and random filters (all/any/not to depth 4 over every field
 * kind and operator, company and behaviour conditions with property paths, counts and windows),
 * the compiled SQL selects exactly the leads the in-memory evaluator accepts, on every dialect.
 * Text values mix case, non-ASCII letters, glob and LIKE specials.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Filter, FilterOp, FilterValue, PropertyCondition } from '../../../contracts/filters.ts';
import { opsByKind } from '../../../contracts/filters.ts';
import { createTestDatabase, testDialects } from '../../test-support/db.ts';
import { buildCatalog, type FieldSpec } from './catalog.ts';
import { evaluate } from './memory.ts';
import { dayMs } from './semantics.ts';
import { createCompiler } from './sql.ts';
import { validateFilter } from './validate.ts';

const now = Date.UTC(2026, 10, 22, 9, 0, 0);
const catalog = buildCatalog([
  { key: 'plan', label: 'Plan', type: 'select', options: ['Free', 'Pro', 'Enterprise'] },
  { key: 'score', label: 'Score', type: 'number', options: [] },
  { key: 'note', label: 'Note', type: 'text', options: [] },
  { key: 'renewal', label: 'Renewal', type: 'date', options: [] },
  { key: 'active', label: 'Active', type: 'boolean', options: [] },
  { key: 'tags', label: 'Tags', type: 'multiselect', options: ['alpha', 'Beta', 'gamma'] },
]);

const chars = ['a', 'A', 'b', 'B', 'é', 'É', 'ß', '%', '_', '\\', '*', '?', ' ', '😀', '/', 'p'];
const text = fc.array(fc.constantFrom(...chars), { maxLength: 4 }).map((a) => a.join(''));
const pattern = fc.array(fc.constantFrom(...chars, '*', '?', '*'), { maxLength: 4 }).map((a) => a.join(''));
const smallNumber = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, -1.5, 2.25, 1000));
// Exactly 30 days ago and midnights too: the boundaries of windows and day comparisons.
const msAround = fc.oneof(
  fc.integer({ min: now - 400 * dayMs, max: now + 5 * dayMs }),
  fc.constantFrom(now - 30 * dayMs, Date.UTC(2026, 9, 23), Date.UTC(2026, 10, 22)),
);
const day = msAround.map((ms) => new Date(ms).toISOString().slice(0, 10));
const isoValue = fc.oneof(
  msAround.map((ms) => new Date(ms).toISOString()),
  day,
  fc.constantFrom('2026-11-22', new Date(now - 30 * dayMs).toISOString()),
);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

function caseVariants(options: readonly string[]) {
  return fc.tuple(fc.constantFrom(...options), fc.boolean()).map(([o, up]) => (up ? o.toUpperCase() : o));
}

// ── Data ─────────────────────────────────────────────────────────────────────
const customFields = fc.record(
  {
    plan: fc.oneof(fc.constantFrom('Free', 'Pro', 'Enterprise'), fc.constant(3) as fc.Arbitrary<unknown>),
    score: fc.oneof(smallNumber as fc.Arbitrary<unknown>, fc.constant('2')),
    note: fc.oneof(text as fc.Arbitrary<unknown>, fc.constant(true)),
    renewal: day,
    active: fc.oneof(fc.boolean() as fc.Arbitrary<unknown>, fc.constant('true')),
    tags: fc.oneof(
      fc.subarray(['alpha', 'Beta', 'gamma', 'BETA']) as fc.Arbitrary<unknown>,
      fc.constant('alpha'),
    ),
  },
  { requiredKeys: [] },
);

const properties = fc.record(
  {
    page: fc.oneof(
      fc.record(
        {
          // Not always text: SQLite reads page.path's text from an index (null for other types).
          path: fc.oneof(
            text as fc.Arbitrary<unknown>,
            fc.constantFrom('/pricing', '/Pricing/plans', '/blog'),
            fc.constantFrom(7, true, { p: '/pricing' }),
          ),
        },
        { requiredKeys: [] },
      ) as fc.Arbitrary<unknown>,
      fc.constant('flat'),
    ),
    form: fc.oneof(
      fc.record(
        { slug: fc.oneof(text as fc.Arbitrary<unknown>, fc.constantFrom('demo-request', 'Demo-Request', 3)) },
        { requiredKeys: [] },
      ) as fc.Arbitrary<unknown>,
      fc.constant('demo-request'),
    ),
    name: fc.oneof(text as fc.Arbitrary<unknown>, fc.constantFrom('trial_started', 'TRIAL_started', 5)),
    n: fc.oneof(smallNumber as fc.Arbitrary<unknown>, fc.constant('1'), fc.constant(null)),
    flag: fc.oneof(fc.boolean() as fc.Arbitrary<unknown>, fc.constant(0)),
  },
  { requiredKeys: [] },
);

const touchpoint = fc.record({
  type: fc.constantFrom('page_viewed', 'form_submitted', 'event'),
  occurred_at: fc.oneof(fc.integer({ min: now - 60 * dayMs, max: now }), fc.constant(now - 30 * dayMs)),
  properties,
});

const leadData = fc.record({
  country: optional(fc.oneof(text, fc.constantFrom('DE', 'de', 'Straße', ''))),
  company_size: optional(fc.integer({ min: 0, max: 5 })),
  lifecycle_stage: fc.constantFrom('lead', 'mql', 'customer'),
  first_touch_channel: optional(fc.constantFrom('email', 'direct')),
  created_at: msAround,
  custom: customFields,
  company: fc.option(
    fc.record({
      industry: optional(fc.oneof(text, fc.constantFrom('Education'))),
      employees: optional(smallNumber),
    }),
    { nil: undefined },
  ),
  touchpoints: fc.array(touchpoint, { maxLength: 5 }),
});

// ── Filters ──────────────────────────────────────────────────────────────────
function valueFor(spec: FieldSpec, op: FilterOp): fc.Arbitrary<FilterValue | FilterValue[] | undefined> {
  if (op === 'isSet' || op === 'isNotSet') return fc.constant(undefined);
  if (op === 'withinLastDays' || op === 'notWithinLastDays')
    return fc.oneof(fc.integer({ min: 1, max: 400 }), fc.constant(30));
  const one: fc.Arbitrary<FilterValue> =
    spec.kind === 'number'
      ? smallNumber
      : spec.kind === 'boolean'
        ? fc.boolean()
        : spec.kind === 'date'
          ? isoValue
          : (spec.kind === 'enum' || spec.kind === 'list') &&
              !['contains', 'startsWith', 'matches'].includes(op)
            ? caseVariants(spec.options!)
            : spec.kind === 'list'
              ? caseVariants(spec.options!)
              : op === 'matches'
                ? pattern
                : text;
  if (op === 'in' || op === 'nin') return fc.array(one, { minLength: 1, maxLength: 3 });
  if (op === 'between') {
    if (spec.kind === 'date')
      return fc
        .tuple(msAround, msAround)
        .map(([a, b]) => [new Date(Math.min(a, b)).toISOString(), new Date(Math.max(a, b)).toISOString()]);
    return fc.tuple(smallNumber, smallNumber).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]);
  }
  return one;
}

function conditionOn(specs: FieldSpec[]) {
  return fc
    .constantFrom(...specs)
    .chain((spec) => fc.constantFrom(...opsByKind[spec.kind]).map((op) => ({ spec, op })))
    .chain(({ spec, op }) =>
      valueFor(spec, op).map((value) => ({
        field: spec.field,
        op,
        ...(value === undefined ? {} : { value }),
      })),
    );
}

const leadCondition = conditionOn(
  [...catalog.lead.values()].filter(
    (s) =>
      ['country', 'companySize', 'lifecycleStage', 'firstTouchChannel', 'createdAt'].includes(s.field) ||
      s.group === 'custom',
  ),
) as fc.Arbitrary<Filter>;
const companyCondition = conditionOn(
  [...catalog.company.values()].filter((s) => ['industry', 'employees'].includes(s.field)),
).map((c) => ({ company: c })) as fc.Arbitrary<Filter>;

const propertyCondition: fc.Arbitrary<PropertyCondition> = fc.oneof(
  fc
    .record({
      // The paths SQLite answers from the touchpoints index for their type, and one it does not.
      path: fc.constantFrom('page.path', 'form.slug', 'name', 'page'),
      op: fc.constantFrom(
        'eq',
        'neq',
        'in',
        'nin',
        'contains',
        'startsWith',
        'matches',
        'isSet',
        'isNotSet',
      ) as fc.Arbitrary<FilterOp>,
    })
    .chain((c) =>
      (c.op === 'isSet' || c.op === 'isNotSet'
        ? fc.constant(undefined)
        : c.op === 'matches'
          ? fc.oneof(pattern, fc.constantFrom('/pricing*', 'demo-*', 'TRIAL?started'))
          : c.op === 'in' || c.op === 'nin'
            ? fc.array(fc.oneof(text, fc.constantFrom('/pricing', 'DEMO-request', 'trial_started')), {
                minLength: 1,
                maxLength: 3,
              })
            : fc.oneof(text, fc.constantFrom('/pricing', 'demo-request', 'trial_started'))
      ).map((value) => ({ ...c, ...(value === undefined ? {} : { value }) })),
    ),
  fc
    .record({
      path: fc.constant('n'),
      op: fc.constantFrom('eq', 'gt', 'lte', 'between', 'in', 'nin', 'isSet') as fc.Arbitrary<FilterOp>,
    })
    .chain((c) =>
      (c.op === 'isSet'
        ? fc.constant(undefined)
        : c.op === 'between'
          ? fc.tuple(smallNumber, smallNumber).map(([a, b]) => [Math.min(a, b), Math.max(a, b)])
          : c.op === 'in' || c.op === 'nin'
            ? fc.array(smallNumber, { minLength: 1, maxLength: 3 })
            : smallNumber
      ).map((value) => ({ ...c, ...(value === undefined ? {} : { value }) })),
    ),
  fc.record({
    path: fc.constant('flag'),
    op: fc.constantFrom('eq', 'neq') as fc.Arbitrary<FilterOp>,
    value: fc.boolean(),
  }),
  fc.record({
    path: fc.constant('page'),
    op: fc.constantFrom('isSet', 'isNotSet') as fc.Arbitrary<FilterOp>,
  }),
) as fc.Arbitrary<PropertyCondition>;

const behaviorCondition: fc.Arbitrary<Filter> = fc
  .record(
    {
      type: fc.constantFrom('page_viewed', 'form_submitted', 'event'),
      where: fc.array(propertyCondition, { maxLength: 2 }),
      count: fc.record({
        op: fc.constantFrom('gte', 'lte', 'eq') as fc.Arbitrary<'gte' | 'lte' | 'eq'>,
        value: fc.integer({ min: 0, max: 3 }),
      }),
      withinDays: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.constant(30)),
    },
    { requiredKeys: ['type'] },
  )
  .map((behavior) => ({ behavior }));

const { filter } = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leadCondition,
    companyCondition,
    behaviorCondition,
    fc.array(tie('filter'), { maxLength: 3 }).map((all) => ({ all })),
    fc.array(tie('filter'), { maxLength: 3 }).map((any) => ({ any })),
    tie('filter').map((not) => ({ not })),
  ),
}));

for (const dialect of testDialects) {
  describe(`filter SQL and memory agree (${dialect})`, () => {
    let tdb: Awaited<ReturnType<typeof createTestDatabase>>;
    before(async () => {
      tdb = await createTestDatabase(dialect);
    });
    after(async () => tdb.cleanup());

    it('select the same leads for random data and filters', async () => {
      const compiler = createCompiler(dialect, catalog);
      let seq = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(leadData, { minLength: 1, maxLength: 12 }),
          fc.array(filter, { minLength: 1, maxLength: 12 }),
          async (leads, filters) => {
            const db = tdb.db;
            await db.deleteFrom('touchpoints').execute();
            await db.deleteFrom('leads').execute();
            await db.deleteFrom('companies').execute();
            for (const [i, l] of leads.entries()) {
              const id = `lead_${String(i).padStart(3, '0')}`;
              let companyId: string | null = null;
              if (l.company) {
                companyId = `co_${i}`;
                await db
                  .insertInto('companies')
                  .values({
                    id: companyId,
                    domain: `c${i}.example`,
                    name: null,
                    industry: l.company.industry,
                    employees: l.company.employees === null ? null : Math.round(l.company.employees),
                    country: null,
                    owner_id: null,
                    created_at: now,
                    updated_at: now,
                  })
                  .execute();
              }
              await db
                .insertInto('leads')
                .values({
                  id,
                  email: `p${i}@x.example`,
                  first_name: null,
                  last_name: null,
                  phone: null,
                  job_title: null,
                  company_name: null,
                  company_id: companyId,
                  website: null,
                  country: l.country,
                  city: null,
                  industry: null,
                  company_size: l.company_size,
                  lifecycle_stage: l.lifecycle_stage,
                  owner_id: null,
                  custom_fields: JSON.stringify(l.custom),
                  consent: '{}',
                  field_times: '{}',
                  search_text: '',
                  source: 'api',
                  merged_into: null,
                  erased_at: null,
                  created_at: l.created_at,
                  updated_at: l.created_at,
                  first_touch_channel: l.first_touch_channel,
                })
                .execute();
              for (const tp of l.touchpoints) {
                await db
                  .insertInto('touchpoints')
                  .values({
                    id: `tp_${seq++}`,
                    lead_id: id,
                    type: tp.type,
                    occurred_at: tp.occurred_at,
                    source: 'api',
                    actor_type: null,
                    actor_id: null,
                    actor_label: null,
                    properties: JSON.stringify(tp.properties),
                    created_at: now,
                  })
                  .execute();
              }
            }
            // Contexts as the database hands them back (jsonb parsed on PostgreSQL, text on SQLite).
            const rows = await db.selectFrom('leads').selectAll().orderBy('id').execute();
            const companies = new Map(
              (await db.selectFrom('companies').selectAll().execute()).map((c) => [c.id, c]),
            );
            const tps = Map.groupBy(
              await db.selectFrom('touchpoints').selectAll().execute(),
              (t) => t.lead_id,
            );
            for (const f of filters) {
              validateFilter(f, catalog);
              const expected = rows
                .filter((r) =>
                  evaluate(
                    f,
                    {
                      lead: r as unknown as Record<string, unknown>,
                      company: r.company_id
                        ? ((companies.get(r.company_id) ?? null) as Record<string, unknown> | null)
                        : null,
                      touchpoints: tps.get(r.id) ?? [],
                    },
                    catalog,
                    now,
                  ),
                )
                .map((r) => r.id);
              const got = (
                await db
                  .selectFrom('leads')
                  .select('id')
                  .where(compiler.compile(f, now))
                  .orderBy('id')
                  .execute()
              ).map((r) => r.id);
              assert.deepEqual(got, expected, JSON.stringify(f));
            }
          },
        ),
        { numRuns: dialect === 'sqlite' ? 60 : 30 },
      );
    });
  });
}
