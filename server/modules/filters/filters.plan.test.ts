/**
 * SQLite counts a segment from its indexes (migration 2026-12-06T1410_segment_counts): live-lead
 * fields from the covering partial index, behaviour on a touchpoint's key fact (page.path,
 * form.slug, a custom event's name) from the touchpoints index, never reading the wide rows. The
 * compiler writes the fact expression as the migration indexes it; this fails if they drift apart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Filter } from '../../../contracts/filters.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/db.ts';
import { buildCatalog } from './catalog.ts';
import { createCompiler } from './sql.ts';

const now = Date.UTC(2026, 10, 22, 9, 0, 0);
const catalog = buildCatalog([
  { key: 'plan', label: 'Plan', type: 'select', options: ['Free', 'Pro', 'Enterprise'], helpText: null },
] as never);

describe('segment counts use the covering indexes (sqlite)', () => {
  let tdb: TestDatabase;
  before(async () => {
    tdb = await createTestDatabase('sqlite');
    // Some data and ANALYZE's statistics (with its samples), as a database in use has them: the
    // planner must still prefer the narrow indexes to the table.
    const raw = tdb.sqlite!;
    const lead =
      raw.prepare(`insert into leads (id, email, country, company_size, lifecycle_stage, custom_fields,
      consent, field_times, search_text, source, created_at, updated_at, first_name, last_name, job_title)
      values (?, ?, ?, ?, 'lead', ?, '{}', '{}', ?, 'api', ?, ?, 'Ada', 'Lovelace', 'Head of Marketing')`);
    const tp =
      raw.prepare(`insert into touchpoints (id, lead_id, type, occurred_at, source, properties, created_at)
      values (?, ?, ?, ?, 'tracking', ?, ?)`);
    raw.transaction(() => {
      for (let i = 0; i < 3000; i++) {
        const id = `lead_${String(i).padStart(6, '0')}`;
        const custom = JSON.stringify({
          plan: ['Free', 'Pro', 'Enterprise'][i % 3],
          note: 'x'.repeat(i % 200),
        });
        lead.run(
          id,
          `p${i}@example.test`,
          ['DE', 'FR'][i % 2],
          i % 900,
          custom,
          `p${i} ada lovelace`,
          now,
          now,
        );
        for (let k = 0; k < 3; k++)
          tp.run(
            `tp_${i}_${k}`,
            id,
            ['page_viewed', 'form_submitted', 'event'][k],
            now - k * 86_400_000,
            JSON.stringify({
              page: { path: '/pricing' },
              form: { slug: 'demo-request' },
              name: 'trial_started',
            }),
            now,
          );
      }
    })();
    raw.exec('analyze');
  });
  after(async () => tdb.close());

  async function plan(filter: Filter): Promise<string[]> {
    const where = createCompiler('sqlite', catalog).compile(filter, now);
    const q = tdb.db
      .selectFrom('leads')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('merged_into', 'is', null)
      .where('erased_at', 'is', null)
      .where(where)
      .compile();
    const rows = tdb.sqlite!.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as {
      detail: string;
    }[];
    return rows.map((r) => r.detail);
  }

  it('answers field conditions, and custom-field ones, from the live-lead indexes', async () => {
    const fields = await plan({
      all: [
        { field: 'country', op: 'in', value: ['DE', 'AT'] },
        { field: 'companySize', op: 'gte', value: 200 },
        { not: { field: 'lifecycleStage', op: 'eq', value: 'customer' } },
        { company: { field: 'employees', op: 'gte', value: 500 } },
      ],
    });
    assert.equal(fields[0], 'SCAN leads USING COVERING INDEX leads_live_fields_idx');
    const custom = await plan({ field: 'customFields.plan', op: 'eq', value: 'Enterprise' });
    assert.deepEqual(custom, ['SCAN leads USING COVERING INDEX leads_live_custom_idx']);
  });

  for (const [type, path, value] of [
    ['page_viewed', 'page.path', '/pricing*'],
    ['form_submitted', 'form.slug', 'demo-*'],
    ['event', 'name', 'trial_*'],
  ] as const)
    it(`answers ${type} on ${path} from the touchpoints index`, async () => {
      const steps = await plan({
        all: [
          { field: 'country', op: 'eq', value: 'DE' },
          {
            behavior: {
              type,
              where: [{ path, op: 'matches', value }],
              count: { op: 'gte', value: 2 },
              withinDays: 30,
            },
          },
        ],
      });
      assert.ok(
        steps.some((s) =>
          /^SEARCH t USING COVERING INDEX touchpoints_type_time_facts_idx \(type=\? AND occurred_at>\?\)$/.test(
            s,
          ),
        ),
        steps.join('\n'),
      );
    });
});
