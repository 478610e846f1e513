/**
 * Notifications on both dialects: a new assignment, an SLA warning and a task reminder each land
 * in the bell and go out by email through a real SMTP server started here (recipient, subject,
 * link), or stay in the outbox without one; per-kind email preferences; read one, read all; and
 * nobody reads or marks someone else's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Caller, createTestApp, type TestApp } from '../../test-support/app.ts';
import { testDialects } from '../../test-support/db.ts';
import { mailHeader, mailText, type SmtpPeer, startSmtp } from '../../test-support/smtp.ts';

const MIN = 60_000;
const allWeek = { start: '00:00', end: '24:00' };
const publicUrl = 'https://leadloop.example.test';
const system = { type: 'system', label: 'test' } as const;

for (const dialect of testDialects) {
  describe(`notifications (${dialect})`, () => {
    let smtp: SmtpPeer;
    let t: TestApp;
    let admin: Caller;
    let key: Record<string, string>;
    let n = 0;
    before(async () => {
      smtp = await startSmtp();
      t = await createTestApp(dialect, { config: { smtpUrl: smtp.url, publicUrl } });
      admin = await t.signIn('admin');
      key = (await t.apiKey(['leads:write', 'leads:read'])).headers;
      await t.runtime.api.routing.settings.setHours(
        {
          timeZone: 'UTC',
          days: {
            sun: allWeek,
            mon: allWeek,
            tue: allWeek,
            wed: allWeek,
            thu: allWeek,
            fri: allWeek,
            sat: allWeek,
          },
        },
        system,
      );
    });
    after(async () => {
      await t.close();
      await smtp.close();
    });

    const call = (
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
      const res = await call(method, url, caller, payload);
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    const drain = () => t.runtime.createJobWorker({ concurrency: 1 }).drain();

    /** A team of these reps with one default rule and an SLA. */
    async function route(reps: Caller[], slaMinutes: number | null, managerId?: string) {
      const team = await t.runtime.api.routing.settings.createTeam(
        {
          name: `Team ${++n}`,
          managerId: managerId ?? null,
          members: reps.map((r) => ({ userId: r.userId! })),
        },
        system,
      );
      await t.runtime.api.routing.settings.replaceRules(
        [
          {
            name: 'All',
            isDefault: true,
            teamId: team.id,
            strategy: 'round_robin',
            slaMinutes,
            slaAction: 'escalate',
          },
        ],
        system,
      );
    }
    async function mql(firstName: string): Promise<string> {
      const lead = await ok('POST', '/api/v1/leads', null, {
        email: `${firstName.toLowerCase()}${++n}@notify.example`,
        firstName,
        lastName: 'Lovelace',
        lifecycleStage: 'mql',
      });
      return lead.id;
    }
    const mailsTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));

    it('tells a rep about a new lead in the bell and by email, with a link to the lead', async () => {
      const rep = await t.signIn('sales_rep');
      await route([rep], 60);
      const leadId = await mql('Ada');
      const bell = await ok('GET', '/api/v1/notifications', rep);
      assert.equal(bell.unread, 1);
      assert.equal(bell.data.length, 1);
      assert.deepEqual(
        [bell.data[0].kind, bell.data[0].leadId, bell.data[0].title, bell.data[0].readAt],
        ['lead.assigned', leadId, 'New lead: Ada Lovelace', null],
      );
      assert.match(bell.data[0].body, /Accept it by Sun, 22 Nov 2026, 10:00 UTC\./);
      // The mail was queued with the assignment and goes out through SMTP.
      assert.equal(mailsTo(rep.label).length, 0);
      await drain();
      const [mail, ...more] = mailsTo(rep.label);
      assert.equal(more.length, 0);
      assert.deepEqual(mail!.to, [rep.label]);
      assert.equal(mailHeader(mail!.raw, 'Subject'), 'New lead: Ada Lovelace');
      const text = mailText(mail!.raw);
      assert.ok(text.includes(`${publicUrl}/leads/${leadId}`), text);
      assert.ok(text.includes(`${publicUrl}/account`), 'says where to turn these emails off');
      const outbox = await ok('GET', `/api/v1/mail/outbox?relatedId=${leadId}`, admin);
      assert.deepEqual(
        outbox.data.map((m: { status: string; category: string }) => [m.status, m.category]),
        [['sent', 'notification']],
      );
    });

    it('warns the owner once when 80 % of the SLA has passed, and not after acceptance', async () => {
      const rep = await t.signIn('sales_rep');
      await route([rep], 30);
      const start = t.clock.now();
      const [warned, accepted] = [await mql('Grace'), await mql('Linus')];
      await ok('POST', `/api/v1/leads/${accepted}/accept`, rep);
      t.clock.set(start + 24 * MIN - 1);
      await drain();
      const kinds = async () =>
        (await ok('GET', '/api/v1/notifications', rep)).data.map((x: { kind: string; leadId: string }) => [
          x.kind,
          x.leadId,
        ]);
      assert.deepEqual(await kinds(), [
        ['lead.assigned', accepted],
        ['lead.assigned', warned],
      ]);
      t.clock.set(start + 24 * MIN);
      await drain();
      assert.deepEqual((await kinds())[0], ['sla.warning', warned]);
      t.clock.set(start + 60 * MIN);
      await drain();
      const all = await kinds();
      assert.equal(
        all.filter(([k]: string[]) => k === 'sla.warning').length,
        1,
        'once, and not for the accepted lead',
      );
      const [asg] = (await ok('GET', `/api/v1/leads/${warned}/assignments`, admin)).data;
      assert.equal(asg.slaWarnedAt, new Date(start + 24 * MIN).toISOString());
      const warning = mailsTo(rep.label).find(
        (m) => mailHeader(m.raw, 'Subject') === 'SLA ends soon: Grace Lovelace',
      );
      assert.ok(warning, 'the warning went out by email too');
      assert.ok(mailText(warning.raw).includes(`${publicUrl}/leads/${warned}`));
    });

    it('reminds the assignee of a task in the bell and by email, linking to its lead', async () => {
      const rep = await t.signIn('sales_rep');
      const leadId = (
        await ok('POST', '/api/v1/leads', null, { email: `task${++n}@notify.example`, firstName: 'Tim' })
      ).id;
      const now = t.clock.now();
      const task = await ok('POST', '/api/v1/tasks', rep, {
        title: 'Send the proposal',
        notes: 'Pricing for 40 seats',
        dueAt: new Date(now + 3 * 60 * MIN).toISOString(),
        reminderAt: new Date(now + 60 * MIN).toISOString(),
        leadId,
      });
      t.clock.set(now + 60 * MIN);
      await drain();
      const bell = await ok('GET', '/api/v1/notifications', rep);
      assert.deepEqual(
        [bell.data[0].kind, bell.data[0].taskId, bell.data[0].leadId, bell.data[0].title],
        ['task.reminder', task.id, leadId, 'Reminder: Send the proposal'],
      );
      const mail = mailsTo(rep.label).find(
        (m) => mailHeader(m.raw, 'Subject') === 'Reminder: Send the proposal',
      );
      assert.ok(mail);
      const text = mailText(mail.raw);
      assert.ok(text.includes(`${publicUrl}/leads/${leadId}`), text);
      assert.ok(text.includes('Pricing for 40 seats'));
    });

    it('keeps the bell but stops the email of a kind the person turned off', async () => {
      const rep = await t.signIn('sales_rep');
      await route([rep], null);
      const prefs = await ok('GET', '/api/v1/notifications/preferences', rep);
      assert.deepEqual(
        prefs.data.map((p: { kind: string; email: boolean }) => [p.kind, p.email]),
        [
          ['lead.assigned', true],
          ['sla.warning', true],
          ['sla.escalated', true],
          ['task.reminder', true],
        ],
      );
      const saved = await ok('PUT', '/api/v1/notifications/preferences', rep, {
        preferences: [{ kind: 'lead.assigned', email: false }],
      });
      assert.equal(saved.data.find((p: { kind: string }) => p.kind === 'lead.assigned').email, false);
      assert.equal(saved.data.find((p: { kind: string }) => p.kind === 'task.reminder').email, true);
      const leadId = await mql('Quiet');
      await drain();
      assert.equal((await ok('GET', '/api/v1/notifications', rep)).data[0].leadId, leadId);
      assert.equal(mailsTo(rep.label).length, 0);
      // A kind that does not exist is a 400 naming it; nothing changes.
      const bad = await call('PUT', '/api/v1/notifications/preferences', rep, {
        preferences: [{ kind: 'lead.deleted', email: false }],
      });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json().error.details[0].field, /preferences\.0\.kind/);
      // Back on: the next one is mailed.
      await ok('PUT', '/api/v1/notifications/preferences', rep, {
        preferences: [{ kind: 'lead.assigned', email: true }],
      });
      await mql('Loud');
      await drain();
      assert.equal(mailsTo(rep.label).length, 1);
    });

    it('marks one or all read, pages newest first, and keeps everyone to their own', async () => {
      const rep = await t.signIn('sales_rep');
      const other = await t.signIn('sales_rep');
      await route([rep], null);
      for (const name of ['One', 'Two', 'Three']) await mql(name);
      const page1 = await ok('GET', '/api/v1/notifications?limit=2', rep);
      assert.equal(page1.unread, 3);
      assert.deepEqual(
        page1.data.map((x: { title: string }) => x.title),
        ['New lead: Three Lovelace', 'New lead: Two Lovelace'],
      );
      const page2 = await ok('GET', `/api/v1/notifications?limit=2&cursor=${page1.nextCursor}`, rep);
      assert.deepEqual(
        page2.data.map((x: { title: string }) => x.title),
        ['New lead: One Lovelace'],
      );
      assert.equal(page2.nextCursor, null);
      const id = page1.data[0].id;
      const notMine = await call('POST', `/api/v1/notifications/${id}/read`, other);
      assert.equal(notMine.statusCode, 404);
      assert.equal(notMine.json().error.code, 'NOTIFICATION_NOT_FOUND');
      const read = await ok('POST', `/api/v1/notifications/${id}/read`, rep);
      assert.equal(read.readAt, new Date(t.clock.now()).toISOString());
      const unread = await ok('GET', '/api/v1/notifications?unread=true', rep);
      assert.equal(unread.unread, 2);
      assert.equal(unread.data.length, 2);
      assert.deepEqual(await ok('POST', '/api/v1/notifications/read-all', rep), { updated: 2 });
      assert.equal((await ok('GET', '/api/v1/notifications', rep)).unread, 0);
      assert.equal((await ok('GET', '/api/v1/notifications', other)).data.length, 0);
      // API keys have no bell.
      assert.equal((await call('GET', '/api/v1/notifications', null)).statusCode, 403);
    });
  });
}
