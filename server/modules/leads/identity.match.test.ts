/** The resolver's match modes used by imports: `external` (ids only) and `none` (every row new). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import type { ResolveItem, ResolveOptions, ResolveResult } from './index.ts';

for (const dialect of testDialects) {
  describe(`identity resolver match modes (${dialect})`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp(dialect);
    });
    after(async () => t.close());

    const actor = { type: 'system' as const, label: 'test' };
    const resolve = (items: ResolveItem[], opts: Partial<ResolveOptions> = {}) =>
      t.runtime.database.db
        .transaction()
        .execute((tx) => t.runtime.api.leads.resolveBatch(tx, items, { source: 'import', actor, ...opts }));
    const ok = (r: ResolveResult) => {
      assert.notEqual(r.status, 'error', JSON.stringify(r));
      return r as Extract<ResolveResult, { leadId: string }>;
    };
    const lead = (id: string) => t.runtime.api.leads.get(id);

    it('none: every item is a new lead, and an email stays with the lead that has it', async () => {
      const [known] = await resolve([{ input: { email: 'kept@none.example', firstName: 'Kept' } }]);
      const results = await resolve(
        [
          { input: { email: 'kept@none.example', firstName: 'Other' } },
          { input: { email: 'twice@none.example', firstName: 'First' } },
          { input: { email: 'twice@none.example', firstName: 'Second' } },
          { input: { jobTitle: 'No identity at all' } },
        ],
        { match: 'none' },
      );
      assert.deepEqual(
        results.map((r) => r.status),
        ['created', 'created', 'created', 'created'],
      );
      const [other, first, second] = results.map((r) => ok(r));
      assert.notEqual(other!.leadId, ok(known!).leadId);
      assert.equal((await lead(other!.leadId)).email, null);
      assert.match(other!.warnings[0]!, /belongs to lead/);
      assert.equal((await lead(first!.leadId)).email, 'twice@none.example');
      assert.equal((await lead(second!.leadId)).email, null);
      assert.equal((await lead(ok(known!).leadId)).firstName, 'Kept');
    });

    it('external: matches on external ids only; an email never decides, and is not taken', async () => {
      const [a] = await resolve([
        { input: { email: 'a@external.example', externalIds: [{ system: 'crm', id: 'X-1' }] } },
      ]);
      const aId = ok(a!).leadId;
      const results = await resolve(
        [
          {
            input: { email: 'b@external.example', city: 'Oslo', externalIds: [{ system: 'crm', id: 'X-1' }] },
          },
          { input: { email: 'a@external.example', externalIds: [{ system: 'crm', id: 'X-2' }] } },
          { input: { email: 'c@external.example' } },
        ],
        { match: 'external' },
      );
      assert.deepEqual(
        results.map((r) => r.status),
        ['updated', 'created', 'error'],
      );
      assert.equal(ok(results[0]!).leadId, aId);
      const updated = await lead(aId);
      assert.equal(updated.city, 'Oslo');
      assert.equal(updated.email, 'a@external.example', 'the lead keeps its email');
      const created = await lead(ok(results[1]!).leadId);
      assert.equal(created.email, null, 'an email another lead has stays there');
      assert.deepEqual(created.externalIds, [{ system: 'crm', id: 'X-2' }]);
      const error = results[2] as Extract<ResolveResult, { status: 'error' }>;
      assert.equal(error.error.code, 'LEAD_IDENTITY_REQUIRED');
      assert.equal(error.error.details[0]!.field, 'externalIds');
    });

    it('resolves thousands of external ids in one batch', async () => {
      const items = Array.from({ length: 2500 }, (_, i) => ({
        input: { email: `bulk${i}@ids.example`, externalIds: [{ system: 'hubspot', id: String(i) }] },
      }));
      const first = await resolve(items);
      assert.equal(first.filter((r) => r.status === 'created').length, 2500);
      const again = await resolve(
        items.map((item) => ({ input: { ...item.input, email: undefined } })),
        {
          match: 'external',
        },
      );
      assert.equal(again.filter((r) => r.status === 'unchanged').length, 2500);
    });
  });
}
