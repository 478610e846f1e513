/**
 * Tasks through the API on both dialects: create (mine by default), validation naming the field
 * with nothing written, who may change and list what; the reminder as a durable job created in
 * the task's transaction that fires once, moves when rescheduled, and is cancelled by completion
 * and deletion; and the list filters in SQL agreeing with their plain-code meaning (property).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type Caller, createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { isOverdue, type TaskFilter, taskMatches } from './tasks.rules.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
type Task = {
  id: string;
  title: string;
  status: string;
  dueAt: string;
  reminderAt: string | null;
  remindedAt: string | null;
  overdue: boolean;
  assignee: { id: string; name: string };
  lead: { id: string; name: string } | null;
  doneAt: string | null;
  doneBy: string | null;
};

for (const dialect of testDialects) {
  describe(`tasks (${dialect})`, () => {
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
    const at = (offsetMs: number) => new Date(t.clock.now() + offsetMs).toISOString();
    const drain = () => t.runtime.createJobWorker({ concurrency: 1 }).drain();
    const db = () => t.runtime.database.db;
    const reminderJobs = async (taskId: string) =>
      (
        await db()
          .selectFrom('jobs')
          .select(['id', 'status', 'run_at', 'payload'])
          .where('name', '=', 'tasks.remind')
          .execute()
      )
        .filter((j) => JSON.parse(j.payload).taskId === taskId)
        .map((j) => ({ status: j.status, runAt: new Date(Number(j.run_at)).toISOString() }));
    const reminders = async (caller: Caller, taskId: string) =>
      (await ok('GET', '/api/v1/notifications', caller)).data.filter(
        (x: { kind: string; taskId: string }) => x.kind === 'task.reminder' && x.taskId === taskId,
      ).length;
    const lead = async () =>
      (
        await ok('POST', '/api/v1/leads', admin, {
          email: `t${++n}@tasks.example`,
          firstName: 'Margaret',
          lastName: `Hamilton ${n}`,
        })
      ).id as string;

    it('creates a task for the caller by default, with its lead, and lists it', async () => {
      const leadId = await lead();
      const task: Task = await ok('POST', '/api/v1/tasks', rep, {
        title: '  Call back about pricing ',
        dueAt: at(2 * HOUR),
        leadId,
      });
      assert.equal(task.title, 'Call back about pricing');
      assert.equal(task.assignee.id, rep.userId);
      assert.equal(task.status, 'open');
      assert.equal(task.overdue, false);
      assert.deepEqual(task.lead, { id: leadId, name: `Margaret Hamilton ${n}` });
      assert.equal(task.reminderAt, null);
      assert.deepEqual(await reminderJobs(task.id), [], 'no reminder, no job');
      const mine = await ok('GET', '/api/v1/tasks', rep);
      assert.ok(mine.data.some((x: Task) => x.id === task.id));
      const ofLead = await ok('GET', `/api/v1/tasks?leadId=${leadId}`, admin);
      assert.deepEqual(
        ofLead.data.map((x: Task) => x.id),
        [task.id],
      );
      assert.equal((await ok('GET', `/api/v1/tasks/${task.id}`, rep)).title, 'Call back about pricing');
    });

    it('refuses bad input with the field and the rule, and writes nothing', async () => {
      const before = (await db().selectFrom('tasks').select('id').execute()).length;
      const jobsBefore = (await db().selectFrom('jobs').select('id').execute()).length;
      const missing = await call('POST', '/api/v1/tasks', rep, { dueAt: at(HOUR) });
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().error.details[0].field, 'title');
      const blank = await call('POST', '/api/v1/tasks', rep, { title: '   ', dueAt: at(HOUR) });
      assert.equal(blank.statusCode, 400);
      assert.deepEqual(
        [blank.json().error.details[0].field, blank.json().error.details[0].rule],
        ['title', 'pattern'],
      );
      const badDate = await call('POST', '/api/v1/tasks', rep, { title: 'x', dueAt: 'tomorrow' });
      assert.equal(badDate.statusCode, 400);
      assert.equal(badDate.json().error.details[0].field, 'dueAt');
      const cases: [object, string, string][] = [
        [{ reminderAt: at(-2 * MIN) }, 'reminderAt', 'future'],
        [{ assigneeId: 'usr_nobody' }, 'assigneeId', 'active_user'],
        [{ leadId: 'lead_nothing', reminderAt: at(HOUR) }, 'leadId', 'exists'],
      ];
      for (const [extra, field, rule] of cases) {
        const res = await call('POST', '/api/v1/tasks', rep, { title: 'Nope', dueAt: at(HOUR), ...extra });
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(res.json().error.code, 'TASK_INVALID');
        assert.deepEqual(
          [res.json().error.details[0].field, res.json().error.details[0].rule],
          [field, rule],
        );
      }
      assert.equal((await db().selectFrom('tasks').select('id').execute()).length, before);
      assert.equal(
        (await db().selectFrom('jobs').select('id').execute()).length,
        jobsBefore,
        'no reminder job either',
      );
    });

    it('lets the assignee, the creator and admins change a task; others get 403', async () => {
      const other = await t.signIn('sales_rep');
      const manager = await t.signIn('sales_manager');
      const task: Task = await ok('POST', '/api/v1/tasks', manager, {
        title: 'Qualify Initech',
        dueAt: at(HOUR),
        assigneeId: rep.userId,
      });
      assert.equal(task.assignee.id, rep.userId);
      const denied = await call('PATCH', `/api/v1/tasks/${task.id}`, other, { title: 'Mine now' });
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().error.code, 'TASK_NOT_YOURS');
      assert.equal((await call('DELETE', `/api/v1/tasks/${task.id}`, other)).statusCode, 403);
      assert.equal(
        (await ok('PATCH', `/api/v1/tasks/${task.id}`, rep, { title: 'By the assignee' })).title,
        'By the assignee',
      );
      assert.equal(
        (await ok('PATCH', `/api/v1/tasks/${task.id}`, manager, { title: 'By the creator' })).title,
        'By the creator',
      );
      assert.equal(
        (await ok('PATCH', `/api/v1/tasks/${task.id}`, admin, { title: 'By an admin' })).title,
        'By an admin',
      );
      // Someone else's list: managers and admins; a rep only their own.
      const theirs = await call('GET', `/api/v1/tasks?assigneeId=${rep.userId}`, other);
      assert.equal(theirs.statusCode, 403);
      const seen = await ok('GET', `/api/v1/tasks?assigneeId=${rep.userId}`, manager);
      assert.ok(seen.data.some((x: Task) => x.id === task.id));
      assert.equal((await ok('GET', '/api/v1/tasks', other)).data.length, 0);
      assert.equal((await call('PATCH', '/api/v1/tasks/tsk_missing', rep, { title: 'x' })).statusCode, 404);
    });

    it('fires a reminder once: a job made with the task, an in-app notification and a mail', async () => {
      const task: Task = await ok('POST', '/api/v1/tasks', rep, {
        title: 'Prepare the demo',
        dueAt: at(3 * HOUR),
        reminderAt: at(HOUR),
      });
      assert.deepEqual(await reminderJobs(task.id), [{ status: 'queued', runAt: task.reminderAt }]);
      t.clock.advance(HOUR - 1);
      await drain();
      assert.equal(await reminders(rep, task.id), 0, 'not before its time');
      t.clock.advance(1);
      await drain();
      await drain();
      assert.equal(await reminders(rep, task.id), 1);
      const after: Task = await ok('GET', `/api/v1/tasks/${task.id}`, rep);
      assert.equal(after.remindedAt, new Date(t.clock.now()).toISOString());
      const mails = await db()
        .selectFrom('mail_outbox')
        .select(['to_address', 'subject'])
        .where('related_id', '=', task.id)
        .execute();
      assert.deepEqual(mails, [{ to_address: rep.label, subject: 'Reminder: Prepare the demo' }]);
      // A stale job (one the task no longer points to) does nothing.
      const outcome = await db()
        .transaction()
        .execute((tx) => t.runtime.api.tasks.remind(tx, task.id, 'job_not_this_one'));
      assert.equal(outcome, 'ignored');
    });

    it('moves the reminder when rescheduled: the old job is cancelled, the new one fires once', async () => {
      const task: Task = await ok('POST', '/api/v1/tasks', rep, {
        title: 'Follow up',
        dueAt: at(5 * HOUR),
        reminderAt: at(HOUR),
      });
      const moved: Task = await ok('PATCH', `/api/v1/tasks/${task.id}`, rep, {
        reminderAt: at(2 * HOUR),
        dueAt: at(6 * HOUR),
      });
      assert.equal(moved.reminderAt, at(2 * HOUR));
      assert.deepEqual(await reminderJobs(task.id), [{ status: 'queued', runAt: at(2 * HOUR) }]);
      t.clock.advance(HOUR);
      await drain();
      assert.equal(await reminders(rep, task.id), 0, 'the old time passes without a reminder');
      t.clock.advance(HOUR);
      await drain();
      assert.equal(await reminders(rep, task.id), 1);
      // A new reminder after it fired: it fires again, once.
      await ok('PATCH', `/api/v1/tasks/${task.id}`, rep, { reminderAt: at(30 * MIN) });
      t.clock.advance(30 * MIN);
      await drain();
      assert.equal(await reminders(rep, task.id), 2);
      await drain();
      assert.equal(await reminders(rep, task.id), 2);
    });

    it('cancels the reminder when the task is completed or deleted; reopening brings it back', async () => {
      const done: Task = await ok('POST', '/api/v1/tasks', rep, {
        title: 'Done early',
        dueAt: at(4 * HOUR),
        reminderAt: at(2 * HOUR),
      });
      const deleted: Task = await ok('POST', '/api/v1/tasks', rep, {
        title: 'Not needed',
        dueAt: at(4 * HOUR),
        reminderAt: at(2 * HOUR),
      });
      const completed: Task = await ok('PATCH', `/api/v1/tasks/${done.id}`, rep, { status: 'done' });
      assert.deepEqual(
        [completed.status, completed.doneAt, completed.doneBy],
        ['done', new Date(t.clock.now()).toISOString(), rep.userId],
      );
      assert.deepEqual(await reminderJobs(done.id), []);
      await ok('DELETE', `/api/v1/tasks/${deleted.id}`, rep);
      assert.deepEqual(await reminderJobs(deleted.id), []);
      assert.equal((await call('GET', `/api/v1/tasks/${deleted.id}`, rep)).statusCode, 404);
      t.clock.advance(HOUR);
      const reopened: Task = await ok('PATCH', `/api/v1/tasks/${done.id}`, rep, { status: 'open' });
      assert.deepEqual([reopened.status, reopened.doneAt], ['open', null]);
      assert.deepEqual(await reminderJobs(done.id), [{ status: 'queued', runAt: done.reminderAt }]);
      t.clock.advance(HOUR);
      await drain();
      assert.equal(await reminders(rep, done.id), 1);
      assert.equal(await reminders(rep, deleted.id), 0);
    });

    it('pages through a filtered list in due order without gaps or repeats', async () => {
      const me = await t.signIn('sales_rep');
      const made: string[] = [];
      for (let i = 0; i < 7; i++)
        made.push((await ok('POST', '/api/v1/tasks', me, { title: `T${i}`, dueAt: at((i % 3) * HOUR) })).id);
      const seen: Task[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: Task[]; nextCursor: string | null } = await ok(
          'GET',
          `/api/v1/tasks?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
          me,
        );
        seen.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen.map((x) => x.id).sort(), [...made].sort());
      const dues = seen.map((x) => Date.parse(x.dueAt));
      assert.deepEqual(
        dues,
        [...dues].sort((a, b) => a - b),
      );
      const bad = await call('GET', '/api/v1/tasks?cursor=nonsense', me);
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().error.details[0].field, 'cursor');
    });

    it('filters in SQL exactly as the filter means in plain code (property)', async () => {
      const people = [await t.signIn('sales_rep'), await t.signIn('sales_rep'), await t.signIn('sales_rep')];
      const manager = await t.signIn('sales_manager');
      const leads = [await lead(), await lead()];
      const base = t.clock.now();
      const HOURS = [-30, -5, -1, 0, 1, 2, 7, 26];
      type Made = { id: string; assignee_id: string; lead_id: string | null; status: string; due_at: number };
      const made: Made[] = [];
      for (let i = 0; i < 36; i++) {
        const who = people[i % 3]!;
        const leadId = i % 4 === 0 ? null : leads[i % 2]!;
        const due = base + HOURS[(i * 5) % HOURS.length]! * HOUR;
        const task: Task = await ok('POST', '/api/v1/tasks', who, {
          title: `P${i}`,
          dueAt: new Date(due).toISOString(),
          ...(leadId ? { leadId } : {}),
        });
        let status = 'open';
        if (i % 3 === 1) {
          await ok('PATCH', `/api/v1/tasks/${task.id}`, who, { status: 'done' });
          status = 'done';
        }
        made.push({ id: task.id, assignee_id: who.userId!, lead_id: leadId, status, due_at: due });
      }
      const mine = new Set(made.map((m) => m.id));
      const instant = fc.constantFrom(...HOURS.map((h) => base + h * HOUR), base + 30 * MIN);
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            assignee: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
            lead: fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }),
            status: fc.option(fc.constantFrom('open' as const, 'done' as const), { nil: undefined }),
            dueBefore: fc.option(instant, { nil: undefined }),
            dueAfter: fc.option(instant, { nil: undefined }),
            overdue: fc.option(fc.boolean(), { nil: undefined }),
            desc: fc.boolean(),
            limit: fc.integer({ min: 1, max: 40 }),
          }),
          async (q) => {
            const filter: TaskFilter = {
              assigneeId: q.assignee === undefined ? undefined : people[q.assignee]!.userId,
              leadId: q.lead === undefined ? undefined : leads[q.lead],
              status: q.status,
              dueBefore: q.dueBefore,
              dueAfter: q.dueAfter,
              overdue: q.overdue,
              now: t.clock.now(),
            };
            const params = new URLSearchParams({
              assigneeId: filter.assigneeId ?? 'any',
              limit: String(q.limit),
            });
            if (filter.leadId) params.set('leadId', filter.leadId);
            if (q.status) params.set('status', q.status);
            if (q.dueBefore !== undefined) params.set('dueBefore', new Date(q.dueBefore).toISOString());
            if (q.dueAfter !== undefined) params.set('dueAfter', new Date(q.dueAfter).toISOString());
            if (q.overdue !== undefined) params.set('overdue', String(q.overdue));
            if (q.desc) params.set('sort', '-dueAt');
            const got: Task[] = [];
            let cursor: string | null = null;
            do {
              if (cursor) params.set('cursor', cursor);
              const page: { data: Task[]; nextCursor: string | null } = await ok(
                'GET',
                `/api/v1/tasks?${params}`,
                manager,
              );
              assert.ok(page.data.length <= q.limit);
              got.push(...page.data);
              cursor = page.nextCursor;
            } while (cursor);
            const sql = got.filter((x) => mine.has(x.id)).map((x) => x.id);
            const sign = q.desc ? -1 : 1;
            const memory = made
              .filter((m) => taskMatches(m, filter))
              .sort((a, b) => sign * (a.due_at - b.due_at || (a.id < b.id ? -1 : 1)))
              .map((m) => m.id);
            assert.deepEqual(sql, memory);
            for (const x of got)
              assert.equal(
                x.overdue,
                isOverdue({ status: x.status, due_at: Date.parse(x.dueAt) }, filter.now),
              );
          },
        ),
        { numRuns: 40 },
      );
    });
  });
}
