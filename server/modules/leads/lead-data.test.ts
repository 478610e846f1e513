/**
 * Other modules' rows about a lead follow it, through the API on both dialects: a merge moves the
 * merged lead's activities, tasks and notifications to the survivor and its un-merge moves exactly
 * those back; an erasure leaves no personal text in them; a deletion removes them with their
 * pending reminders. Each in the transaction of the lead's own change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Caller, createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';

const MIN = 60_000;
const secret = 'Jane Quinby';

for (const dialect of testDialects) {
  describe(`lead data follows its lead (${dialect})`, () => {
    let t: TestApp;
    let admin: Caller;
    let rep: Caller;
    let n = 0;
    before(async () => {
      t = await createTestApp(dialect);
      admin = await t.signIn('admin');
      rep = await t.signIn('sales_rep');
    });
    after(async () => t.close());

    const call = (method: 'GET' | 'POST' | 'DELETE', url: string, caller: Caller, payload?: object) =>
      t.request({ method, url, headers: caller.headers, ...(payload ? { payload } : {}) });
    const ok = async (method: 'GET' | 'POST' | 'DELETE', url: string, caller: Caller, payload?: object) => {
      const res = await call(method, url, caller, payload);
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.statusCode === 204 ? null : res.json();
    };
    const db = () => t.runtime.database.db;
    const drain = () => t.runtime.createJobWorker({ concurrency: 1 }).drain();
    /** A routing assignment of the lead to the rep, as routing writes it. */
    const assignTo = (
      leadId: string,
      id: string,
      o: { status: string; assigned_at?: number; reason_code?: string; note?: string },
    ) =>
      db()
        .insertInto('lead_assignments')
        .values({
          id,
          lead_id: leadId,
          owner_id: rep.userId,
          team_id: null,
          strategy: 'round_robin',
          reason: 'Default rule',
          assigned_at: t.clock.now(),
          ...o,
        })
        .execute();

    /** A lead of the rep with a call, a task and (its reminder fired) a notification, all naming the person. */
    async function leadWithWork() {
      const lead = await ok('POST', '/api/v1/leads', admin, {
        email: `quinby${++n}@follow.example`,
        firstName: 'Jane',
        lastName: 'Quinby',
        ownerId: rep.userId,
      });
      const activity = await ok('POST', `/api/v1/leads/${lead.id}/activities`, rep, {
        type: 'call',
        outcome: 'connected',
        body: `${secret} says the budget is 40k`,
      });
      const now = t.clock.now();
      const task = await ok('POST', '/api/v1/tasks', rep, {
        title: `Send ${secret} the proposal`,
        notes: `${secret} prefers mornings`,
        dueAt: new Date(now + 120 * MIN).toISOString(),
        reminderAt: new Date(now + 60 * MIN).toISOString(),
        leadId: lead.id,
      });
      t.clock.advance(60 * MIN);
      await drain();
      const [notification] = await db()
        .selectFrom('notifications')
        .select(['id', 'lead_id', 'title', 'body'])
        .where('task_id', '=', task.id)
        .execute();
      assert.ok(notification?.body.includes(secret), 'the reminder names the person');
      return {
        leadId: lead.id as string,
        activityId: activity.id,
        taskId: task.id,
        notificationId: notification!.id,
      };
    }
    type Work = Awaited<ReturnType<typeof leadWithWork>>;

    /** Which lead each row of this work is about now (null: the row is gone). */
    async function leadsOf(w: Work) {
      const one = async (table: 'activities' | 'tasks' | 'notifications', id: string) =>
        (await db().selectFrom(table).select('lead_id').where('id', '=', id).executeTakeFirst())?.lead_id ??
        null;
      return {
        activity: await one('activities', w.activityId),
        task: await one('tasks', w.taskId),
        notification: await one('notifications', w.notificationId),
      };
    }
    const all = (leadId: string | null) => ({ activity: leadId, task: leadId, notification: leadId });

    it('moves activities, tasks and notifications with a merge, and exactly those back with its undo', async () => {
      const survivor = await leadWithWork();
      const merged = await leadWithWork();
      const res = await ok('POST', `/api/v1/leads/${survivor.leadId}/merge`, admin, {
        mergedId: merged.leadId,
      });
      assert.deepEqual(await leadsOf(merged), all(survivor.leadId));
      assert.deepEqual(await leadsOf(survivor), all(survivor.leadId));
      // The survivor's page shows the merged person's work.
      const acts = await ok('GET', `/api/v1/leads/${survivor.leadId}/activities`, rep);
      assert.deepEqual(
        acts.data.map((a: { id: string }) => a.id).sort(),
        [survivor.activityId, merged.activityId].sort(),
      );
      const tasks = await ok('GET', `/api/v1/tasks?leadId=${survivor.leadId}&status=all`, rep);
      assert.deepEqual(
        tasks.data.map((x: { id: string }) => x.id).sort(),
        [survivor.taskId, merged.taskId].sort(),
      );
      // Work logged on the survivor after the merge stays there when the merge is undone.
      const later = await ok('POST', `/api/v1/leads/${survivor.leadId}/activities`, rep, {
        type: 'note',
        body: 'After',
      });
      await ok('POST', `/api/v1/lead-merges/${res.merge.id}/undo`, admin);
      assert.deepEqual(await leadsOf(merged), all(merged.leadId));
      assert.deepEqual(await leadsOf(survivor), all(survivor.leadId));
      const back = await db()
        .selectFrom('activities')
        .select('lead_id')
        .where('id', '=', later.id)
        .executeTakeFirst();
      assert.equal(back?.lead_id, survivor.leadId);
    });

    it('leaves no personal text in the work of an erased lead, nor of the leads merged into it', async () => {
      const survivor = await leadWithWork();
      const merged = await leadWithWork();
      await ok('POST', `/api/v1/leads/${survivor.leadId}/merge`, admin, { mergedId: merged.leadId });
      const untouched = await leadWithWork();
      await ok('POST', `/api/v1/leads/${survivor.leadId}/erase`, admin);
      for (const w of [survivor, merged]) {
        const activity = await db()
          .selectFrom('activities')
          .select(['type', 'outcome', 'body'])
          .where('id', '=', w.activityId)
          .executeTakeFirstOrThrow();
        assert.deepEqual(activity, { type: 'call', outcome: 'connected', body: '' }, 'the facts stay');
        const task = await db()
          .selectFrom('tasks')
          .select(['title', 'notes', 'status'])
          .where('id', '=', w.taskId)
          .executeTakeFirstOrThrow();
        assert.deepEqual(task, { title: 'Task about an erased lead', notes: '', status: 'open' });
        const notification = await db()
          .selectFrom('notifications')
          .select(['title', 'body'])
          .where('id', '=', w.notificationId)
          .executeTakeFirstOrThrow();
        assert.deepEqual(notification, { title: 'Task reminder: erased lead', body: '' });
      }
      // Through the API too: the rep's task list and bell no longer name the person, but for the
      // lead that was not erased.
      const tasks = (await ok('GET', '/api/v1/tasks?status=all&limit=200', rep)).data as {
        id: string;
        title: string;
        notes: string;
      }[];
      const bell = (await ok('GET', '/api/v1/notifications?limit=200', rep)).data as {
        id: string;
        title: string;
        body: string;
      }[];
      const naming = [
        ...tasks.map((x) => [x.id, x.title + x.notes]),
        ...bell.map((x) => [x.id, x.title + x.body]),
      ]
        .filter(([id]) =>
          [survivor, merged, untouched].some((w) => w.taskId === id || w.notificationId === id),
        )
        .filter(([, text]) => text!.includes(secret))
        .map(([id]) => id)
        .sort();
      assert.deepEqual(naming, [untouched.taskId, untouched.notificationId].sort());
      assert.deepEqual(
        tasks.filter((x) => x.id === survivor.taskId || x.id === merged.taskId).map((x) => x.title),
        ['Task about an erased lead', 'Task about an erased lead'],
        'the erased lead is still the rep’s: its tasks are listed, without the person',
      );
      assert.deepEqual(await leadsOf(untouched), all(untouched.leadId));
      const kept = await db()
        .selectFrom('tasks')
        .select('notes')
        .where('id', '=', untouched.taskId)
        .executeTakeFirst();
      assert.equal(kept?.notes, `${secret} prefers mornings`);
      // The reminders also went out by mail (the outbox): those about the erased leads keep their
      // recipient (the rep) and lose the text; the other lead's mail is as it was sent.
      const mails = await db()
        .selectFrom('mail_outbox')
        .select(['related_id', 'to_address', 'subject', 'text_body', 'status'])
        .where('related_type', '=', 'lead')
        .where('related_id', 'in', [survivor.leadId, merged.leadId, untouched.leadId])
        .execute();
      assert.equal(mails.length, 3);
      const repMail = mails.find((m) => m.related_id === untouched.leadId)!;
      assert.ok(repMail.text_body.includes(secret));
      for (const m of mails.filter((x) => x.related_id !== untouched.leadId)) {
        assert.equal(m.subject, '(erased)');
        assert.ok(!m.text_body.includes(secret) && !m.text_body.includes('quinby'), m.text_body);
        assert.equal(m.to_address, repMail.to_address);
        assert.equal(m.status, repMail.status);
      }
    });

    it('erases what people wrote about a lead elsewhere: stage reasons, assignment notes, events, webhook bodies', async () => {
      await ok('POST', '/api/v1/webhooks', admin, {
        url: 'http://127.0.0.1:9/hook',
        events: ['lead.created', 'lead.stage_changed'],
      });
      const lead = await ok('POST', '/api/v1/leads', admin, {
        email: 'quinby-erase@follow.example',
        firstName: 'Jane',
        lastName: 'Quinby',
      });
      await ok('POST', `/api/v1/leads/${lead.id}/stage`, admin, {
        to: 'disqualified',
        reason: `${secret} is a student`,
      });
      await assignTo(lead.id, `asg_erase_${n}`, {
        status: 'rejected',
        reason_code: 'not_a_fit',
        note: `${secret} asked not to be called`,
      });
      const naming = async () => {
        const texts = [
          ...(
            await db()
              .selectFrom('lead_stage_history')
              .select('reason')
              .where('lead_id', '=', lead.id)
              .execute()
          ).map((r) => r.reason),
          ...(
            await db().selectFrom('lead_assignments').select('note').where('lead_id', '=', lead.id).execute()
          ).map((r) => r.note),
          ...(
            await db().selectFrom('domain_events').select('payload').where('lead_id', '=', lead.id).execute()
          ).map((r) => r.payload),
          ...(await db().selectFrom('webhook_deliveries').select('payload').execute()).map((r) => r.payload),
        ];
        return texts.filter((x) => x?.includes(secret) || x?.includes('quinby-erase')).length;
      };
      assert.ok((await naming()) >= 4, 'the reason, the note, an event and the deliveries name her');
      await ok('POST', `/api/v1/leads/${lead.id}/erase`, admin);
      assert.equal(await naming(), 0);
      // What stays for the funnel: the move, its code and the webhook deliveries themselves.
      const moves = await db()
        .selectFrom('lead_stage_history')
        .select(['to_stage', 'reason', 'actor_type'])
        .where('lead_id', '=', lead.id)
        .orderBy('at')
        .execute();
      assert.deepEqual(moves.at(-1), { to_stage: 'disqualified', reason: null, actor_type: 'user' });
      const bodies = await db()
        .selectFrom('webhook_deliveries')
        .select(['event_type', 'payload'])
        .where('payload', 'like', `%${lead.id}%`)
        .execute();
      assert.deepEqual(bodies.map((b) => [b.event_type, JSON.parse(b.payload).data]).sort(), [
        ['lead.created', { erased: true, leadIds: [lead.id] }],
        ['lead.stage_changed', { erased: true, leadIds: [lead.id] }],
      ]);
      for (const s of (await ok('GET', '/api/v1/webhooks', admin)).data)
        await call('DELETE', `/api/v1/webhooks/${s.id}`, admin);
    });

    it('a subject-access export holds what other modules keep about the person', async () => {
      const w = await leadWithWork();
      await ok('POST', `/api/v1/leads/${w.leadId}/stage`, admin, {
        to: 'disqualified',
        reason: 'Student project',
      });
      await ok('POST', `/api/v1/leads/${w.leadId}/stage`, admin, { to: 'lead', reason: 'Now at a company' });
      await ok('POST', '/api/v1/deals', admin, {
        name: 'Quinby seats',
        leadIds: [w.leadId],
        ownerId: rep.userId,
      });
      const sar = await ok('GET', `/api/v1/leads/${w.leadId}/export`, admin);
      assert.deepEqual(
        sar.activities.map((a: { type: string; text: string }) => [a.type, a.text]),
        [['call', `${secret} says the budget is 40k`]],
      );
      assert.deepEqual(
        sar.tasks.map((x: { title: string; notes: string }) => [x.title, x.notes]),
        [[`Send ${secret} the proposal`, `${secret} prefers mornings`]],
      );
      assert.deepEqual(
        sar.stageHistory.map((h: { to: string; reason: string | null }) => [h.to, h.reason]).slice(-3),
        [
          ['disqualified', 'Student project'],
          ['lead', 'Now at a company'],
          ['opportunity', 'Deal "Quinby seats" opened'],
        ],
      );
      assert.deepEqual(
        sar.deals.map((d: { name: string; status: string }) => [d.name, d.status]),
        [['Quinby seats', 'open']],
      );
      assert.equal(sar.mails.length, 1, 'the reminder mailed to the rep names her');
      assert.ok(sar.mails[0].text.includes(secret));
      assert.deepEqual(sar.formSubmissions, []);
      assert.deepEqual(sar.assignments, []);
    });

    it('a deleted lead leaves no row that names it, in any table', async () => {
      const w = await leadWithWork();
      const twin = await ok('POST', '/api/v1/leads', admin, {
        email: `twin${n}@follow.example`,
        externalIds: [{ system: 'crm', id: `TWIN-${n}` }],
        consent: { emailMarketing: { status: 'granted', textVersion: 'v1' } },
      });
      await ok('POST', `/api/v1/leads/${w.leadId}/merge`, admin, { mergedId: twin.id });
      const other = await ok('POST', '/api/v1/leads', admin, { email: `other${n}@follow.example` });
      await ok('POST', `/api/v1/leads/${w.leadId}/stage`, admin, { to: 'disqualified', reason: 'Test' });
      await ok('POST', '/api/v1/deals', admin, {
        name: 'Gone deal',
        leadIds: [w.leadId],
        ownerId: rep.userId,
      });
      const list = await ok('POST', '/api/v1/segments', admin, {
        name: `List ${n}`,
        kind: 'static',
        filter: null,
      });
      await ok('POST', `/api/v1/segments/${list.id}/members`, admin, { leadIds: [w.leadId] });
      const now = t.clock.now();
      await db()
        .insertInto('lead_predictions')
        .values({
          lead_id: w.leadId,
          probability: 0.2,
          factors: '[]',
          model_id: 'm',
          model_version: 1,
          scored_at: now,
        })
        .execute();
      await db()
        .insertInto('lead_scores')
        .values({ lead_id: w.leadId, version: 1, state: '{}', updated_at: now })
        .onConflict((oc) => oc.column('lead_id').doNothing())
        .execute();
      await assignTo(w.leadId, `asg_gone_${n}`, { status: 'open', assigned_at: now });
      const stitch = (id: string, leadId: string, previous: string | null) => ({
        id,
        visitor_id: `v_${id}`,
        lead_id: leadId,
        reason: 'identify',
        outcome: 'linked',
        previous_lead_id: previous,
        event_count: 0,
        note: '',
        at: now,
      });
      await db()
        .insertInto('visitor_stitches')
        .values([stitch(`st_a${n}`, w.leadId, null), stitch(`st_b${n}`, other.id, w.leadId)])
        .execute();

      // Every table with a column naming a lead, as the database describes itself.
      const leadColumns = ['lead_id', 'survivor_id', 'merged_id', 'previous_lead_id'];
      const tables = (await db().introspection.getTables()).flatMap((table) =>
        table.columns.filter((c) => leadColumns.includes(c.name)).map((c) => [table.name, c.name] as const),
      );
      const naming = async (ids: string[]) => {
        const found: string[] = [];
        for (const [table, column] of tables) {
          const rows = await db()
            .selectFrom(table as 'touchpoints')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where(column as 'lead_id', 'in', ids)
            .executeTakeFirstOrThrow();
          if (Number(rows.n) > 0) found.push(`${table}.${column}`);
        }
        return found.sort();
      };
      const ids = [w.leadId, twin.id];
      const before = await naming(ids);
      for (const expected of [
        'activities.lead_id',
        'consent_events.lead_id',
        'deal_leads.lead_id',
        'domain_events.lead_id',
        'lead_assignments.lead_id',
        'lead_identities.lead_id',
        'lead_merges.merged_id',
        'lead_merges.survivor_id',
        'lead_predictions.lead_id',
        'lead_scores.lead_id',
        'lead_stage_history.lead_id',
        'notifications.lead_id',
        'segment_history.lead_id',
        'segment_members.lead_id',
        'tasks.lead_id',
        'touchpoints.lead_id',
        'visitor_stitches.lead_id',
        'visitor_stitches.previous_lead_id',
      ])
        assert.ok(before.includes(expected), `${expected} names the lead before (${before.join(', ')})`);
      assert.equal((await call('DELETE', `/api/v1/leads/${w.leadId}`, admin)).statusCode, 204);
      assert.deepEqual(await naming(ids), []);
      // The other lead's stitch stays, without the deleted lead.
      const kept = await db()
        .selectFrom('visitor_stitches')
        .select(['lead_id', 'previous_lead_id'])
        .where('id', '=', `st_b${n}`)
        .executeTakeFirst();
      assert.deepEqual(kept, { lead_id: other.id, previous_lead_id: null });
    });

    it('deletes the work of a deleted lead, its pending reminders with it', async () => {
      const gone = await leadWithWork();
      const stays = await leadWithWork();
      // A second task, its reminder still pending.
      const pending = await ok('POST', '/api/v1/tasks', rep, {
        title: 'Pending',
        dueAt: new Date(t.clock.now() + 300 * MIN).toISOString(),
        reminderAt: new Date(t.clock.now() + 200 * MIN).toISOString(),
        leadId: gone.leadId,
      });
      const job = await db()
        .selectFrom('tasks')
        .select('reminder_job_id')
        .where('id', '=', pending.id)
        .executeTakeFirstOrThrow();
      await ok('DELETE', `/api/v1/leads/${gone.leadId}`, admin);
      assert.deepEqual(await leadsOf(gone), all(null));
      assert.equal(
        (await db().selectFrom('tasks').select('id').where('id', '=', pending.id).executeTakeFirst()) ?? null,
        null,
      );
      const status = await db()
        .selectFrom('jobs')
        .select('status')
        .where('id', '=', job.reminder_job_id!)
        .executeTakeFirst();
      assert.notEqual(status?.status, 'queued', 'the pending reminder will not run');
      assert.deepEqual(await leadsOf(stays), all(stays.leadId));
    });
  });
}
