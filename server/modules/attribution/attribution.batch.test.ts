/**
 * First/last touch columns of many leads set in one statement: each lead gets exactly its own
 * values, columns a lead's patch leaves out keep theirs, leads outside the batch are untouched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { createAttributionRepo } from './attribution.repo.ts';

const columns = [
  'first_touch',
  'first_touch_channel',
  'first_touch_campaign_id',
  'first_touch_at',
  'last_touch',
  'last_touch_channel',
  'last_touch_campaign_id',
  'last_touch_at',
] as const;

for (const dialect of testDialects) {
  describe(`attribution: batched first/last touch update (${dialect})`, () => {
    let t: TestApp;
    let ids: string[] = [];
    before(async () => {
      t = await createTestApp(dialect);
      const key = (await t.apiKey(['leads:write'])).headers;
      for (let i = 0; i < 12; i++) {
        const res = await t.request({
          method: 'POST',
          url: '/api/v1/leads',
          payload: { email: `batch${i}@touch.example` },
          headers: key,
        });
        assert.equal(res.statusCode, 201, res.body);
        ids.push(res.json().id);
      }
      ids = ids.sort();
    });
    after(async () => t.close());

    it('matches one update per lead, for any mix of leads and column sets', async () => {
      const repo = createAttributionRepo(dialect);
      const db = t.runtime.database.db;
      const state = async (tx: typeof db = db) =>
        new Map(
          (
            await tx
              .selectFrom('leads')
              .select(['id', ...columns])
              .where('id', 'in', ids)
              .execute()
          ).map((r) => [r.id, JSON.stringify(columns.map((c) => (r[c] === null ? null : String(r[c]))))]),
        );
      const patchOf = (n: number, which: number) => {
        const first = {
          first_touch: JSON.stringify({ n, which: 'first' }),
          first_touch_channel: n % 2 ? 'email' : null,
          first_touch_campaign_id: null,
          first_touch_at: 1_700_000_000_000 + n,
        };
        const last = {
          last_touch: JSON.stringify({ n, which: 'last' }),
          last_touch_channel: 'paid_search',
          last_touch_campaign_id: null,
          last_touch_at: 1_800_000_000_000 + n,
        };
        return which === 0 ? first : which === 1 ? last : { ...first, ...last };
      };
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.nat({ max: ids.length - 1 }), { minLength: 0, maxLength: ids.length }),
          fc.array(fc.nat({ max: 2 }), { minLength: ids.length, maxLength: ids.length }),
          fc.nat({ max: 1_000_000 }),
          async (chosen, kinds, seed) => {
            const patches = chosen.map((i, k) => ({ leadId: ids[i]!, patch: patchOf(seed + k, kinds[i]!) }));
            // Expected: the same patches, one statement per lead.
            const expected = await db
              .transaction()
              .execute(async (tx) => {
                for (const p of patches) await repo.setTouches(tx, p.leadId, p.patch);
                const s = await state(tx);
                throw Object.assign(new Error('rollback'), { s });
              })
              .catch((e: { s?: Map<string, string> }) => e.s!);
            await db.transaction().execute((tx) => repo.setTouchesMany(tx, patches));
            assert.deepEqual(await state(), expected);
          },
        ),
        { numRuns: 25 },
      );
    });
  });
}
