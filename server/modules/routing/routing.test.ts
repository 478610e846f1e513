/**
 * Routing through the API on both dialects: round-robin fairness (with weights), the cursor
 * surviving a restart and a pool edit, skipping unavailable and at-capacity reps, the team queue,
 * load-balanced, account-based, first match wins with a default, routing inside the MQL's
 * transaction, SLA escalation and reassignment by moving the clock, acceptance cancelling it, and
 * who may accept or reject.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createRuntime } from '../../runtime.ts';
import { type Caller, createTestApp, type TestApp, testConfig } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { testLogger } from '../../test-support/logger.ts';

const MONDAY_10 = Date.UTC(2026, 10, 23, 10, 0, 0);
const MIN = 60_000;

for (const dialect of testDialects) {
  describe(`routing (${dialect})`, () => {
    let t: TestApp;
    let admin: Caller;
    let key: Record<string, string>;
    let n = 0;
    before(async () => {
      t = await createTestApp(dialect);
      admin = await t.signIn('admin');
      key = (await t.apiKey(['leads:write', 'leads:read'])).headers;
    });
    after(async () => t.close());

    const req = async (
      method: 'GET' | 'POST' | 'PUT' | 'PATCH',
      url: string,
      caller: Caller | null,
      payload?: object,
    ) => t.request({ method, url, headers: caller ? caller.headers : key, ...(payload ? { payload } : {}) });
    const ok = async (
      method: 'GET' | 'POST' | 'PUT' | 'PATCH',
      url: string,
      caller: Caller | null,
      payload?: object,
    ) => {
      const res = await req(method, url, caller, payload);
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    };

    async function team(
      manager: Caller | null,
      members: (Caller | { userId: string; weight: number })[],
      name = `Team ${++n}`,
    ) {
      return ok('POST', '/api/v1/routing/teams', admin, {
        name,
        managerId: manager?.userId ?? null,
        members: members.map((m) => ('headers' in m ? { userId: m.userId! } : m)),
      });
    }
    async function rules(list: object[]) {
      return ok('PUT', '/api/v1/routing/rules', admin, { rules: list });
    }
    const rr = (teamId: string, extra: object = {}) =>
      rules([{ name: 'Everyone', isDefault: true, teamId, strategy: 'round_robin', ...extra }]);

    /** A lead that becomes an MQL through the stage endpoint; returns its id. */
    async function mql(fields: object = {}): Promise<string> {
      const created = await ok('POST', '/api/v1/leads', null, {
        email: `m${++n}@routing${n}.example`,
        lifecycleStage: 'lead',
        ...fields,
      });
      await ok('POST', `/api/v1/leads/${created.id}/stage`, admin, { to: 'mql' });
      return created.id;
    }
    const assignments = async (leadId: string) =>
      (await ok('GET', `/api/v1/leads/${leadId}/assignments`, admin)).data;
    const ownerOf = async (leadId: string) => (await assignments(leadId)).at(-1)?.ownerId ?? null;
    const count = (ids: (string | null)[]) => {
      const m = new Map<string | null, number>();
      for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
      return m;
    };

    it('spreads round-robin evenly, and in proportion to weights', async () => {
      const reps = [await t.signIn('sales_rep'), await t.signIn('sales_rep'), await t.signIn('sales_rep')];
      const tm = await team(null, reps);
      await rr(tm.id);
      const owners: (string | null)[] = [];
      for (let i = 0; i < 12; i++) owners.push(await ownerOf(await mql()));
      assert.deepEqual([...count(owners).values()], [4, 4, 4]);
      // Strict turns: every window of three has each rep once.
      for (let i = 0; i < 12; i += 3) assert.equal(new Set(owners.slice(i, i + 3)).size, 3);

      const [a, b] = [await t.signIn('sales_rep'), await t.signIn('sales_rep')];
      const weighted = await team(null, [
        { userId: a.userId!, weight: 2 },
        { userId: b.userId!, weight: 1 },
      ]);
      await rr(weighted.id);
      const w: (string | null)[] = [];
      for (let i = 0; i < 9; i++) w.push(await ownerOf(await mql()));
      assert.equal(count(w).get(a.userId!), 6);
      assert.equal(count(w).get(b.userId!), 3);
    });

    it('keeps reps who stay available within one lead of each other, whoever comes and goes (property)', async () => {
      const system = { type: 'system', label: 'test' } as const;
      const reps: string[] = [];
      for (let i = 0; i < 4; i++) reps.push((await t.signIn('sales_rep')).userId!);
      const away = new Date(Date.UTC(2030, 0, 1)).toISOString();
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.constant('mql' as const), fc.integer({ min: 0, max: 3 })), {
            minLength: 4,
            maxLength: 14,
          }),
          async (ops) => {
            for (const id of reps)
              await t.runtime.api.routing.settings.patchRep(id, { outUntil: null }, system);
            const tm = await t.runtime.api.routing.settings.createTeam(
              { name: `Property ${++n}`, members: reps.map((userId) => ({ userId })) },
              system,
            );
            await t.runtime.api.routing.settings.replaceRules(
              [{ name: 'All', isDefault: true, teamId: tm.id, strategy: 'round_robin' }],
              system,
            );
            const out = new Set<string>();
            const everAway = new Set<string>();
            const got = new Map(reps.map((id) => [id, 0]));
            for (const op of ops) {
              if (op === 'mql') {
                const lead = await ok('POST', '/api/v1/leads', null, {
                  email: `p${++n}@prop.example`,
                  lifecycleStage: 'mql',
                });
                const owner = await ownerOf(lead.id);
                if (out.size === reps.length) assert.equal(owner, null, 'everyone away: the team queue');
                else {
                  assert.ok(owner && !out.has(owner), 'never a rep who is away');
                  got.set(owner, got.get(owner)! + 1);
                }
              } else {
                const id = reps[op]!;
                const leaving = !out.has(id);
                if (leaving) {
                  out.add(id);
                  everAway.add(id);
                } else out.delete(id);
                await t.runtime.api.routing.settings.patchRep(
                  id,
                  { outUntil: leaving ? away : null },
                  system,
                );
              }
            }
            const steady = reps.filter((id) => !everAway.has(id)).map((id) => got.get(id)!);
            if (steady.length > 1)
              assert.ok(Math.max(...steady) - Math.min(...steady) <= 1, `spread ${steady}`);
          },
        ),
        { numRuns: 12 },
      );
    });

    it('stays fair when MQLs arrive at the same time', async () => {
      const reps = [await t.signIn('sales_rep'), await t.signIn('sales_rep'), await t.signIn('sales_rep')];
      const tm = await team(null, reps);
      await rr(tm.id);
      const created = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          ok('POST', '/api/v1/leads', null, {
            email: `c${i}-${++n}@concurrent${i}.example`,
            lifecycleStage: 'mql',
          }),
        ),
      );
      const owners = await Promise.all(created.map((l: { id: string }) => ownerOf(l.id)));
      assert.deepEqual([...count(owners).values()], [4, 4, 4]);
    });

    it('keeps its turn across a restart and an edit of the pool', async () => {
      const [a, b, c, d] = [
        await t.signIn('sales_rep'),
        await t.signIn('sales_rep'),
        await t.signIn('sales_rep'),
        await t.signIn('sales_rep'),
      ];
      const tm = await team(null, [a, b, c]);
      await rr(tm.id);
      assert.equal(await ownerOf(await mql()), a.userId);
      assert.equal(await ownerOf(await mql()), b.userId);
      // A second runtime on the same database: nothing in memory carries over.
      const restarted = await createRuntime(testConfig(), {
        database: t.tdb,
        clock: t.clock,
        logger: testLogger,
        migrate: false,
      });
      const created = await ok('POST', '/api/v1/leads', null, {
        email: `restart${++n}@routing.example`,
        lifecycleStage: 'lead',
      });
      await restarted.api.lifecycle.changeStage(
        created.id,
        { to: 'mql' },
        { actor: { type: 'system', label: 'test' }, source: 'api' },
      );
      assert.equal(await ownerOf(created.id), c.userId, 'the restarted runtime continues with the third rep');
      // B leaves, D joins: D joins at the current turn (no burst), A and C keep theirs.
      await ok('PUT', `/api/v1/routing/teams/${tm.id}`, admin, {
        name: tm.name,
        members: [{ userId: a.userId }, { userId: c.userId }, { userId: d.userId }],
      });
      const next: (string | null)[] = [];
      for (let i = 0; i < 6; i++) next.push(await ownerOf(await mql()));
      assert.deepEqual(next.slice(0, 3), [d.userId, a.userId, c.userId]);
      assert.deepEqual(next.slice(3), [d.userId, a.userId, c.userId]);
    });

    it('skips reps out of office or at capacity, queues when nobody can take it, and lets the team claim', async () => {
      const [a, b, c] = [
        await t.signIn('sales_rep'),
        await t.signIn('sales_rep'),
        await t.signIn('sales_rep'),
      ];
      const manager = await t.signIn('sales_manager');
      const tm = await team(manager, [a, b, c]);
      await rr(tm.id);
      t.clock.set(MONDAY_10);
      // A sets their own leave; a rep may not set capacity, a manager may.
      await ok('PATCH', `/api/v1/routing/reps/${a.userId}`, a, {
        outUntil: new Date(MONDAY_10 + 24 * 60 * MIN).toISOString(),
      });
      assert.equal(
        (await req('PATCH', `/api/v1/routing/reps/${b.userId}`, b, { capacity: 5 })).statusCode,
        403,
      );
      assert.equal(
        (await req('PATCH', `/api/v1/routing/reps/${a.userId}`, b, { outUntil: null })).statusCode,
        403,
      );
      await ok('PATCH', `/api/v1/routing/reps/${b.userId}`, manager, { capacity: 1 });
      const first = await mql();
      const [asg] = await assignments(first);
      assert.equal(asg.ownerId, b.userId);
      assert.match(asg.reason, /out of office/);
      // B is now at capacity (1 open lead): C, then nobody but C.
      assert.equal(await ownerOf(await mql()), c.userId);
      await ok('PATCH', `/api/v1/routing/reps/${c.userId}`, manager, { capacity: 1 });
      const queued = await mql();
      const [q] = await assignments(queued);
      assert.equal(q.status, 'queued');
      assert.equal(q.ownerId, null);
      assert.match(q.reason, /at capacity/);
      // The team's queue: in A's inbox, claimable by A but not by someone outside the team.
      const inbox = await ok('GET', '/api/v1/inbox', a);
      assert.deepEqual(
        inbox.queue.map((i: { lead: { id: string } }) => i.lead.id),
        [queued],
      );
      const outsider = await t.signIn('sales_rep');
      const denied = await req('POST', `/api/v1/leads/${queued}/claim`, outsider);
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().error.code, 'SALES_NOT_YOUR_LEAD');
      const claimed = await ok('POST', `/api/v1/leads/${queued}/claim`, a);
      assert.equal(claimed.ownerId, a.userId);
      const told = (await ok('GET', '/api/v1/notifications', a)).data.filter(
        (x: { leadId: string }) => x.leadId === queued,
      );
      assert.deepEqual(told, [], 'nobody is told of what they did themselves');
      assert.equal((await ok('GET', `/api/v1/leads/${queued}`, admin)).ownerId, a.userId);
      // A back from leave (the date passed): A is next, once, then the turns go on.
      t.clock.advance(25 * 60 * MIN);
      await ok('PATCH', `/api/v1/routing/reps/${a.userId}`, manager, { capacity: null });
      await ok('PATCH', `/api/v1/routing/reps/${b.userId}`, manager, { capacity: null });
      await ok('PATCH', `/api/v1/routing/reps/${c.userId}`, manager, { capacity: null });
      const back: (string | null)[] = [];
      for (let i = 0; i < 3; i++) back.push(await ownerOf(await mql()));
      assert.equal(new Set(back).size, 3, `each rep once: ${back}`);
    });

    it('load-balanced picks the rep with the fewest open leads', async () => {
      const [a, b] = [await t.signIn('sales_rep'), await t.signIn('sales_rep')];
      for (let i = 0; i < 2; i++)
        await ok('POST', '/api/v1/leads', null, {
          email: `busy${++n}@routing.example`,
          lifecycleStage: 'sal',
          ownerId: a.userId,
        });
      const tm = await team(null, [a, b]);
      await rules([{ name: 'Balanced', isDefault: true, teamId: tm.id, strategy: 'load_balanced' }]);
      assert.equal(await ownerOf(await mql()), b.userId);
      assert.equal(await ownerOf(await mql()), b.userId);
      const third = await ownerOf(await mql());
      assert.ok(third === a.userId || third === b.userId);
      const fourth = await ownerOf(await mql());
      assert.notEqual(fourth, third, 'after a tie at 3/3 each gets one');
    });

    it('account-based sends a lead to the owner of its company, else round-robin', async () => {
      const [owner, a] = [await t.signIn('sales_rep'), await t.signIn('sales_rep')];
      await ok('POST', '/api/v1/leads', null, {
        email: `buyer${++n}@acme-account.example`,
        lifecycleStage: 'sal',
        ownerId: owner.userId,
      });
      const tm = await team(null, [a]);
      await rules([{ name: 'Accounts', isDefault: true, teamId: tm.id, strategy: 'account' }]);
      const colleague = await mql({ email: `colleague${++n}@acme-account.example` });
      const [asg] = await assignments(colleague);
      assert.equal(asg.ownerId, owner.userId);
      assert.match(asg.reason, /account owner/);
      const stranger = await mql({ email: `x${++n}@nobody-owns-this.example` });
      assert.equal(await ownerOf(stranger), a.userId);
    });

    it('first matching rule wins, the default takes the rest', async () => {
      const [de, eu, rest] = [
        await t.signIn('sales_rep'),
        await t.signIn('sales_rep'),
        await t.signIn('sales_rep'),
      ];
      const [tDe, tEu, tRest] = [await team(null, [de]), await team(null, [eu]), await team(null, [rest])];
      // The default first in the list still goes last.
      const saved = await rules([
        { name: 'Rest', isDefault: true, teamId: tRest.id, strategy: 'round_robin' },
        {
          name: 'Germany',
          condition: { field: 'country', op: 'eq', value: 'DE' },
          teamId: tDe.id,
          strategy: 'round_robin',
        },
        {
          name: 'Europe',
          condition: { field: 'country', op: 'in', value: ['DE', 'FR'] },
          teamId: tEu.id,
          strategy: 'round_robin',
        },
      ]);
      assert.deepEqual(
        saved.data.map((r: { name: string }) => r.name),
        ['Germany', 'Europe', 'Rest'],
      );
      const [l1, l2, l3] = [
        await mql({ country: 'DE' }),
        await mql({ country: 'FR' }),
        await mql({ country: 'US' }),
      ];
      assert.deepEqual(
        [
          (await assignments(l1))[0].ruleName,
          (await assignments(l2))[0].ruleName,
          (await assignments(l3))[0].ruleName,
        ],
        ['Germany', 'Europe', 'Rest'],
      );
      assert.deepEqual(
        [await ownerOf(l1), await ownerOf(l2), await ownerOf(l3)],
        [de.userId, eu.userId, rest.userId],
      );
      // Bad rules: a 422 naming the field, and nothing replaced.
      const bad = await req('PUT', '/api/v1/routing/rules', admin, {
        rules: [
          {
            name: 'x',
            condition: { field: 'nope', op: 'eq', value: 1 },
            teamId: tDe.id,
            strategy: 'round_robin',
          },
        ],
      });
      assert.equal(bad.statusCode, 400, bad.body);
      const noTeam = await req('PUT', '/api/v1/routing/rules', admin, {
        rules: [{ name: 'x', isDefault: true, strategy: 'round_robin' }],
      });
      assert.equal(noTeam.statusCode, 422);
      assert.equal(noTeam.json().error.details[0].field, 'rules.0.teamId');
      assert.equal((await ok('GET', '/api/v1/routing/rules', admin)).data.length, 3);
    });

    it('routes inside the MQL transaction: a rolled-back MQL routes nothing', async () => {
      const a = await t.signIn('sales_rep');
      const b = await t.signIn('sales_rep');
      const tm = await team(null, [a, b]);
      await rr(tm.id);
      const lead = await ok('POST', '/api/v1/leads', null, {
        email: `rollback${++n}@routing.example`,
        lifecycleStage: 'lead',
      });
      const cause = {
        reason: 'touchpoint',
        touchpoints: [{ leadId: lead.id, type: 'demo_requested', properties: {} }],
      };
      await assert.rejects(
        t.runtime.database.db.transaction().execute(async (tx) => {
          const made = await t.runtime.api.lifecycle.evaluate(tx, [lead.id], cause);
          assert.equal(made.length, 1);
          const inside = await tx
            .selectFrom('lead_assignments')
            .select('owner_id')
            .where('lead_id', '=', lead.id)
            .execute();
          assert.deepEqual(inside, [{ owner_id: a.userId }], 'routed in the same transaction');
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.deepEqual(await assignments(lead.id), []);
      const tps = (await ok('GET', `/api/v1/leads/${lead.id}/touchpoints`, admin)).data;
      assert.equal(tps.filter((x: { type: string }) => x.type === 'assigned').length, 0);
      // The cursor did not move either: the real MQL goes to A.
      await t.runtime.database.db
        .transaction()
        .execute((tx) => t.runtime.api.lifecycle.evaluate(tx, [lead.id], cause));
      assert.equal(await ownerOf(lead.id), a.userId);
      const after = (await ok('GET', `/api/v1/leads/${lead.id}/touchpoints`, admin)).data;
      const assigned = after.find((x: { type: string }) => x.type === 'assigned');
      assert.ok(assigned, 'on the timeline');
      assert.match(assigned.properties.reason, /round-robin/);
    });

    describe('SLA', () => {
      let a: Caller;
      let b: Caller;
      let manager: Caller;
      before(async () => {
        [a, b, manager] = [
          await t.signIn('sales_rep'),
          await t.signIn('sales_rep'),
          await t.signIn('sales_manager'),
        ];
        const tm = await team(manager, [a, b]);
        await rr(tm.id, { slaMinutes: 30, slaAction: 'escalate_reassign' });
        await ok('PUT', '/api/v1/routing/hours', admin, {
          timeZone: 'UTC',
          days: {
            sun: null,
            mon: { start: '09:00', end: '17:00' },
            tue: { start: '09:00', end: '17:00' },
            wed: { start: '09:00', end: '17:00' },
            thu: { start: '09:00', end: '17:00' },
            fri: { start: '09:00', end: '17:00' },
            sat: null,
          },
        });
      });
      const drain = () => t.runtime.createJobWorker({ concurrency: 1 }).drain();

      it('escalates to the manager and reassigns when the SLA passes unaccepted', async () => {
        t.clock.set(Date.UTC(2026, 10, 30, 10, 0, 0)); // a Monday
        const lead = await mql();
        const [first] = await assignments(lead);
        assert.equal(first.ownerId, a.userId);
        assert.equal(first.slaDueAt, '2026-11-30T10:30:00.000Z');
        t.clock.advance(29 * MIN);
        await drain();
        assert.equal((await assignments(lead)).length, 1, 'not yet');
        t.clock.advance(2 * MIN);
        // The timer is a job in the database: a worker of a restarted runtime fires it.
        const restarted = await createRuntime(testConfig(), {
          database: t.tdb,
          clock: t.clock,
          logger: testLogger,
          migrate: false,
        });
        assert.ok((await restarted.createJobWorker({ concurrency: 1 }).drain()) >= 1);
        const [old, next] = await assignments(lead);
        assert.equal(old.status, 'reassigned');
        assert.ok(old.escalatedAt);
        assert.equal(next.ownerId, b.userId);
        assert.equal(next.status, 'open');
        assert.match(next.reason, /Not accepted within 30 business minutes/);
        assert.equal(next.slaDueAt, '2026-11-30T11:01:00.000Z');
        const notes = (await ok('GET', '/api/v1/notifications', manager)).data;
        assert.deepEqual(
          notes.filter((x: { leadId: string }) => x.leadId === lead).map((x: { kind: string }) => x.kind),
          ['sla.escalated'],
        );
        // Every notification also went out by mail: A's assignment and SLA warning (after 80 % of
        // the 30 minutes), the manager's escalation, B's assignment.
        const mails = await t.runtime.database.db
          .selectFrom('mail_outbox')
          .select(['to_address', 'subject'])
          .where('related_id', '=', lead)
          .orderBy('id')
          .execute();
        assert.deepEqual(
          mails.map((m) => [m.to_address, m.subject.split(':')[0]]),
          [
            [a.label, 'New lead'],
            [a.label, 'SLA ends soon'],
            [manager.label, 'SLA breached'],
            [b.label, 'New lead'],
          ],
        );
        const tps = (await ok('GET', `/api/v1/leads/${lead}/touchpoints`, admin)).data.map(
          (x: { type: string }) => x.type,
        );
        assert.equal(tps.filter((x: string) => x === 'assigned').length, 2);
        assert.equal(tps.filter((x: string) => x === 'sla_escalated').length, 1);
      });

      it('counts only business minutes: Friday 16:50 + 30 is Monday 09:20', async () => {
        t.clock.set(Date.UTC(2026, 11, 4, 16, 50, 0));
        const lead = await mql();
        assert.equal((await assignments(lead))[0].slaDueAt, '2026-12-07T09:20:00.000Z');
      });

      it('acceptance cancels the timer; the response time is recorded', async () => {
        t.clock.set(Date.UTC(2026, 11, 8, 10, 0, 0));
        const lead = await mql();
        const held = (await assignments(lead))[0].ownerId === a.userId ? a : b;
        // Weeks passed on the clock: sign in again.
        const owner = await t.signInAs(held.label, held.password!);
        t.clock.advance(12 * MIN);
        const res = await ok('POST', `/api/v1/leads/${lead}/accept`, owner);
        assert.equal(res.stage, 'sal');
        t.clock.advance(60 * MIN);
        await drain();
        const rows = await assignments(lead);
        assert.equal(rows.length, 1);
        assert.equal(rows[0].status, 'accepted');
        assert.equal(rows[0].escalatedAt, null);
        assert.equal(rows[0].responseMs, 12 * MIN);
        const notes = (
          await ok('GET', '/api/v1/notifications', await t.signInAs(manager.label, manager.password!))
        ).data;
        assert.ok(!notes.some((x: { leadId: string }) => x.leadId === lead));
        // Acceptance cancelled the timer and the warning: no job is left for them.
        const timers = await t.runtime.database.db
          .selectFrom('jobs')
          .select(['name', 'status'])
          .where('idempotency_key', 'in', [`routing.sla:${rows[0].id}`, `routing.sla_warning:${rows[0].id}`])
          .execute();
        assert.deepEqual(timers, []);
      });
    });

    describe('accept and reject', () => {
      let owner: Caller;
      let teammate: Caller;
      let manager: Caller;
      let otherManager: Caller;
      let outsider: Caller;
      let marketing: Caller;
      before(async () => {
        [owner, teammate, manager, otherManager, outsider, marketing] = [
          await t.signIn('sales_rep'),
          await t.signIn('sales_rep'),
          await t.signIn('sales_manager'),
          await t.signIn('sales_manager'),
          await t.signIn('sales_rep'),
          await t.signIn('marketing'),
        ];
        // Only the owner takes leads here; the teammate is in the team with capacity 0.
        const tm = await team(manager, [owner, teammate]);
        await team(otherManager, [outsider]);
        await ok('PATCH', `/api/v1/routing/reps/${teammate.userId}`, admin, { capacity: 0 });
        await rr(tm.id);
      });

      it('lets the owner, their manager and admins act, and nobody else', async () => {
        const cases: [string, Caller, boolean][] = [
          ['owner', owner, true],
          ['teammate', teammate, false],
          ['other team rep', outsider, false],
          ['manager', manager, true],
          ['other manager', otherManager, false],
          ['marketing', marketing, false],
          ['admin', admin, true],
        ];
        for (const [label, caller, allowed] of cases) {
          for (const action of ['accept', 'reject'] as const) {
            const lead = await mql();
            assert.equal(await ownerOf(lead), owner.userId);
            const res = await req(
              'POST',
              `/api/v1/leads/${lead}/${action}`,
              caller,
              action === 'reject' ? { reasonCode: 'not_ready' } : undefined,
            );
            assert.equal(res.statusCode, allowed ? 200 : 403, `${label} ${action}: ${res.body}`);
            const stage = (await ok('GET', `/api/v1/leads/${lead}`, admin)).lifecycleStage;
            assert.equal(
              stage,
              allowed ? (action === 'accept' ? 'sal' : 'recycled') : 'mql',
              `${label} ${action}`,
            );
          }
        }
      });

      it('closes the assignment however the lead leaves MQL (a stage move by an admin too)', async () => {
        const lead = await mql();
        await ok('POST', `/api/v1/leads/${lead}/stage`, admin, {
          to: 'disqualified',
          reasonCode: 'bad_data',
        });
        const [a] = await assignments(lead);
        assert.deepEqual([a.status, a.reasonCode], ['rejected', 'bad_data']);
        // Nothing left to accept or reject.
        assert.equal((await req('POST', `/api/v1/leads/${lead}/accept`, owner)).statusCode, 409);
        const inbox = await ok('GET', '/api/v1/inbox', owner);
        assert.ok(!inbox.assigned.some((i: { lead: { id: string } }) => i.lead.id === lead));
      });

      it('rejects with a reason of the policy: not ready recycles, no budget disqualifies; events go out', async () => {
        await ok('POST', '/api/v1/webhooks', admin, {
          url: 'http://127.0.0.1:9/hook',
          events: ['lead.assigned', 'lead.accepted', 'lead.rejected'],
        });
        const [l1, l2, l3] = [await mql(), await mql(), await mql()];
        const missing = await req('POST', `/api/v1/leads/${l1}/reject`, owner, {});
        assert.equal(missing.statusCode, 400);
        assert.match(missing.body, /reasonCode/);
        const unknown = await req('POST', `/api/v1/leads/${l1}/reject`, owner, { reasonCode: 'because' });
        assert.equal(unknown.statusCode, 422);
        assert.equal(unknown.json().error.code, 'SALES_REASON_UNKNOWN');
        assert.equal(
          (
            await ok('POST', `/api/v1/leads/${l1}/reject`, owner, {
              reasonCode: 'not_ready',
              note: 'Call back in Q3',
            })
          ).stage,
          'recycled',
        );
        assert.equal(
          (await ok('POST', `/api/v1/leads/${l2}/reject`, owner, { reasonCode: 'no_budget' })).stage,
          'disqualified',
        );
        assert.equal((await ok('POST', `/api/v1/leads/${l3}/accept`, owner)).stage, 'sal');
        const [r1] = await assignments(l1);
        assert.deepEqual([r1.status, r1.reasonCode, r1.note], ['rejected', 'not_ready', 'Call back in Q3']);
        const history = (await ok('GET', `/api/v1/leads/${l1}/stages`, admin)).history.at(-1);
        assert.deepEqual(
          [history.to, history.reasonCode, history.source],
          ['recycled', 'not_ready', 'sales'],
        );
        // Accepting twice: the lead is no longer an MQL.
        assert.equal((await req('POST', `/api/v1/leads/${l3}/accept`, owner)).statusCode, 409);
        const deliveries = await t.runtime.database.db
          .selectFrom('webhook_deliveries')
          .select(['event_type', 'payload'])
          .execute();
        const about = (leadId: string) =>
          deliveries
            .filter((d) => JSON.parse(d.payload).data.leadId === leadId)
            .map((d) => d.event_type)
            .sort();
        assert.deepEqual(about(l1), ['lead.assigned', 'lead.rejected']);
        assert.deepEqual(about(l3), ['lead.accepted', 'lead.assigned']);
        const rejected = deliveries.find(
          (d) => d.event_type === 'lead.rejected' && JSON.parse(d.payload).data.leadId === l1,
        )!;
        assert.equal(JSON.parse(rejected.payload).data.reasonCode, 'not_ready');
      });
    });
  });
}
