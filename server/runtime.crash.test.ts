/**
 * Durable timers survive a crash, on both dialects. A worker process running the whole runtime
 * has SLA timers, SLA warnings, task reminders and webhook deliveries to work through; it is
 * killed with SIGKILL while a warning is half-way through its transaction and a webhook request is
 * in flight, with some jobs done and others not yet due. A new runtime's worker on the same
 * database then delivers every one of them exactly once: counted per assignment, task and
 * delivery id, the webhooks at a receiver on 127.0.0.1 that de-duplicates on the delivery id (on
 * the wire a webhook is at least once: a request in flight at the crash is sent again).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startReceiver } from './modules/webhooks/webhooks.receiver.ts';
import { createRuntime } from './runtime.ts';
import { type Caller, createTestApp, type TestApp, testConfig } from './test-support/app.ts';
import { testDialects } from './test-support/db.ts';
import { testLogger } from './test-support/logger.ts';

const MIN = 60_000;
const allWeek = { start: '00:00', end: '24:00' };
const system = { type: 'system', label: 'crash test' } as const;
const fixture = path.join(import.meta.dirname, 'test-support/runtime-worker-fixture.ts');
const LEADS = 4;

async function waitFor(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

for (const dialect of testDialects) {
  describe(`durable timers across a crash (${dialect})`, () => {
    let t: TestApp;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let secret = '';
    before(async () => {
      t = await createTestApp(dialect);
      receiver = await startReceiver({ secret: () => secret, now: () => t.clock.now() });
    });
    after(async () => {
      await receiver.close();
      await t.close();
    });

    it('delivers every pending SLA timer, warning, reminder and webhook exactly once after SIGKILL', async () => {
      const db = t.runtime.database.db;
      const admin = await t.signIn('admin');
      const manager = await t.signIn('sales_manager');
      const reps: Caller[] = [await t.signIn('sales_rep'), await t.signIn('sales_rep')];
      const ok = async (method: 'POST' | 'PUT', url: string, caller: Caller, payload: object) => {
        const res = await t.request({ method, url, headers: caller.headers, payload });
        assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
        return res.json();
      };
      const T0 = t.clock.now();
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
      const team = await t.runtime.api.routing.settings.createTeam(
        { name: 'Crash team', managerId: manager.userId!, members: reps.map((r) => ({ userId: r.userId! })) },
        system,
      );
      await t.runtime.api.routing.settings.replaceRules(
        [
          {
            name: 'All',
            isDefault: true,
            teamId: team.id,
            strategy: 'round_robin',
            slaMinutes: 60,
            slaAction: 'escalate',
          },
        ],
        system,
      );
      secret = (await ok('POST', '/api/v1/webhooks', admin, { url: receiver.url, events: ['lead.assigned'] }))
        .secret;

      // Four MQLs: four assignments, each with an SLA timer (T0+60) and a warning (T0+48), and
      // four lead.assigned deliveries due now. Four tasks: reminders at T0+30 and at T0+90.
      const leads: string[] = [];
      for (let i = 0; i < LEADS; i++)
        leads.push(
          (
            await ok('POST', '/api/v1/leads', admin, {
              email: `crash${i}@crash.example`,
              lifecycleStage: 'mql',
            })
          ).id,
        );
      const tasks: string[] = [];
      for (let i = 0; i < 4; i++)
        tasks.push(
          (
            await ok('POST', '/api/v1/tasks', reps[i % 2]!, {
              title: `Task ${i}`,
              dueAt: new Date(T0 + 3 * 60 * MIN).toISOString(),
              reminderAt: new Date(T0 + (i < 2 ? 30 : 90) * MIN).toISOString(),
              leadId: leads[i],
            })
          ).id,
        );
      const assignmentIds = (
        await db.selectFrom('lead_assignments').select('id').where('lead_id', 'in', leads).execute()
      ).map((a) => a.id);
      assert.equal(assignmentIds.length, LEADS);
      const deliveryIds = (await db.selectFrom('webhook_deliveries').select('id').execute()).map((d) => d.id);
      assert.equal(deliveryIds.length, LEADS);

      // The doomed worker: its clock stands at T0+50, when the deliveries, the warnings and the
      // first reminders are due, the SLA timers and the later reminders not yet.
      t.clock.set(T0 + 50 * MIN);
      receiver.hold(1);
      const child = spawn(process.execPath, [fixture], {
        env: {
          ...process.env,
          FIXTURE_DB: JSON.stringify(t.tdb.location),
          FIXTURE_NOW: String(T0 + 50 * MIN),
          FIXTURE_STALL: 'routing.sla_warning',
          FIXTURE_LEASE_MS: '1500',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += String(d);
      });
      const exited = new Promise((r) => child.once('exit', r));
      try {
        await waitFor(
          'a warning stalled and a webhook request in flight',
          () => out.includes('stalled routing.sla_warning') && receiver.held.length === 1,
        );
      } finally {
        child.kill('SIGKILL');
        await exited;
      }

      // Mid-way: some work done, some claimed by the dead worker, some not started.
      const jobs = await db.selectFrom('jobs').select(['name', 'status', 'locked_by', 'payload']).execute();
      const running = jobs.filter((j) => j.status === 'running');
      assert.ok(
        running.some((j) => j.name === 'routing.sla_warning' && j.locked_by === 'doomed'),
        'the warning held',
      );
      const inFlight = running
        .filter((j) => j.name === 'webhooks.deliver')
        .map((j) => (JSON.parse(j.payload) as { deliveryId: string }).deliveryId);
      assert.ok(inFlight.length >= 1, 'the unanswered delivery was in flight');
      assert.equal(jobs.filter((j) => j.name === 'routing.sla' && j.status === 'queued').length, LEADS);
      assert.ok(
        jobs.some((j) => j.status === 'succeeded'),
        'some work was done before the crash',
      );
      const warnedBefore = await db
        .selectFrom('notifications')
        .select('id')
        .where('kind', '=', 'sla.warning')
        .execute();
      assert.ok(warnedBefore.length < LEADS, 'the stalled warning did not commit');

      // A new runtime on the same database, after the dead worker's leases ran out.
      t.clock.set(T0 + 2 * 60 * MIN);
      const restarted = await createRuntime(testConfig(), {
        database: t.tdb,
        clock: t.clock,
        logger: testLogger,
        migrate: false,
      });
      const worker = restarted.createJobWorker({ concurrency: 2 });
      await worker.drain();
      await worker.drain();

      const counts = await restarted.jobs.counts();
      assert.deepEqual(
        [counts.queued ?? 0, counts.running ?? 0, counts.dead ?? 0],
        [0, 0, 0],
        JSON.stringify(counts),
      );
      const notes = await db.selectFrom('notifications').select(['kind', 'lead_id', 'task_id']).execute();
      const per = (kind: string, key: 'lead_id' | 'task_id') =>
        Object.fromEntries(
          Object.entries(
            Object.groupBy(
              notes.filter((x) => x.kind === kind),
              (x) => x[key] ?? '?',
            ),
          ).map(([k, v]) => [k, v!.length]),
        );
      const once = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, 1]));
      // SLA timers: each assignment escalated to the manager once.
      assert.deepEqual(per('sla.escalated', 'lead_id'), once(leads));
      const escalated = await db
        .selectFrom('lead_assignments')
        .select(['id', 'escalated_at', 'sla_warned_at'])
        .where('id', 'in', assignmentIds)
        .execute();
      assert.ok(escalated.every((a) => a.escalated_at !== null && a.sla_warned_at !== null));
      const slaTouchpoints = await db
        .selectFrom('touchpoints')
        .select('lead_id')
        .where('type', '=', 'sla_escalated')
        .execute();
      assert.equal(slaTouchpoints.length, LEADS);
      // SLA warnings: once per assignment, the stalled one included.
      assert.deepEqual(per('sla.warning', 'lead_id'), once(leads));
      // Task reminders: once per task, those due before the crash and those due after.
      assert.deepEqual(per('task.reminder', 'task_id'), once(tasks));
      // Every notification's email is in the outbox once (no SMTP here: stored).
      const mails = await db.selectFrom('mail_outbox').select(['subject', 'status']).execute();
      assert.equal(mails.length, notes.length);
      assert.ok(mails.every((m) => m.status === 'stored'));
      // Webhooks go out at least once on the wire: a request the dead worker sent but had not
      // recorded (the one left unanswered, and any answered while it was stuck behind the stalled
      // transaction) is sent again, with the same delivery and event id. A receiver that
      // de-duplicates on that id, as docs/webhooks.md asks, processes each exactly once.
      assert.ok(receiver.received.every((r) => r.verified));
      const processed = new Map<string, string>();
      for (const r of receiver.received) {
        const seen = processed.get(r.deliveryId);
        if (seen !== undefined) assert.equal(r.body.id, seen, 'a retry carries the same event id');
        processed.set(r.deliveryId, r.body.id);
      }
      assert.deepEqual([...processed.keys()].sort(), [...deliveryIds].sort());
      const retried = receiver.received.length - processed.size;
      assert.ok(retried <= inFlight.length, `${retried} sent again, ${inFlight.length} were in flight`);
      assert.equal(receiver.held.length, 1);
      assert.ok(inFlight.includes(receiver.held[0]!), 'the unanswered request was among those in flight');
      assert.ok(processed.has(receiver.held[0]!), 'and was delivered after the restart');
      const delivered = await db.selectFrom('webhook_deliveries').select('status').execute();
      assert.ok(delivered.every((d) => d.status === 'delivered'));
      await restarted.close();
    });
  });
}
