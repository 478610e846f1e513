/**
 * Activities through the API on both dialects: logging and listing, the rules of each type
 * (outcomes, durations, no future), who may change or delete; the first touch by sales recorded on
 * the assignment in business minutes and following edits and deletions; and the "my leads" list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MyLead } from '../../../contracts/activities.ts';
import { type Caller, createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const MIN = 60_000;
const system = { type: 'system', label: 'test' } as const;
const nineToFive = { start: '09:00', end: '17:00' };
const FRIDAY_1630 = Date.UTC(2026, 10, 27, 16, 30);
const MONDAY_0915 = Date.UTC(2026, 10, 30, 9, 15);

type Activity = {
  id: string;
  type: string;
  outcome: string | null;
  occurredAt: string;
  durationMinutes: number | null;
  body: string;
  author: { id: string | null; label: string };
};

for (const dialect of testDialects) {
  describe(`activities (${dialect})`, () => {
    let t: TestApp;
    let admin: Caller;
    let n = 0;
    before(async () => {
      t = await createTestApp(dialect);
      admin = await t.signIn('admin');
      await t.runtime.api.routing.settings.setHours(
        {
          timeZone: 'UTC',
          days: {
            sun: null,
            mon: nineToFive,
            tue: nineToFive,
            wed: nineToFive,
            thu: nineToFive,
            fri: nineToFive,
            sat: null,
          },
        },
        system,
      );
    });
    after(async () => t.close());

    const call = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      caller: Caller,
      payload?: object,
    ) => t.request({ method, url, headers: caller.headers, ...(payload ? { payload } : {}) });
    const ok = async (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      caller: Caller,
      payload?: object,
    ) => {
      const res = await call(method, url, caller, payload);
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.statusCode === 204 ? null : res.json();
    };
    const newLead = async (extra: object = {}) =>
      (
        await ok('POST', '/api/v1/leads', admin, {
          email: `a${++n}@activities.example`,
          firstName: 'Alan',
          ...extra,
        })
      ).id as string;
    const log = (leadId: string, caller: Caller, body: object) =>
      ok('POST', `/api/v1/leads/${leadId}/activities`, caller, body) as Promise<Activity>;
    const assignments = async (leadId: string) =>
      (await ok('GET', `/api/v1/leads/${leadId}/assignments`, admin)).data;

    it('logs activities on a lead and lists them latest first, the body as given', async () => {
      const rep = await t.signIn('sales_rep');
      const leadId = await newLead();
      const now = t.clock.now();
      const call1 = await log(leadId, rep, {
        type: 'call',
        outcome: 'left_voicemail',
        durationMinutes: 2,
        occurredAt: new Date(now - 60 * MIN).toISOString(),
        body: '<b>Asked</b> for a call back & "soon"',
      });
      assert.deepEqual(
        [call1.type, call1.outcome, call1.durationMinutes, call1.body, call1.author.id],
        ['call', 'left_voicemail', 2, '<b>Asked</b> for a call back & "soon"', rep.userId],
      );
      assert.match(call1.author.label, /^sales_rep \d+$/, "the author's name");
      const note = await log(leadId, rep, { type: 'note', body: 'Prefers email' });
      assert.equal(note.occurredAt, new Date(now).toISOString(), 'now when not given');
      assert.equal(note.outcome, null);
      const list = await ok('GET', `/api/v1/leads/${leadId}/activities`, admin);
      assert.deepEqual(
        list.data.map((a: Activity) => a.id),
        [note.id, call1.id],
      );
      const page = await ok('GET', `/api/v1/leads/${leadId}/activities?limit=1`, admin);
      const rest = await ok(
        'GET',
        `/api/v1/leads/${leadId}/activities?limit=1&cursor=${page.nextCursor}`,
        admin,
      );
      assert.deepEqual([page.data[0].id, rest.data[0].id, rest.nextCursor], [note.id, call1.id, null]);
      const missing = await call('GET', '/api/v1/leads/lead_missing/activities', admin);
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.code, 'LEAD_NOT_FOUND');
    });

    it('refuses what breaks the rules of the type, naming the field, and writes nothing', async () => {
      const rep = await t.signIn('sales_rep');
      const leadId = await newLead();
      const cases: [object, number, string, string][] = [
        [{ type: 'call', outcome: 'held' }, 422, 'outcome', 'fits_type'],
        [{ type: 'note', outcome: 'connected' }, 422, 'outcome', 'fits_type'],
        [{ type: 'note', durationMinutes: 5 }, 422, 'durationMinutes', 'no_duration'],
        [
          { type: 'demo', occurredAt: new Date(t.clock.now() + 10 * MIN).toISOString() },
          422,
          'occurredAt',
          'past',
        ],
        [{ type: 'lunch' }, 400, 'type', 'enum'],
        [{ type: 'call', outcome: 'maybe' }, 400, 'outcome', 'anyOf'],
        [{ type: 'call', durationMinutes: -1 }, 400, 'durationMinutes', 'anyOf'],
      ];
      for (const [body, status, field] of cases) {
        const res = await call('POST', `/api/v1/leads/${leadId}/activities`, rep, body);
        assert.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body}`);
        assert.equal(res.json().error.details[0].field, field, JSON.stringify(body));
        if (status === 422) assert.equal(res.json().error.code, 'ACTIVITY_INVALID');
      }
      const wrong = await call('POST', `/api/v1/leads/${leadId}/activities`, rep, {
        type: 'meeting',
        outcome: 'sent',
      });
      assert.match(wrong.json().error.message, /"held", "no_show", "rescheduled", "cancelled"/);
      assert.deepEqual((await ok('GET', `/api/v1/leads/${leadId}/activities`, rep)).data, []);
    });

    it('lets the author and admins change or delete an activity; others get 403', async () => {
      const [author, other] = [await t.signIn('sales_rep'), await t.signIn('sales_rep')];
      const leadId = await newLead();
      const a = await log(leadId, author, { type: 'call', outcome: 'no_answer' });
      const denied = await call('PATCH', `/api/v1/activities/${a.id}`, other, { outcome: 'connected' });
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().error.code, 'ACTIVITY_NOT_YOURS');
      assert.equal((await call('DELETE', `/api/v1/activities/${a.id}`, other)).statusCode, 403);
      const changed = await ok('PATCH', `/api/v1/activities/${a.id}`, author, {
        outcome: 'connected',
        body: 'Talked 5 min',
      });
      assert.deepEqual([changed.outcome, changed.body], ['connected', 'Talked 5 min']);
      // A new type drops an outcome that no longer fits.
      const retyped = await ok('PATCH', `/api/v1/activities/${a.id}`, admin, { type: 'meeting' });
      assert.deepEqual([retyped.type, retyped.outcome], ['meeting', null]);
      const bad = await call('PATCH', `/api/v1/activities/${a.id}`, author, { outcome: 'bounced' });
      assert.equal(bad.statusCode, 422);
      assert.equal(
        (await ok('GET', `/api/v1/leads/${leadId}/activities`, admin)).data[0].outcome,
        null,
        'unchanged',
      );
      await ok('DELETE', `/api/v1/activities/${a.id}`, admin);
      assert.equal((await call('DELETE', `/api/v1/activities/${a.id}`, author)).statusCode, 404);
    });

    it('records the first touch by sales on the assignment, in business minutes, following edits', async () => {
      const rep = await t.signIn('sales_rep');
      const marketer = await t.signIn('marketing');
      const team = await t.runtime.api.routing.settings.createTeam(
        { name: `First touch ${++n}`, members: [{ userId: rep.userId! }] },
        system,
      );
      await t.runtime.api.routing.settings.replaceRules(
        [{ name: 'All', isDefault: true, teamId: team.id, strategy: 'round_robin', slaMinutes: 120 }],
        system,
      );
      const leadId = await newLead({ lastName: 'Turing' });
      const early = await log(leadId, rep, { type: 'email', outcome: 'sent' }); // before the assignment
      t.clock.set(FRIDAY_1630);
      const fresh = await t.signInAs(rep.label, rep.password!);
      const mkt = await t.signInAs(marketer.label, marketer.password!);
      await ok('POST', `/api/v1/leads/${leadId}/stage`, admin, { to: 'mql' });
      const [asg] = await assignments(leadId);
      assert.equal(asg.ownerId, rep.userId);
      assert.equal(asg.firstTouchAt, null, 'an activity before the assignment is no touch of it');
      t.clock.set(MONDAY_0915);
      const note = await log(leadId, fresh, { type: 'note', body: 'Looked them up' });
      await log(leadId, mkt, { type: 'call', outcome: 'connected' });
      assert.equal(
        (await assignments(leadId))[0].firstTouchAt,
        null,
        'notes and marketing calls are no sales touch',
      );
      const call1 = await log(leadId, fresh, { type: 'call', outcome: 'connected', durationMinutes: 12 });
      let [a] = await assignments(leadId);
      assert.deepEqual(
        [a.firstTouchAt, a.firstTouchMinutes, a.firstTouchActivityId],
        [new Date(MONDAY_0915).toISOString(), 45, call1.id],
        'Friday 16:30 → Monday 09:15 is 30 + 15 business minutes',
      );
      // The inbox shows it on the item too.
      const inbox = await ok('GET', '/api/v1/inbox', fresh);
      assert.equal(
        inbox.assigned.find((i: { lead: { id: string } }) => i.lead.id === leadId).assignment
          .firstTouchMinutes,
        45,
      );
      // An email logged later but sent earlier (Friday 16:50) is the first touch now…
      const email = await log(leadId, fresh, {
        type: 'email',
        outcome: 'sent',
        occurredAt: new Date(FRIDAY_1630 + 20 * MIN).toISOString(),
      });
      [a] = await assignments(leadId);
      assert.deepEqual([a.firstTouchActivityId, a.firstTouchMinutes], [email.id, 20]);
      // …until it is turned into a note, or deleted.
      await ok('PATCH', `/api/v1/activities/${email.id}`, fresh, { type: 'note' });
      [a] = await assignments(leadId);
      assert.deepEqual([a.firstTouchActivityId, a.firstTouchMinutes], [call1.id, 45]);
      await ok('DELETE', `/api/v1/activities/${call1.id}`, fresh);
      [a] = await assignments(leadId);
      assert.deepEqual([a.firstTouchAt, a.firstTouchMinutes, a.firstTouchActivityId], [null, null, null]);
      assert.ok(note && early);
    });

    it("lists a rep's own open leads with stage, score, SLA state, next task and last activity", async () => {
      const rep = await t.signIn('sales_rep');
      const other = await t.signIn('sales_rep');
      const team = await t.runtime.api.routing.settings.createTeam(
        { name: `Mine ${++n}`, members: [{ userId: rep.userId! }] },
        system,
      );
      await t.runtime.api.routing.settings.replaceRules(
        [{ name: 'All', isDefault: true, teamId: team.id, strategy: 'round_robin', slaMinutes: 60 }],
        system,
      );
      t.clock.set(Date.UTC(2026, 11, 1, 10, 0)); // a Tuesday
      const me = await t.signInAs(rep.label, rep.password!);
      const routed = await newLead({ lastName: 'Routed', lifecycleStage: 'mql', companyName: 'Globex' });
      assert.equal((await assignments(routed))[0].ownerId, rep.userId);
      const accepted = await newLead({ lastName: 'Accepted', lifecycleStage: 'mql' });
      await ok('POST', `/api/v1/leads/${accepted}/accept`, me);
      const owned = await newLead({ lastName: 'Owned', lifecycleStage: 'sql', ownerId: rep.userId });
      await newLead({ lastName: 'Customer', lifecycleStage: 'customer', ownerId: rep.userId });
      await newLead({ lastName: 'Theirs', lifecycleStage: 'sql', ownerId: other.userId });
      const task = await ok('POST', '/api/v1/tasks', me, {
        title: 'Send pricing',
        dueAt: new Date(t.clock.now() + 120 * MIN).toISOString(),
        leadId: owned,
      });
      await ok('POST', '/api/v1/tasks', me, {
        title: 'Later',
        dueAt: new Date(t.clock.now() + 240 * MIN).toISOString(),
        leadId: owned,
      });
      const act = await log(owned, me, { type: 'demo', outcome: 'held', durationMinutes: 45 });
      t.clock.advance(30 * MIN);
      const list = await ok('GET', '/api/v1/my-leads', me);
      const byName = new Map<string, MyLead>(list.data.map((l: MyLead) => [l.name, l]));
      assert.deepEqual([...byName.keys()].sort(), ['Alan Accepted', 'Alan Owned', 'Alan Routed']);
      const r = byName.get('Alan Routed')!;
      assert.deepEqual(
        [r.stage, r.companyName, r.sla.state, r.nextTask, r.lastActivity],
        ['mql', 'Globex', 'due_soon', null, null],
      );
      assert.equal(r.sla.dueAt, new Date(Date.UTC(2026, 11, 1, 11, 0)).toISOString());
      assert.equal(byName.get('Alan Accepted')!.sla.state, 'accepted');
      const o = byName.get('Alan Owned')!;
      assert.deepEqual(
        [o.stage, o.sla.state, o.nextTask, o.lastActivity],
        [
          'sql',
          'none',
          { id: task.id, title: 'Send pricing', dueAt: task.dueAt },
          { id: act.id, type: 'demo', outcome: 'held', occurredAt: act.occurredAt },
        ],
      );
      assert.equal(typeof o.score?.total, 'number');
      t.clock.advance(31 * MIN);
      const later = await ok('GET', '/api/v1/my-leads?q=routed', me);
      assert.deepEqual(
        later.data.map((l: { name: string; sla: { state: string } }) => [l.name, l.sla.state]),
        [['Alan Routed', 'overdue']],
      );
      const all = await ok('GET', '/api/v1/my-leads?scope=all', me);
      assert.equal(all.data.length, 4, 'the customer too');
      assert.equal((await call('GET', '/api/v1/my-leads', await t.signIn('marketing'))).statusCode, 403);
    });
  });
}
