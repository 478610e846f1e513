/**
 * Who may do what with deals, through the API on both dialects: every role and API-key scope ×
 * every deal action × a deal of their own, of their team, or of someone else. Sales people see the
 * deals of their scope (docs/permissions.md): outside it a deal does not exist (404), and a linked
 * lead they do not see is never shown. A refused write changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Caller, createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

type Action = 'read' | 'patch' | 'move' | 'won' | 'lost' | 'reopen';
const actions: Action[] = ['read', 'patch', 'move', 'won', 'lost', 'reopen'];
type Owner = 'rep' | 'manager' | 'otherRep';

for (const dialect of testDialects) {
  describe(`deal permissions (${dialect})`, () => {
    let t: TestApp;
    let admin: Caller;
    const people = {} as Record<'manager' | 'rep' | 'otherRep' | 'marketing', Caller>;
    const keys = {} as Record<'read' | 'write' | 'leads', Caller>;
    let stages: { id: string; name: string }[];
    let n = 0;
    before(async () => {
      t = await createTestApp(dialect);
      admin = await t.signIn('admin');
      people.manager = await t.signIn('sales_manager');
      people.rep = await t.signIn('sales_rep');
      people.otherRep = await t.signIn('sales_rep');
      people.marketing = await t.signIn('marketing');
      keys.read = await t.apiKey(['deals:read']);
      keys.write = await t.apiKey(['deals:write']);
      keys.leads = await t.apiKey(['leads:read', 'leads:write']);
      await t.runtime.api.routing.settings.createTeam(
        { name: 'Field sales', managerId: people.manager.userId!, members: [{ userId: people.rep.userId! }] },
        { type: 'system', label: 'test' },
      );
      stages = (await call('GET', '/api/v1/pipelines', admin)).json().data[0].stages;
    });
    after(async () => t.close());

    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, caller: Caller, payload?: object) =>
      t.request({ method, url, headers: caller.headers, ...(payload ? { payload } : {}) });
    const stage = (name: string) => stages.find((s) => s.name === name)!.id;
    const ownerId = (o: Owner) =>
      ({ rep: people.rep, manager: people.manager, otherRep: people.otherRep })[o].userId!;

    async function lead(owner: string | null): Promise<string> {
      const res = await call('POST', '/api/v1/leads', admin, {
        email: `p${++n}@perm${n}.example`,
        lifecycleStage: 'sql',
        ownerId: owner,
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id;
    }
    /** A deal owned by someone, opened by an admin; closed as lost when the action is a reopen. */
    async function dealOf(owner: string, closed = false): Promise<string> {
      const res = await call('POST', '/api/v1/deals', admin, {
        name: `Deal ${++n}`,
        leadIds: [await lead(owner)],
        ownerId: owner,
        amount: { amount: 1000, currency: 'EUR' },
      });
      assert.equal(res.statusCode, 201, res.body);
      const id = res.json().id;
      if (closed)
        assert.equal(
          (
            await call('POST', `/api/v1/deals/${id}/lost`, admin, {
              reasonCode: 'price',
              leadOutcome: 'recycled',
            })
          ).statusCode,
          200,
        );
      return id;
    }
    async function act(action: Action, id: string, caller: Caller) {
      switch (action) {
        case 'read':
          return call('GET', `/api/v1/deals/${id}`, caller);
        case 'patch':
          return call('PATCH', `/api/v1/deals/${id}`, caller, { amount: { amount: 2000, currency: 'EUR' } });
        case 'move':
          return call('POST', `/api/v1/deals/${id}/move`, caller, { stageId: stage('Proposal') });
        case 'won':
          return call('POST', `/api/v1/deals/${id}/won`, caller);
        case 'lost':
          return call('POST', `/api/v1/deals/${id}/lost`, caller, {
            reasonCode: 'price',
            leadOutcome: 'recycled',
          });
        case 'reopen':
          return call('POST', `/api/v1/deals/${id}/reopen`, caller, {});
      }
    }
    /** What an action leaves behind, to check a refused one changed nothing. */
    const snapshot = async (id: string) => {
      const d = (await call('GET', `/api/v1/deals/${id}`, admin)).json();
      return [d.status, d.stageId, d.amount.amount, d.history.length, d.leads[0].stage];
    };

    it('lets each role and scope act exactly on the deals it should', async () => {
      // caller → owner kind → allowed? ('route': refused before the deal is read; 'hidden': the
      // deal is outside the caller's scope, so it does not exist for them).
      type Rule = (owner: Owner, action: Action) => true | 'route' | 'hidden';
      const everything: Rule = () => true;
      // Sales people see and change their own deals (managers: their teams' members' too); the
      // deals here link only their owner's lead, so nobody else's scope reaches them.
      const onlyOwn =
        (me: Owner[]): Rule =>
        (owner) =>
          me.includes(owner) ? true : 'hidden';
      const readOnly: Rule = (_owner, action) => (action === 'read' ? true : 'route');
      const cases: [string, Caller, Rule][] = [
        ['admin', admin, everything],
        ['manager', people.manager, onlyOwn(['manager', 'rep'])],
        ['rep', people.rep, onlyOwn(['rep'])],
        ['other rep', people.otherRep, onlyOwn(['otherRep'])],
        ['marketing', people.marketing, readOnly],
        ['deals:read key', keys.read, readOnly],
        ['deals:write key', keys.write, (_o, action) => (action === 'read' ? 'route' : true)],
        ['leads key', keys.leads, () => 'route'],
      ];
      const failures: string[] = [];
      const reusable = new Map<Owner, string>();
      for (const owner of ['rep', 'manager', 'otherRep'] as Owner[])
        reusable.set(owner, await dealOf(ownerId(owner)));
      for (const [label, caller, rule] of cases)
        for (const owner of ['rep', 'manager', 'otherRep'] as Owner[])
          for (const action of actions) {
            const expected = rule(owner, action);
            const id =
              action === 'read' || expected !== true
                ? reusable.get(owner)!
                : await dealOf(ownerId(owner), action === 'reopen');
            const before = await snapshot(id);
            const res = await act(action, id, caller);
            const code = res.statusCode >= 400 ? res.json().error.code : null;
            const what = `${label} ${action} a deal of ${owner}: ${res.statusCode} ${code ?? ''}`;
            if (expected === true) {
              if (res.statusCode !== 200) failures.push(`${what} (expected 200)`);
            } else {
              const [status, want] = expected === 'route' ? [403, 'FORBIDDEN'] : [404, 'DEAL_NOT_FOUND'];
              if (res.statusCode !== status || code !== want)
                failures.push(`${what} (expected ${status} ${want})`);
              else if (JSON.stringify(await snapshot(id)) !== JSON.stringify(before))
                failures.push(`${what} changed the deal`);
            }
          }
      assert.deepEqual(failures, []);
    });

    it('lets reps open deals only on leads they may act on, for themselves; managers for their team', async () => {
      const open = (caller: Caller, body: object) =>
        call('POST', '/api/v1/deals', caller, { name: `Opened ${++n}`, ...body });
      let res = await open(people.rep, { leadIds: [await lead(people.rep.userId!)] });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().ownerId, people.rep.userId);

      // A lead outside the rep's scope answers word for word as a lead that does not exist.
      const deals = async () => (await call('GET', '/api/v1/deals?limit=200', admin)).json().data.length;
      const count = await deals();
      const outside = await open(people.rep, {
        leadIds: [await lead(people.rep.userId!), await lead(people.otherRep.userId!)],
      });
      const missing = await open(people.rep, {
        leadIds: [await lead(people.rep.userId!), 'lead_does_not_exist'],
      });
      assert.equal(outside.statusCode, 422);
      assert.deepEqual(outside.json().error.details, [
        { field: 'leadIds.1', rule: 'exists', message: outside.json().error.details[0].message },
      ]);
      const shape = (r: typeof outside) => {
        const e = r.json().error;
        return {
          code: e.code,
          details: e.details.map((d: { field: string; rule: string }) => [d.field, d.rule]),
        };
      };
      assert.deepEqual(shape(outside), shape(missing));
      assert.deepEqual(shape(outside), { code: 'DEAL_LEAD_INVALID', details: [['leadIds.1', 'exists']] });
      assert.equal(await deals(), count, 'nothing was opened');
      res = await call('POST', `/api/v1/leads/${await lead(people.otherRep.userId!)}/deals`, people.rep, {});
      assert.deepEqual([res.statusCode, res.json().error.code], [404, 'LEAD_NOT_FOUND']);
      res = await open(people.rep, {
        leadIds: [await lead(people.rep.userId!)],
        ownerId: people.otherRep.userId,
      });
      assert.deepEqual(
        [res.statusCode, res.json().error.code, res.json().error.details[0].field],
        [403, 'DEAL_NOT_YOURS', 'ownerId'],
      );
      res = await open(people.manager, {
        leadIds: [await lead(people.rep.userId!)],
        ownerId: people.rep.userId,
      });
      assert.equal(res.statusCode, 201, res.body);
      res = await open(people.manager, { leadIds: [await lead(people.otherRep.userId!)] });
      assert.deepEqual(
        [res.json().error.code, res.json().error.details[0].field],
        ['DEAL_LEAD_INVALID', 'leadIds.0'],
      );
      res = await open(people.manager, {
        leadIds: [await lead(people.rep.userId!)],
        ownerId: people.otherRep.userId,
      });
      assert.equal(res.json().error.code, 'DEAL_NOT_YOURS');
      res = await open(people.marketing, { leadIds: [await lead(null)] });
      assert.deepEqual([res.statusCode, res.json().error.code], [403, 'FORBIDDEN']);
      res = await call('POST', `/api/v1/leads/${await lead(null)}/deals`, people.marketing, {});
      assert.deepEqual([res.statusCode, res.json().error.code], [403, 'FORBIDDEN']);
      res = await open(keys.write, { leadIds: [await lead(null)], ownerId: people.otherRep.userId });
      assert.equal(res.statusCode, 201, res.body);
    });

    it('lets managers hand deals within their team, and reps not at all', async () => {
      const id = await dealOf(people.rep.userId!);
      let res = await call('PATCH', `/api/v1/deals/${id}`, people.rep, { ownerId: people.otherRep.userId });
      assert.deepEqual([res.statusCode, res.json().error.details[0].field], [403, 'ownerId']);
      res = await call('PATCH', `/api/v1/deals/${id}`, people.manager, { ownerId: people.otherRep.userId });
      assert.equal(res.json().error.code, 'DEAL_NOT_YOURS');
      res = await call('PATCH', `/api/v1/deals/${id}`, people.manager, { ownerId: people.manager.userId });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().ownerId, people.manager.userId);
      // Now the manager's: the rep still sees it (its lead is theirs) but may no longer change it.
      assert.equal((await call('GET', `/api/v1/deals/${id}`, people.rep)).statusCode, 200);
      res = await call('PATCH', `/api/v1/deals/${id}`, people.rep, { name: 'Mine again?' });
      assert.deepEqual([res.statusCode, res.json().error.code], [403, 'DEAL_NOT_YOURS']);
    });

    it('shows a deal to whoever sees one of its leads, never the linked leads they do not see', async () => {
      // The manager's deal on the manager's own lead and on the rep's lead.
      const managersLead = await lead(people.manager.userId!);
      const repsLead = await lead(people.rep.userId!);
      let res = await call('POST', '/api/v1/deals', admin, {
        name: `Shared ${++n}`,
        leadIds: [managersLead, repsLead],
        ownerId: people.manager.userId,
      });
      assert.equal(res.statusCode, 201, res.body);
      const id = res.json().id;
      const view = async (caller: Caller) => {
        const r = await call('GET', `/api/v1/deals/${id}`, caller);
        return r.statusCode === 200
          ? { leads: r.json().leads.map((l: { id: string }) => l.id), hidden: r.json().hiddenLeads }
          : r.statusCode;
      };
      assert.deepEqual(await view(admin), { leads: [managersLead, repsLead], hidden: 0 });
      assert.deepEqual(await view(people.marketing), { leads: [managersLead, repsLead], hidden: 0 });
      assert.deepEqual(await view(people.manager), { leads: [managersLead, repsLead], hidden: 0 });
      assert.deepEqual(await view(people.rep), { leads: [repsLead], hidden: 1 });
      assert.equal(await view(people.otherRep), 404);
      // Neither the hidden lead's id nor its email reaches the rep, in the deal or in lists.
      const managersEmail = (await call('GET', `/api/v1/leads/${managersLead}`, admin)).json().email;
      for (const url of [`/api/v1/deals/${id}`, '/api/v1/deals?limit=200']) {
        const body = (await call('GET', url, people.rep)).body;
        assert.ok(!body.includes(managersLead) && !body.includes(managersEmail), url);
      }
      // The rep sees it, but it is the manager's to change; each view says so.
      const canChange = async (caller: Caller) =>
        (await call('GET', `/api/v1/deals/${id}`, caller)).json().canChange;
      assert.deepEqual(
        [
          await canChange(admin),
          await canChange(people.manager),
          await canChange(people.rep),
          await canChange(people.marketing),
        ],
        [true, true, false, false],
      );
      res = await call('POST', `/api/v1/deals/${id}/won`, people.rep);
      assert.deepEqual([res.statusCode, res.json().error.code], [403, 'DEAL_NOT_YOURS']);

      // The manager edits the leads as the rep's would see them: a lead outside the manager's
      // scope linked by an admin stays linked, and stays hidden.
      const othersLead = await lead(people.otherRep.userId!);
      res = await call('PATCH', `/api/v1/deals/${id}`, admin, {
        leadIds: [othersLead, managersLead, repsLead],
      });
      assert.equal(res.statusCode, 200, res.body);
      res = await call('PATCH', `/api/v1/deals/${id}`, people.manager, { leadIds: [repsLead] });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(
        [res.json().leads.map((l: { id: string }) => l.id), res.json().hiddenLeads],
        [[repsLead], 1],
      );
      const all = (await call('GET', `/api/v1/deals/${id}`, admin)).json();
      assert.deepEqual(
        all.leads.map((l: { id: string; primary: boolean }) => [l.id, l.primary]),
        [
          [othersLead, true],
          [repsLead, false],
        ],
        'the hidden primary lead kept its place; the manager unlinked only their own',
      );
      // Naming the hidden lead is naming a lead that does not exist.
      res = await call('PATCH', `/api/v1/deals/${id}`, people.manager, { leadIds: [repsLead, othersLead] });
      assert.deepEqual(
        [res.statusCode, res.json().error.code, res.json().error.details[0].field],
        [422, 'DEAL_LEAD_INVALID', 'leadIds.1'],
      );
    });

    it('totals and lists over the deals each caller sees', async () => {
      const pipeline = (
        await call('POST', '/api/v1/pipelines', admin, {
          name: `Scoped ${++n}`,
          stages: [
            { name: 'Open', probability: 50, kind: 'open' },
            { name: 'Won', probability: 100, kind: 'won' },
            { name: 'Lost', probability: 0, kind: 'lost' },
          ],
        })
      ).json();
      const deal = async (owner: Caller, amount: number) =>
        (
          await call('POST', '/api/v1/deals', admin, {
            name: `Scoped deal ${++n}`,
            leadIds: [await lead(owner.userId!)],
            ownerId: owner.userId,
            pipelineId: pipeline.id,
            amount: { amount, currency: 'EUR' },
          })
        ).json().id as string;
      const ids = {
        rep: await deal(people.rep, 1000),
        manager: await deal(people.manager, 20_000),
        otherRep: await deal(people.otherRep, 300_000),
      };
      const expected: [string, Caller, string[], number][] = [
        ['admin', admin, [ids.rep, ids.manager, ids.otherRep], 321_000],
        ['marketing', people.marketing, [ids.rep, ids.manager, ids.otherRep], 321_000],
        ['manager', people.manager, [ids.rep, ids.manager], 21_000],
        ['rep', people.rep, [ids.rep], 1000],
        ['other rep', people.otherRep, [ids.otherRep], 300_000],
      ];
      for (const [label, caller, deals, total] of expected) {
        const board = (await call('GET', `/api/v1/pipelines/${pipeline.id}/board`, caller)).json();
        const open = board.columns[0];
        assert.deepEqual(
          [open.count, open.totals, open.weighted, open.deals.map((d: { id: string }) => d.id).sort()],
          [
            deals.length,
            [{ amount: total, currency: 'EUR' }],
            [{ amount: total / 2, currency: 'EUR' }],
            [...deals].sort(),
          ],
          `board as ${label}`,
        );
        assert.equal(board.pipeline.stages[0].dealCount, deals.length, `stage count as ${label}`);
        const list = (await call('GET', `/api/v1/deals?pipelineId=${pipeline.id}&limit=200`, caller)).json();
        assert.deepEqual(
          list.data.map((d: { id: string }) => d.id).sort(),
          [...deals].sort(),
          `list as ${label}`,
        );
        for (const id of Object.values(ids))
          assert.equal(
            (await call('GET', `/api/v1/deals/${id}`, caller)).statusCode,
            deals.includes(id) ? 200 : 404,
            `${label} reads ${id}`,
          );
      }
    });

    it('lets only managers and admins edit pipelines', async () => {
      const body = {
        name: `Pipeline ${++n}`,
        stages: [
          { name: 'Open', probability: 30, kind: 'open' },
          { name: 'Won', probability: 100, kind: 'won' },
          { name: 'Lost', probability: 0, kind: 'lost' },
        ],
      };
      for (const [caller, status] of [
        [people.rep, 403],
        [people.marketing, 403],
        [keys.write, 403],
        [people.manager, 201],
        [admin, 201],
      ] as const) {
        const res = await call('POST', '/api/v1/pipelines', caller, { ...body, name: `Pipeline ${++n}` });
        assert.equal(res.statusCode, status, res.body);
      }
      assert.equal((await call('GET', '/api/v1/pipelines', people.marketing)).statusCode, 200);
    });
  });
}
