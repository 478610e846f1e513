/**
 * touchpointsOfTypes (what scoring and in-memory filters read) returns exactly the touchpoints of
 * the given leads and types, on both dialects; on SQLite it finds them through the lead index even
 * before the database has statistics, for one lead and for a group of them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { touchpointsOfTypes, touchpointsOfTypesQuery } from './lead-data.ts';

const types = ['page_viewed', 'form_submitted', 'event'] as const;

for (const dialect of testDialects) {
  describe(`touchpoints of leads by type (${dialect})`, () => {
    let t: TestApp;
    const leadIds: string[] = [];
    before(async () => {
      t = await createTestApp(dialect);
      const db = t.runtime.database.db;
      await db.transaction().execute(async (tx) => {
        const results = await t.runtime.api.leads.resolveBatch(
          tx,
          Array.from({ length: 40 }, (_, i) => ({ input: { email: `types${i}@plan.example` } })),
          { source: 'api', actor: { type: 'system', label: 'test' } },
        );
        for (const r of results) if (r.status !== 'error') leadIds.push(r.leadId);
        await t.runtime.api.leads.recordTouchpoints(
          tx,
          leadIds.flatMap((leadId, i) =>
            Array.from({ length: 1 + (i % 4) }, (_, k) => ({
              leadId,
              type: types[(i + k) % types.length]!,
              occurredAt: t.clock.now() - k * 1000,
              source: 'tracking' as const,
              properties: { n: k },
            })),
          ),
        );
      });
    });
    after(async () => t.close());

    it('returns the touchpoints of those leads and types, and only those', async () => {
      const db = t.runtime.database.db;
      const some = leadIds.slice(5, 25);
      const wanted = new Set(['page_viewed', 'event']);
      const rows = await touchpointsOfTypes(db, some, wanted);
      const all = await db
        .selectFrom('touchpoints')
        .select(['lead_id', 'type', 'occurred_at'])
        .where('lead_id', 'in', some)
        .execute();
      const expected = all
        .filter((r) => wanted.has(r.type))
        .map((r) => `${r.lead_id} ${r.type} ${Number(r.occurred_at)}`)
        .sort();
      assert.ok(expected.length > 10);
      assert.deepEqual(rows.map((r) => `${r.lead_id} ${r.type} ${Number(r.occurred_at)}`).sort(), expected);
      assert.deepEqual(await touchpointsOfTypes(db, some, new Set()), []);
      assert.deepEqual(await touchpointsOfTypes(db, [], wanted), []);
    });

    if (dialect === 'sqlite')
      it('walks the lead index without statistics, for one lead and for a group', async () => {
        const raw = t.runtime.database.sqlite!;
        const stats = raw
          .prepare("select count(*) n from sqlite_master where name = 'sqlite_stat1'")
          .get() as {
          n: number;
        };
        if (stats.n > 0) raw.exec('delete from sqlite_stat1');
        for (const ids of [leadIds.slice(0, 1), leadIds.slice(0, 40)]) {
          const q = touchpointsOfTypesQuery(t.runtime.database.db, ids, new Set(types)).compile();
          const plan = (
            raw.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as {
              detail: string;
            }[]
          )
            .map((r) => r.detail)
            .join('\n');
          assert.match(plan, /USING INDEX touchpoints_lead_idx/, plan);
        }
      });
  });
}
