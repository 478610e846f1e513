/**
 * The deal list on both dialects: any combination of filters, any sort and any page size, walked
 * page by page through the cursor, returns exactly what filtering and sorting the deals in memory
 * does (property); and the board's column totals equal the sums of the listed deals.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type Deal, dealSortFields } from '../../../contracts/deals.ts';
import { type Caller, createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const letters = 'abcdefghij';
/** A filter that is absent three times out of four, so that queries still match several deals. */
const sometimes = <T>(a: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: a, weight: 1 });

for (const dialect of testDialects) {
  describe(`deal list (${dialect})`, () => {
    let t: TestApp;
    let admin: Caller;
    let owners: string[];
    let pipelineId: string;
    let stages: { id: string; kind: string; probability: number }[];
    let deals: Deal[];

    before(async () => {
      t = await createTestApp(dialect);
      admin = await t.signIn('admin');
      owners = [admin.userId!, (await t.signIn('sales_rep')).userId!];
      const pipeline = (
        await t.request({
          method: 'POST',
          url: '/api/v1/pipelines',
          headers: admin.headers,
          payload: {
            name: 'Property',
            stages: [
              { name: 'One', probability: 20, kind: 'open' },
              { name: 'Two', probability: 60, kind: 'open' },
              { name: 'Won', probability: 100, kind: 'won' },
              { name: 'Lost', probability: 0, kind: 'lost' },
            ],
          },
        })
      ).json();
      pipelineId = pipeline.id;
      stages = pipeline.stages;
      // 36 deals with a spread of values (ties included), made once; the property varies the queries.
      const random = fc.sample(
        fc.record({
          name: fc.string({ unit: fc.constantFrom(...letters), minLength: 1, maxLength: 4 }),
          stage: fc.nat(3),
          owner: fc.nat(1),
          amount: fc.option(fc.nat(5), { nil: null }),
          currency: fc.constantFrom('EUR', 'USD'),
          close: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
          tick: fc.constantFrom(0, 0, 1000),
          sharedLead: fc.boolean(),
        }),
        { numRuns: 36, seed: 4217 },
      );
      let shared = '';
      const ids: string[] = [];
      for (const [i, r] of random.entries()) {
        t.clock.advance(r.tick);
        const lead = await call('POST', '/api/v1/leads', {
          email: `l${i}@${r.owner ? 'globex' : 'initech'}.example`,
          lifecycleStage: 'sql',
        });
        const leadIds = r.sharedLead && shared ? [lead.id, shared] : [lead.id];
        if (!shared) shared = lead.id;
        const deal = await call('POST', '/api/v1/deals', {
          name: r.name,
          leadIds,
          pipelineId,
          stageId: stages[r.stage === 0 ? 0 : 1]!.id,
          ownerId: owners[r.owner],
          ...(r.amount === null ? {} : { amount: { amount: r.amount * 1000, currency: r.currency } }),
          ...(r.close === null ? {} : { expectedCloseDate: `2027-0${r.close}-01` }),
        });
        if (r.stage === 2) await call('POST', `/api/v1/deals/${deal.id}/won`);
        if (r.stage === 3)
          await call('POST', `/api/v1/deals/${deal.id}/lost`, {
            reasonCode: 'price',
            leadOutcome: 'recycled',
          });
        ids.push(deal.id);
      }
      deals = [];
      for (const id of ids) deals.push(await call('GET', `/api/v1/deals/${id}`));
    });
    after(async () => t.close());

    async function call(method: 'GET' | 'POST', url: string, payload?: object) {
      const res = await t.request({ method, url, headers: admin.headers, ...(payload ? { payload } : {}) });
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.body}`);
      return res.json();
    }

    type Query = {
      stage?: number;
      owner?: number;
      status?: 'open' | 'won' | 'lost';
      lead?: number;
      company?: number;
      q?: string;
      sort: string;
      limit: number;
    };

    /** The model: filter and sort in memory, with the API's rules (missing values first, id breaks ties). */
    function expected(q: Query): string[] {
      const leadId = q.lead === undefined ? undefined : deals[q.lead]!.leads[0]!.id;
      const companyId = q.company === undefined ? undefined : deals[q.company]!.companyId;
      const rows = deals.filter(
        (d) =>
          (q.stage === undefined || d.stageId === stages[q.stage]!.id) &&
          (q.owner === undefined || d.ownerId === owners[q.owner]) &&
          (q.status === undefined || d.status === q.status) &&
          (leadId === undefined || d.leads.some((l) => l.id === leadId)) &&
          (companyId === undefined || d.companyId === companyId) &&
          (q.q === undefined || d.name.includes(q.q)),
      );
      const desc = q.sort.startsWith('-');
      const field = desc ? q.sort.slice(1) : q.sort;
      const key = (d: Deal): string | number => {
        switch (field) {
          case 'name':
            return d.name;
          case 'amount':
            return d.amount?.amount ?? -1;
          case 'expectedCloseDate':
            return d.expectedCloseDate ?? '';
          case 'closedAt':
            return d.closedAt ? Date.parse(d.closedAt) : -1;
          case 'updatedAt':
            return Date.parse(d.updatedAt);
          default:
            return Date.parse(d.createdAt);
        }
      };
      const cmp = (a: Deal, b: Deal) => {
        const [x, y] = [key(a), key(b)];
        const c = x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
        return desc ? -c : c;
      };
      return rows.sort(cmp).map((d) => d.id);
    }

    async function walk(q: Query): Promise<string[]> {
      const params = new URLSearchParams({ pipelineId, sort: q.sort, limit: String(q.limit) });
      if (q.stage !== undefined) params.set('stageId', stages[q.stage]!.id);
      if (q.owner !== undefined) params.set('ownerId', owners[q.owner]!);
      if (q.status) params.set('status', q.status);
      if (q.lead !== undefined) params.set('leadId', deals[q.lead]!.leads[0]!.id);
      if (q.company !== undefined && deals[q.company]!.companyId)
        params.set('companyId', deals[q.company]!.companyId!);
      if (q.q !== undefined) params.set('q', q.q);
      const out: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        if (cursor) params.set('cursor', cursor);
        const page: { data: Deal[]; nextCursor: string | null } = await call(
          'GET',
          `/api/v1/deals?${params}`,
        );
        assert.ok(page.data.length <= q.limit);
        out.push(...page.data.map((d) => d.id));
        cursor = page.nextCursor;
        if (!cursor) return out;
      }
      throw new Error('the cursor never ended');
    }

    it('filters, sorts and pages exactly as the in-memory model does (property)', async () => {
      let paged = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            stage: sometimes(fc.nat(3)),
            owner: sometimes(fc.nat(1)),
            status: sometimes(fc.constantFrom('open' as const, 'won' as const, 'lost' as const)),
            lead: sometimes(fc.nat(35)),
            company: sometimes(fc.nat(35)),
            q: sometimes(fc.constantFrom(...letters.slice(0, 4))),
          }),
          fc.constantFrom(...dealSortFields.flatMap((f) => [f, `-${f}`])),
          fc.integer({ min: 1, max: 9 }),
          async (filters, sort, limit) => {
            const q: Query = { sort, limit };
            for (const [k, v] of Object.entries(filters)) if (v !== undefined) Object.assign(q, { [k]: v });
            if (q.company !== undefined && !deals[q.company]!.companyId) delete q.company;
            const want = expected(q);
            assert.deepEqual(await walk(q), want);
            if (want.length > limit) paged++;
          },
        ),
        { numRuns: 80, seed: 6 },
      );
      // Not vacuous: many queries needed more than one page.
      assert.ok(paged >= 20, `only ${paged} queries spanned pages`);
    });

    it("totals the board's columns as the sums of the listed deals", async () => {
      const board = await call('GET', `/api/v1/pipelines/${pipelineId}/board`);
      for (const column of board.columns) {
        const mine = deals.filter((d) => d.stageId === column.stage.id);
        assert.equal(column.count, mine.length);
        const sums = new Map<string, number>();
        for (const d of mine)
          if (d.amount) sums.set(d.amount.currency, (sums.get(d.amount.currency) ?? 0) + d.amount.amount);
        assert.deepEqual(
          column.totals,
          [...sums].sort().map(([currency, amount]) => ({ amount, currency })),
        );
        assert.deepEqual(
          column.weighted.map((w: { amount: number }) => w.amount),
          [...sums].sort().map(([, amount]) => Math.round((amount * column.stage.probability) / 100)),
        );
        assert.equal(column.deals.length, Math.min(mine.length, 100));
      }
      assert.ok(
        board.columns.some((c: { count: number }) => c.count > 5),
        'the fixture spreads deals out',
      );
    });
  });
}
