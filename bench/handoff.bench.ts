/**
 * The handoff's latency, in process on SQLite with the whole runtime: one touchpoint per
 * transaction — a demo request, a hand-raise under the default policy — recorded on an existing
 * lead. That transaction scores it, makes the lead an MQL, routes it round-robin over seven reps
 * and writes what the owner and integrations get: the owner's in-app notification, its email in the
 * outbox with its job, the `lead.mql` and `lead.assigned` webhook deliveries with their jobs, and
 * the SLA timer and warning jobs. Reported: wall and CPU p50/p95 per touchpoint; the rows written
 * (checked equal to the number of MQLs); the spread of leads per rep.
 * Baseline in the same run, on the same database and runtime: a page view recorded the same way on
 * the same kind of lead (scored, no MQL, nothing routed). Target (issue 6): p95 ≤ 50 ms.
 */
import { createRuntime } from '../server/runtime.ts';
import { testConfig } from '../server/test-support/app.ts';
import { createTestDatabase } from '../server/test-support/db.ts';
import { testLogger } from '../server/test-support/logger.ts';
import { percentile, report } from './lib.ts';
import { salesTeam } from './sales-lib.ts';

const total = Number(process.env.BENCH_HANDOFF_LEADS ?? 2000);
const actor = { type: 'system', label: 'bench' } as const;

const db = await createTestDatabase('sqlite', { file: true });
try {
  const runtime = await createRuntime(testConfig(), { database: db, logger: testLogger, migrate: false });
  await salesTeam(runtime, { route: true });
  // Two groups of the same leads: one gets a page view (baseline), the other a demo request.
  const ids: string[] = [];
  for (let b = 0; b < 2 * total; b += 1000) {
    const items = Array.from({ length: Math.min(1000, 2 * total - b) }, (_, i) => ({
      email: `p${b + i}@company${i % 300}.example`,
      firstName: 'Ada',
      jobTitle: 'Head of Operations',
      lifecycleStage: 'lead' as const,
    }));
    const res = await runtime.api.leads.batch(items, { source: 'import', actor });
    for (const r of res) if (r.id) ids.push(r.id);
  }

  async function touch(leadIds: string[], type: string, properties: Record<string, unknown>) {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (const leadId of leadIds) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await db.db
        .transaction()
        .execute((tx) =>
          runtime.api.leads.recordTouchpoints(tx, [
            { leadId, type, occurredAt: Date.now(), source: 'tracking', properties },
          ]),
        );
      wall.push(performance.now() - t0);
      const used = process.cpuUsage(cpu0);
      cpu.push((used.user + used.system) / 1000);
    }
    wall.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const r = (n: number) => +n.toFixed(2);
    return {
      touchpoints: leadIds.length,
      p50: r(percentile(wall, 50)),
      p95: r(percentile(wall, 95)),
      cpuP50: r(percentile(cpu, 50)),
      cpuP95: r(percentile(cpu, 95)),
    };
  }

  // Interleaved halves so both see the same database size and machine noise.
  const half = Math.floor(total / 2);
  const views = [ids.slice(0, half), ids.slice(total, total + half)];
  const demos = [ids.slice(half, total), ids.slice(total + half)];
  const view = { path: '/blog/post', page: { path: '/blog/post' } };
  const base1 = await touch(views[0]!, 'page_viewed', view);
  const sub1 = await touch(demos[0]!, 'demo_requested', {});
  const base2 = await touch(views[1]!, 'page_viewed', view);
  const sub2 = await touch(demos[1]!, 'demo_requested', {});

  const count = async (table: 'notifications' | 'lead_assignments' | 'webhook_deliveries' | 'mail_outbox') =>
    Number(
      (
        await db.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const jobs = async (name: string) =>
    Number(
      (
        await db.db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('name', '=', name)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const owners = await db.db
    .selectFrom('leads')
    .select(['owner_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('owner_id', 'is not', null)
    .groupBy('owner_id')
    .execute();
  const perRep = owners.map((o) => Number(o.n));
  const mqls = Number(
    (
      await db.db
        .selectFrom('leads')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('lifecycle_stage', '=', 'mql')
        .executeTakeFirstOrThrow()
    ).n,
  );
  const merged = (a: typeof sub1, b: typeof sub1) => ({
    touchpoints: a.touchpoints + b.touchpoints,
    p50: Math.max(a.p50, b.p50),
    p95: Math.max(a.p95, b.p95),
    cpuP50: Math.max(a.cpuP50, b.cpuP50),
    cpuP95: Math.max(a.cpuP95, b.cpuP95),
  });
  const baseline = merged(base1, base2);
  const subject = merged(sub1, sub2);
  report('handoff: page view, scored, no MQL (baseline)', baseline);
  report('handoff: demo request → MQL → routed, notified, webhooks and timers queued', {
    ...subject,
    mqls,
    assignments: await count('lead_assignments'),
    notifications: await count('notifications'),
    mails: await count('mail_outbox'),
    webhookDeliveries: await count('webhook_deliveries'),
    slaTimers: await jobs('routing.sla'),
    perRepMin: Math.min(...perRep),
    perRepMax: Math.max(...perRep),
  });
  report('handoff ratio', {
    p95VsBaseline: +(subject.p95 / baseline.p95).toFixed(2),
    cpuP95VsBaseline: +(subject.cpuP95 / baseline.cpuP95).toFixed(2),
    target: 'p95 ≤ 50 ms',
    met: subject.p95 <= 50,
  });
} finally {
  await db.cleanup();
}
