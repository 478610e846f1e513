/**
 * Pipelines and deals through the API on both dialects: the seeded pipeline, pipeline validation
 * naming the field, stage edits, opening a deal (leads → opportunity, company from the primary
 * lead, history, timeline, deal.created), moves and card order, won (→ customer), lost (→ recycled
 * or disqualified with the reason), reopening, the board's totals, and nothing half-written.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Caller, createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

type Stage = { id: string; name: string; kind: string; probability: number; dealCount: number };
type Pipeline = {
  id: string;
  name: string;
  isDefault: boolean;
  stages: Stage[];
  lostReasons: { code: string }[];
};

const standardStages = [
  { name: 'Lead in', probability: 10, kind: 'open' },
  { name: 'Demo', probability: 40, kind: 'open' },
  { name: 'Closed won', probability: 100, kind: 'won' },
  { name: 'Closed lost', probability: 0, kind: 'lost' },
];

for (const dialect of testDialects) {
  describe(`deals (${dialect})`, () => {
    let t: TestApp;
    let admin: Caller;
    let key: Record<string, string>;
    let seeded: Pipeline;
    let n = 0;
    before(async () => {
      t = await createTestApp(dialect);
      admin = await t.signIn('admin');
      key = (await t.apiKey(['leads:read', 'leads:write', 'deals:read', 'deals:write'])).headers;
      seeded = (await ok('GET', '/api/v1/pipelines', admin)).data[0];
    });
    after(async () => t.close());

    type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
    const req = (method: Method, url: string, caller: Caller | null, payload?: object) =>
      t.request({ method, url, headers: caller ? caller.headers : key, ...(payload ? { payload } : {}) });
    async function ok(method: Method, url: string, caller: Caller | null, payload?: object) {
      const res = await req(method, url, caller, payload);
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.statusCode === 204 ? null : res.json();
    }
    async function fails(
      method: Method,
      url: string,
      caller: Caller | null,
      payload: object | undefined,
      status: number,
      code: string,
    ) {
      const res = await req(method, url, caller, payload);
      assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
      assert.equal(res.json().error.code, code, res.body);
      return res.json().error as { code: string; details: { field: string; rule: string }[] };
    }
    const fields = (e: { details: { field: string; rule: string }[] }) =>
      e.details.map((d) => `${d.field}:${d.rule}`);

    /** A lead at a stage (its company is matched by the email's domain). */
    async function lead(stage = 'sql', extra: object = {}): Promise<string> {
      const res = await ok('POST', '/api/v1/leads', null, {
        email: `buyer${++n}@acme${n}.example`,
        firstName: 'Buyer',
        lastName: `${n}`,
        companyName: `Acme ${n}`,
        lifecycleStage: stage,
        ...extra,
      });
      return res.id;
    }
    const leadOf = async (id: string) => ok('GET', `/api/v1/leads/${id}`, null);
    const stageOf = async (id: string) => (await leadOf(id)).lifecycleStage;
    const historyOf = async (id: string) => (await ok('GET', `/api/v1/leads/${id}/stages`, null)).history;
    const touchTypes = async (id: string) =>
      (await ok('GET', `/api/v1/leads/${id}/touchpoints`, null)).data.map((tp: { type: string }) => tp.type);
    const stageNamed = (p: Pipeline, name: string) => p.stages.find((s) => s.name === name)!;
    const count = async (table: 'deals' | 'pipelines' | 'deal_stage_history') =>
      Number(
        (
          await t.runtime.database.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    async function deliveries(type: string) {
      const rows = await t.runtime.database.db
        .selectFrom('webhook_deliveries')
        .select(['event_type', 'payload'])
        .where('event_type', '=', type)
        .execute();
      return rows.map((r) => JSON.parse(r.payload).data);
    }

    it('seeds a default pipeline with open stages, one won and one lost stage, and lost reasons', async () => {
      assert.equal(seeded.name, 'Sales pipeline');
      assert.equal(seeded.isDefault, true);
      assert.deepEqual(
        seeded.stages.map((s) => [s.name, s.probability, s.kind]),
        [
          ['Qualified', 10, 'open'],
          ['Discovery', 25, 'open'],
          ['Proposal', 50, 'open'],
          ['Negotiation', 75, 'open'],
          ['Won', 100, 'won'],
          ['Lost', 0, 'lost'],
        ],
      );
      assert.ok(seeded.lostReasons.some((r) => r.code === 'competitor'));
    });

    it('refuses invalid pipelines naming the field and the rule, writing nothing', async () => {
      const before = await count('pipelines');
      let e = await fails(
        'POST',
        '/api/v1/pipelines',
        admin,
        {
          name: 'Two wins',
          stages: [...standardStages, { name: 'Also won', probability: 100, kind: 'won' }],
        },
        422,
        'PIPELINE_INVALID',
      );
      assert.deepEqual(fields(e), ['stages:one_won']);
      e = await fails(
        'POST',
        '/api/v1/pipelines',
        admin,
        {
          name: 'Bad',
          stages: [
            { name: 'Won', probability: 90, kind: 'won' },
            { name: 'won ', probability: 0, kind: 'lost' },
          ],
        },
        400,
        'VALIDATION_FAILED',
      );
      assert.deepEqual(fields(e), ['stages:minItems']);
      e = await fails(
        'POST',
        '/api/v1/pipelines',
        admin,
        {
          name: 'Bad',
          stages: [
            { name: 'Open', probability: 20, kind: 'open' },
            { name: 'Won', probability: 90, kind: 'won' },
            { name: 'won ', probability: 0, kind: 'lost' },
          ],
          lostReasons: [
            { code: 'price', label: 'Price' },
            { code: 'price', label: 'Price again' },
          ],
        },
        422,
        'PIPELINE_INVALID',
      );
      assert.deepEqual(fields(e), [
        'stages.1.probability:won_is_100',
        'stages.2.name:unique',
        'lostReasons.1.code:unique',
      ]);
      e = await fails(
        'POST',
        '/api/v1/pipelines',
        admin,
        { name: 'Bad', stages: [{ name: 'A', probability: 101, kind: 'open' }, ...standardStages.slice(2)] },
        400,
        'VALIDATION_FAILED',
      );
      assert.deepEqual(fields(e), ['stages.0.probability:maximum']);
      e = await fails(
        'POST',
        '/api/v1/pipelines',
        admin,
        {
          name: 'No open',
          stages: [...standardStages.slice(2), { name: 'Extra lost', probability: 0, kind: 'lost' }],
        },
        422,
        'PIPELINE_INVALID',
      );
      assert.deepEqual(fields(e), ['stages:one_lost', 'stages:open']);
      assert.equal(await count('pipelines'), before);
    });

    it('edits stages: add, rename, reorder, delete when empty; a stage with deals keeps its kind', async () => {
      const p: Pipeline = await ok('POST', '/api/v1/pipelines', admin, {
        name: 'Partners',
        stages: standardStages,
      });
      assert.equal(p.isDefault, false);
      assert.equal(p.lostReasons.length, 7, 'the standard lost reasons');
      const [leadIn, demo, won, lost] = p.stages;
      const deal = await ok('POST', '/api/v1/deals', admin, {
        name: 'Partner deal',
        leadIds: [await lead()],
        pipelineId: p.id,
        stageId: demo!.id,
      });
      // Rename and reorder kept stages, add one, delete the empty one.
      const edited: Pipeline = await ok('PATCH', `/api/v1/pipelines/${p.id}`, admin, {
        stages: [
          { id: demo!.id, name: 'Demo done', probability: 45, kind: 'open' },
          { name: 'Contract', probability: 80, kind: 'open' },
          { id: won!.id, name: won!.name, probability: 100, kind: 'won' },
          { id: lost!.id, name: lost!.name, probability: 0, kind: 'lost' },
        ],
      });
      assert.deepEqual(
        edited.stages.map((s) => [s.name, s.probability, s.dealCount]),
        [
          ['Demo done', 45, 1],
          ['Contract', 80, 0],
          ['Closed won', 100, 0],
          ['Closed lost', 0, 0],
        ],
      );
      assert.ok(!edited.stages.some((s) => s.id === leadIn!.id));
      const got = await ok('GET', `/api/v1/deals/${deal.id}`, null);
      assert.deepEqual([got.stageName, got.probability], ['Demo done', 45]);
      // The stage holding the deal can be neither deleted nor turned into the lost stage.
      let e = await fails(
        'PATCH',
        `/api/v1/pipelines/${p.id}`,
        admin,
        {
          stages: edited.stages
            .slice(1)
            .map(({ id, name, probability, kind }) => ({ id, name, probability, kind })),
        },
        409,
        'PIPELINE_STAGE_NOT_EMPTY',
      );
      assert.deepEqual(fields(e), ['stages:not_empty']);
      e = await fails(
        'PATCH',
        `/api/v1/pipelines/${p.id}`,
        admin,
        {
          stages: [
            { id: edited.stages[0]!.id, name: 'Demo done', probability: 0, kind: 'lost' },
            { id: edited.stages[1]!.id, name: 'Contract', probability: 80, kind: 'open' },
            { id: won!.id, name: won!.name, probability: 100, kind: 'won' },
          ],
        },
        409,
        'PIPELINE_STAGE_NOT_EMPTY',
      );
      assert.deepEqual(fields(e), ['stages.0.kind:not_empty']);
      // A stage of another pipeline is not this pipeline's to keep.
      e = await fails(
        'PATCH',
        `/api/v1/pipelines/${p.id}`,
        admin,
        {
          stages: [
            { id: seeded.stages[0]!.id, name: 'Stolen', probability: 10, kind: 'open' },
            ...standardStages.slice(2),
          ],
        },
        422,
        'PIPELINE_INVALID',
      );
      assert.deepEqual(fields(e), ['stages.0.id:exists']);
      assert.equal((await ok('GET', `/api/v1/pipelines/${p.id}`, null)).stages.length, 4, 'unchanged');
      // Deleting: not while it has deals, never the default one; an empty one goes.
      await fails('DELETE', `/api/v1/pipelines/${p.id}`, admin, undefined, 409, 'PIPELINE_IN_USE');
      await fails('DELETE', `/api/v1/pipelines/${seeded.id}`, admin, undefined, 409, 'PIPELINE_IN_USE');
      const empty = await ok('POST', '/api/v1/pipelines', admin, { name: 'Empty', stages: standardStages });
      await ok('DELETE', `/api/v1/pipelines/${empty.id}`, admin);
      await fails('GET', `/api/v1/pipelines/${empty.id}`, admin, undefined, 404, 'PIPELINE_NOT_FOUND');
      // Making another pipeline the default takes it from the seeded one.
      await ok('PATCH', `/api/v1/pipelines/${p.id}`, admin, { isDefault: true });
      const all: Pipeline[] = (await ok('GET', '/api/v1/pipelines', null)).data;
      assert.deepEqual(
        all.filter((x) => x.isDefault).map((x) => x.id),
        [p.id],
      );
      await ok('PATCH', `/api/v1/pipelines/${seeded.id}`, admin, { isDefault: true });
    });

    it('opens a deal: leads become opportunities, the company comes from the primary lead, history, timeline and deal.created', async () => {
      await ok('POST', '/api/v1/webhooks', admin, {
        url: 'http://127.0.0.1:9/hook',
        events: [
          'deal.created',
          'deal.stage_changed',
          'deal.won',
          'deal.lost',
          'deal.deleted',
          'lead.stage_changed',
        ],
      });
      const primary = await lead('sql');
      const second = await lead('sal');
      const company = (await leadOf(primary)).companyId;
      assert.ok(company);
      const deal = await ok('POST', '/api/v1/deals', admin, {
        name: 'Acme platform',
        leadIds: [primary, second],
        amount: { amount: 1_250_000, currency: 'EUR' },
        expectedCloseDate: '2027-03-31',
      });
      assert.equal(deal.status, 'open');
      assert.deepEqual([deal.pipelineId, deal.stageName, deal.probability], [seeded.id, 'Qualified', 10]);
      assert.deepEqual(deal.amount, { amount: 1_250_000, currency: 'EUR' });
      assert.equal(deal.weightedAmount, 125_000);
      assert.equal(deal.expectedCloseDate, '2027-03-31');
      assert.deepEqual([deal.ownerId, deal.companyId], [admin.userId, company]);
      assert.deepEqual(
        deal.leads.map((l: { id: string; primary: boolean; stage: string }) => [l.id, l.primary, l.stage]),
        [
          [primary, true, 'opportunity'],
          [second, false, 'opportunity'],
        ],
      );
      assert.deepEqual(
        deal.history.map((h: { kind: string; from: unknown; to: { name: string } }) => [
          h.kind,
          h.from,
          h.to.name,
        ]),
        [['created', null, 'Qualified']],
      );
      const moved = (await historyOf(primary)).at(-1);
      assert.deepEqual(
        [moved.from, moved.to, moved.reason, moved.details.dealId],
        ['sql', 'opportunity', 'Deal "Acme platform" opened', deal.id],
      );
      assert.ok((await touchTypes(second)).includes('deal_opened'));
      const created = (await deliveries('deal.created')).find((d) => d.deal.id === deal.id);
      assert.equal(created.deal.amount.amount, 1_250_000);
      const leadEvents = (await deliveries('lead.stage_changed')).filter((d) => d.leadId === primary);
      assert.deepEqual(
        leadEvents.map((d) => d.to),
        ['opportunity'],
      );
    });

    it('opens a deal from the lead: named after its company, owner from the lead for API keys', async () => {
      const rep = await t.signIn('sales_rep');
      const id = await lead('sql', { ownerId: rep.userId });
      const deal = await ok('POST', `/api/v1/leads/${id}/deals`, null, {
        amount: { amount: 900, currency: 'JPY' },
      });
      assert.match(deal.name, /^Acme \d+ deal$/);
      assert.equal(deal.ownerId, rep.userId);
      assert.match(deal.ownerName, /^sales_rep \d+$/);
      assert.equal(deal.weightedAmount, 90);
      const unowned = await lead('sql');
      const e = await fails('POST', `/api/v1/leads/${unowned}/deals`, null, {}, 422, 'DEAL_OWNER_INVALID');
      assert.deepEqual(fields(e), ['ownerId:required']);
    });

    it('refuses bad deal input naming the field, writing nothing', async () => {
      const id = await lead();
      const deals = await count('deals');
      let e = await fails(
        'POST',
        '/api/v1/deals',
        admin,
        { name: 'X', leadIds: [id], amount: { amount: 100, currency: 'XYZ' } },
        400,
        'VALIDATION_FAILED',
      );
      assert.deepEqual(fields(e), ['amount.currency:iso4217']);
      e = await fails(
        'POST',
        '/api/v1/deals',
        admin,
        { name: 'X', leadIds: [id], amount: { amount: -5, currency: 'EUR' } },
        400,
        'VALIDATION_FAILED',
      );
      assert.ok(fields(e).includes('amount.amount:minimum'), fields(e).join());
      e = await fails(
        'POST',
        '/api/v1/deals',
        admin,
        { name: '   ', leadIds: [id] },
        400,
        'VALIDATION_FAILED',
      );
      assert.deepEqual(fields(e), ['name:required']);
      e = await fails('POST', '/api/v1/deals', admin, { name: 'X', leadIds: [] }, 400, 'VALIDATION_FAILED');
      assert.deepEqual(fields(e), ['leadIds:minItems']);
      e = await fails(
        'POST',
        '/api/v1/deals',
        admin,
        { name: 'X', leadIds: [id, 'lead_nope'] },
        422,
        'DEAL_LEAD_INVALID',
      );
      assert.deepEqual(fields(e), ['leadIds.1:exists']);
      const other: Pipeline = await ok('POST', '/api/v1/pipelines', admin, {
        name: `Other ${++n}`,
        stages: standardStages,
      });
      e = await fails(
        'POST',
        '/api/v1/deals',
        admin,
        { name: 'X', leadIds: [id], pipelineId: seeded.id, stageId: other.stages[0]!.id },
        422,
        'DEAL_STAGE_INVALID',
      );
      assert.deepEqual(fields(e), ['stageId:pipeline']);
      e = await fails(
        'POST',
        '/api/v1/deals',
        admin,
        { name: 'X', leadIds: [id], stageId: stageNamed(seeded, 'Won').id },
        422,
        'DEAL_STAGE_INVALID',
      );
      assert.deepEqual(fields(e), ['stageId:open']);
      e = await fails(
        'POST',
        '/api/v1/deals',
        admin,
        { name: 'X', leadIds: [id], ownerId: 'usr_nobody' },
        422,
        'DEAL_OWNER_INVALID',
      );
      assert.deepEqual(fields(e), ['ownerId:active']);
      assert.equal(await count('deals'), deals);
      assert.equal(await stageOf(id), 'sql', 'the lead did not move');
    });

    it('moves a deal between stages and within a column; a stage of another pipeline is refused', async () => {
      const proposal = stageNamed(seeded, 'Proposal');
      const a = await ok('POST', '/api/v1/deals', admin, {
        name: 'Card A',
        leadIds: [await lead()],
        stageId: proposal.id,
      });
      const b = await ok('POST', '/api/v1/deals', admin, {
        name: 'Card B',
        leadIds: [await lead()],
        stageId: proposal.id,
      });
      const c = await ok('POST', '/api/v1/deals', admin, { name: 'Card C', leadIds: [await lead()] });
      t.clock.advance(3 * 86_400_000);
      const moved = await ok('POST', `/api/v1/deals/${c.id}/move`, admin, {
        stageId: proposal.id,
        position: 1,
      });
      assert.equal(moved.stageName, 'Proposal');
      assert.equal(moved.stageEnteredAt, new Date(t.clock.now()).toISOString());
      assert.deepEqual(
        moved.history.map((h: { kind: string; from: { name: string } | null; to: { name: string } }) => [
          h.kind,
          h.from?.name ?? null,
          h.to.name,
        ]),
        [
          ['created', null, 'Qualified'],
          ['moved', 'Qualified', 'Proposal'],
        ],
      );
      const column = async () =>
        (await ok('GET', `/api/v1/pipelines/${seeded.id}/board`, null)).columns
          .find((col: { stage: { id: string } }) => col.stage.id === proposal.id)
          .deals.map((d: { name: string }) => d.name)
          .filter((name: string) => name.startsWith('Card'));
      assert.deepEqual(await column(), ['Card A', 'Card C', 'Card B']);
      // Reordering within the column is no stage change: no history row, no event.
      const historyRows = await count('deal_stage_history');
      const events = (await deliveries('deal.stage_changed')).length;
      await ok('POST', `/api/v1/deals/${b.id}/move`, admin, { stageId: proposal.id, position: 0 });
      assert.deepEqual(await column(), ['Card B', 'Card A', 'Card C']);
      assert.equal(await count('deal_stage_history'), historyRows);
      assert.equal((await deliveries('deal.stage_changed')).length, events);
      // Many moves into the same slot exhaust the gap; the column is spread out again.
      for (let i = 0; i < 20; i++)
        await ok('POST', `/api/v1/deals/${(i % 2 ? a : c).id}/move`, admin, {
          stageId: proposal.id,
          position: 1,
        });
      assert.deepEqual(await column(), ['Card B', 'Card A', 'Card C']);
      const other: Pipeline = await ok('POST', '/api/v1/pipelines', admin, {
        name: `Other ${++n}`,
        stages: standardStages,
      });
      const e = await fails(
        'POST',
        `/api/v1/deals/${a.id}/move`,
        admin,
        { stageId: other.stages[0]!.id },
        422,
        'DEAL_STAGE_INVALID',
      );
      assert.deepEqual(fields(e), ['stageId:pipeline']);
      const changed = (await deliveries('deal.stage_changed')).find((d) => d.deal.id === c.id);
      assert.deepEqual([changed.from.name, changed.to.name], ['Qualified', 'Proposal']);
    });

    it('won: leads become customers; a won deal moves only after an explicit reopen', async () => {
      const l1 = await lead('sql');
      const deal = await ok('POST', '/api/v1/deals', admin, {
        name: 'Big win',
        leadIds: [l1],
        amount: { amount: 500_000, currency: 'USD' },
      });
      await ok('POST', `/api/v1/deals/${deal.id}/move`, admin, {
        stageId: stageNamed(seeded, 'Negotiation').id,
      });
      t.clock.advance(60_000);
      // Dropping into the won stage is the same as winning.
      const won = await ok('POST', `/api/v1/deals/${deal.id}/move`, admin, {
        stageId: stageNamed(seeded, 'Won').id,
      });
      assert.deepEqual(
        [won.status, won.stageName, won.closedAt],
        ['won', 'Won', new Date(t.clock.now()).toISOString()],
      );
      assert.equal(await stageOf(l1), 'customer');
      const h = (await historyOf(l1)).at(-1);
      assert.deepEqual([h.from, h.to, h.reason], ['opportunity', 'customer', 'Deal "Big win" won']);
      assert.ok((await touchTypes(l1)).includes('deal_won'));
      assert.equal((await deliveries('deal.won')).filter((d) => d.deal.id === deal.id).length, 1);
      await fails('POST', `/api/v1/deals/${deal.id}/won`, admin, undefined, 409, 'DEAL_CLOSED');
      await fails(
        'POST',
        `/api/v1/deals/${deal.id}/move`,
        admin,
        { stageId: stageNamed(seeded, 'Proposal').id },
        409,
        'DEAL_CLOSED',
      );
      // Reopening goes back to where it was; the customer stays a customer.
      const reopened = await ok('POST', `/api/v1/deals/${deal.id}/reopen`, admin, {
        reason: 'Signed the wrong plan',
      });
      assert.deepEqual(
        [reopened.status, reopened.stageName, reopened.closedAt],
        ['open', 'Negotiation', null],
      );
      assert.deepEqual(
        reopened.history.at(-1) && [reopened.history.at(-1).kind, reopened.history.at(-1).reason],
        ['reopened', 'Signed the wrong plan'],
      );
      assert.equal(await stageOf(l1), 'customer');
      await fails('POST', `/api/v1/deals/${deal.id}/reopen`, admin, {}, 409, 'DEAL_NOT_CLOSED');
      const direct = await ok('POST', `/api/v1/deals/${deal.id}/won`, admin);
      assert.equal(direct.status, 'won');
    });

    it('lost: leads recycled or disqualified with the reason; a lead another open deal holds stays', async () => {
      const [l1, shared, l3] = [await lead('sql'), await lead('sql'), await lead('sql')];
      const d1 = await ok('POST', '/api/v1/deals', admin, { name: 'Lost one', leadIds: [l1, shared] });
      const d2 = await ok('POST', '/api/v1/deals', admin, { name: 'Still open', leadIds: [shared] });
      let e = await fails(
        'POST',
        `/api/v1/deals/${d1.id}/lost`,
        admin,
        { reasonCode: 'because', leadOutcome: 'recycled' },
        422,
        'DEAL_LOST_REASON_UNKNOWN',
      );
      assert.deepEqual(fields(e), ['reasonCode:pipeline']);
      e = await fails(
        'POST',
        `/api/v1/deals/${d1.id}/move`,
        admin,
        { stageId: stageNamed(seeded, 'Lost').id },
        400,
        'VALIDATION_FAILED',
      );
      assert.deepEqual(fields(e), ['reasonCode:required']);
      e = await fails(
        'POST',
        `/api/v1/deals/${d1.id}/lost`,
        admin,
        { reasonCode: 'price' },
        400,
        'VALIDATION_FAILED',
      );
      assert.deepEqual(fields(e), ['leadOutcome:required']);
      assert.equal((await ok('GET', `/api/v1/deals/${d1.id}`, null)).status, 'open', 'nothing written');

      const lost = await ok('POST', `/api/v1/deals/${d1.id}/move`, admin, {
        stageId: stageNamed(seeded, 'Lost').id,
        reasonCode: 'competitor',
        note: 'Chose Globex',
        leadOutcome: 'recycled',
      });
      assert.deepEqual(
        [lost.status, lost.lostReason],
        ['lost', { code: 'competitor', label: 'Went with a competitor', note: 'Chose Globex' }],
      );
      assert.equal(await stageOf(l1), 'recycled');
      const h = (await historyOf(l1)).at(-1);
      assert.deepEqual(
        [h.kind, h.reason, h.details.lostReasonCode],
        ['recycle', 'Deal "Lost one" lost: Went with a competitor (Chose Globex)', 'competitor'],
      );
      assert.equal(await stageOf(shared), 'opportunity', 'still in an open deal');
      const event = (await deliveries('deal.lost')).find((d) => d.deal.id === d1.id);
      assert.deepEqual([event.reason.code, event.leadOutcome], ['competitor', 'recycled']);

      // Once the other deal is lost too, the shared lead is recycled.
      await ok('POST', `/api/v1/deals/${d2.id}/lost`, admin, {
        reasonCode: 'timing',
        leadOutcome: 'recycled',
      });
      assert.equal(await stageOf(shared), 'recycled');

      // Disqualifying; then reopening brings recycled leads back, not disqualified ones.
      const d3 = await ok('POST', '/api/v1/deals', admin, { name: 'No fit', leadIds: [l3] });
      await ok('POST', `/api/v1/deals/${d3.id}/lost`, admin, {
        reasonCode: 'product_fit',
        leadOutcome: 'disqualified',
      });
      assert.equal(await stageOf(l3), 'disqualified');
      await ok('POST', `/api/v1/deals/${d3.id}/reopen`, admin, {});
      assert.equal(await stageOf(l3), 'disqualified');
      const reopened = await ok('POST', `/api/v1/deals/${d1.id}/reopen`, admin, {
        stageId: stageNamed(seeded, 'Discovery').id,
      });
      assert.deepEqual([reopened.stageName, reopened.lostReason], ['Discovery', null]);
      assert.equal(await stageOf(l1), 'opportunity');
      assert.equal(await stageOf(shared), 'opportunity');
    });

    it('writes nothing when any part of a command fails: deal, history, leads, timeline roll back together', async () => {
      const webhooks = t.runtime.api.webhooks as { publish: (...args: unknown[]) => Promise<unknown> };
      const publish = webhooks.publish;
      const id = await lead('sql');
      const open = await ok('POST', '/api/v1/deals', admin, { name: 'Fragile', leadIds: [id] });
      const before = [await count('deals'), await count('deal_stage_history'), (await touchTypes(id)).length];
      webhooks.publish = async () => {
        throw new Error('the outbox is full');
      };
      try {
        assert.equal(
          (await req('POST', '/api/v1/deals', admin, { name: 'Never', leadIds: [await lead('sql')] }))
            .statusCode,
          500,
        );
        assert.equal((await req('POST', `/api/v1/deals/${open.id}/won`, admin)).statusCode, 500);
      } finally {
        webhooks.publish = publish;
      }
      assert.deepEqual(
        [await count('deals'), await count('deal_stage_history'), (await touchTypes(id)).length],
        before,
      );
      assert.equal(await stageOf(id), 'opportunity');
      assert.equal((await ok('GET', `/api/v1/deals/${open.id}`, null)).status, 'open');
    });

    it('totals the board per stage and currency, weighted by the stage probability, and filters by owner', async () => {
      const p: Pipeline = await ok('POST', '/api/v1/pipelines', admin, {
        name: `Board ${++n}`,
        stages: standardStages,
      });
      const rep = await t.signIn('sales_rep');
      const [leadIn, demo] = p.stages;
      const create = async (
        stageId: string,
        amount: number | null,
        currency = 'EUR',
        ownerId = admin.userId,
      ) =>
        ok('POST', '/api/v1/deals', admin, {
          name: `Board deal ${++n}`,
          leadIds: [await lead()],
          pipelineId: p.id,
          stageId,
          ownerId,
          ...(amount === null ? {} : { amount: { amount, currency } }),
        });
      await create(leadIn!.id, 10_001);
      await create(leadIn!.id, 20_000);
      await create(leadIn!.id, 7_000, 'USD', rep.userId);
      await create(leadIn!.id, null);
      const w = await create(demo!.id, 33_333);
      await ok('POST', `/api/v1/deals/${w.id}/won`, admin);
      const board = await ok('GET', `/api/v1/pipelines/${p.id}/board`, null);
      const col = (id: string) => board.columns.find((c: { stage: { id: string } }) => c.stage.id === id);
      assert.equal(col(leadIn!.id).count, 4);
      assert.deepEqual(col(leadIn!.id).totals, [
        { amount: 30_001, currency: 'EUR' },
        { amount: 7_000, currency: 'USD' },
      ]);
      assert.deepEqual(col(leadIn!.id).weighted, [
        { amount: 3_000, currency: 'EUR' },
        { amount: 700, currency: 'USD' },
      ]);
      assert.equal(col(demo!.id).count, 0);
      assert.deepEqual(col(p.stages[2]!.id).totals, [{ amount: 33_333, currency: 'EUR' }]);
      assert.deepEqual(
        board.columns.map((c: { stage: { name: string } }) => c.stage.name),
        p.stages.map((s) => s.name),
      );
      const mine = await ok('GET', `/api/v1/pipelines/${p.id}/board?ownerId=${rep.userId}`, null);
      assert.deepEqual(
        mine.columns.map((c: { count: number }) => c.count),
        [1, 0, 0, 0],
      );
      assert.equal(mine.columns[0].deals[0].ownerId, rep.userId);
      assert.match(mine.columns[0].deals[0].ownerName, /^sales_rep \d+$/);
    });
    it('keeps deals on the person through merges, their undo and deletions', async () => {
      const links = async (dealId: string) =>
        (await ok('GET', `/api/v1/deals/${dealId}`, null)).leads.map(
          (l: { id: string; primary: boolean }) => [l.id, l.primary],
        );
      const survivor = await lead('opportunity');
      const merged = await lead('opportunity');
      const other = await lead('opportunity');
      const onlyMerged = await ok('POST', '/api/v1/deals', admin, { name: 'Merged one', leadIds: [merged] });
      const both = await ok('POST', '/api/v1/deals', admin, {
        name: 'Both',
        leadIds: [merged, survivor, other],
      });
      const res = await ok('POST', `/api/v1/leads/${survivor}/merge`, admin, { mergedId: merged });
      // The merged lead's place goes to the survivor; where the deal had both, once, as primary.
      assert.deepEqual(await links(onlyMerged.id), [[survivor, true]]);
      assert.deepEqual(await links(both.id), [
        [survivor, true],
        [other, false],
      ]);
      // Winning the deal now makes the person a customer (not a merged stub).
      await ok('POST', `/api/v1/deals/${onlyMerged.id}/won`, admin);
      assert.equal(await stageOf(survivor), 'customer');
      // Undo: exactly the links the merge changed come back.
      await ok('POST', `/api/v1/lead-merges/${res.merge.id}/undo`, admin);
      assert.deepEqual(await links(onlyMerged.id), [[merged, true]]);
      assert.deepEqual(await links(both.id), [
        [merged, true],
        [survivor, false],
        [other, false],
      ]);
      // A deleted lead leaves its deals; the next linked lead becomes the primary one.
      assert.equal(
        (await t.request({ method: 'DELETE', url: `/api/v1/leads/${merged}`, headers: admin.headers }))
          .statusCode,
        204,
      );
      assert.deepEqual(await links(both.id), [
        [survivor, true],
        [other, false],
      ]);
      assert.deepEqual(await links(onlyMerged.id), []);
      const rows = await t.runtime.database.db
        .selectFrom('deal_leads')
        .select('lead_id')
        .where('lead_id', '=', merged)
        .execute();
      assert.equal(rows.length, 0);
    });
    it('deletes a deal made by mistake: only its owner, their manager or an admin; its leads keep their stage', async () => {
      const rep = await t.signIn('sales_rep');
      const other = await t.signIn('sales_rep');
      const marketing = await t.signIn('marketing');
      const id = await lead('sql', { ownerId: rep.userId });
      const deal = await ok('POST', `/api/v1/leads/${id}/deals`, rep, { name: 'Typo deal' });
      assert.equal(await stageOf(id), 'opportunity');
      // Someone else's deal: another rep does not see it; marketing may not change deals at all.
      await fails('DELETE', `/api/v1/deals/${deal.id}`, other, undefined, 404, 'DEAL_NOT_FOUND');
      await fails('DELETE', `/api/v1/deals/${deal.id}`, marketing, undefined, 403, 'FORBIDDEN');
      assert.equal((await req('DELETE', `/api/v1/deals/${deal.id}`, rep)).statusCode, 204);
      await fails('GET', `/api/v1/deals/${deal.id}`, admin, undefined, 404, 'DEAL_NOT_FOUND');
      await fails('DELETE', `/api/v1/deals/${deal.id}`, rep, undefined, 404, 'DEAL_NOT_FOUND');
      assert.equal(await stageOf(id), 'opportunity', 'a deletion is not an outcome');
      assert.deepEqual((await touchTypes(id)).filter((x: string) => x.startsWith('deal_')).sort(), [
        'deal_deleted',
        'deal_opened',
      ]);
      const db = t.runtime.database.db;
      for (const table of ['deal_leads', 'deal_stage_history'] as const)
        assert.equal(
          (await db.selectFrom(table).select('deal_id').where('deal_id', '=', deal.id).execute()).length,
          0,
          table,
        );
      const sent = (await deliveries('deal.deleted')).find((d) => d.deal.id === deal.id);
      assert.equal(sent?.deal.name, 'Typo deal');
      const audit = await db
        .selectFrom('audit_log')
        .select(['action', 'actor_id'])
        .where('target_id', '=', deal.id)
        .execute();
      assert.deepEqual(audit, [{ action: 'deal.deleted', actor_id: rep.userId }]);
    });
  });
}
