/**
 * Who may do what with deals, through the API on both dialects: every role and API-key scope ×
 * every deal action × a deal of their own, of their team, or of someone else. A refused write
 * changes nothing.
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
      // caller → owner kind → allowed? ('route': refused before the deal is read).
      type Rule = (owner: Owner, action: Action) => true | 'route' | 'owner';
      const everything: Rule = () => true;
      // Sales people read every deal (the team's board); they change their own (managers: their team's).
      const onlyOwn =
        (me: Owner[]): Rule =>
        (owner, action) =>
          action === 'read' || me.includes(owner) ? true : 'owner';
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
              const want = expected === 'route' ? 'FORBIDDEN' : 'DEAL_NOT_YOURS';
              if (res.statusCode !== 403 || code !== want) failures.push(`${what} (expected 403 ${want})`);
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

      res = await open(people.rep, {
        leadIds: [await lead(people.rep.userId!), await lead(people.otherRep.userId!)],
      });
      assert.equal(res.statusCode, 403);
      assert.deepEqual(
        [res.json().error.code, res.json().error.details[0].field],
        ['SALES_NOT_YOUR_LEAD', 'leadIds.1'],
      );
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
      assert.equal(res.json().error.code, 'SALES_NOT_YOUR_LEAD');
      res = await open(people.manager, {
        leadIds: [await lead(people.rep.userId!)],
        ownerId: people.otherRep.userId,
      });
      assert.equal(res.json().error.code, 'DEAL_NOT_YOURS');
      res = await open(people.marketing, { leadIds: [await lead(null)] });
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
      // Now the manager's: the rep may no longer change it.
      res = await call('PATCH', `/api/v1/deals/${id}`, people.rep, { name: 'Mine again?' });
      assert.equal(res.json().error.code, 'DEAL_NOT_YOURS');
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
