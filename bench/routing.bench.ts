/**
 * Routing cost and fairness, in process on SQLite. 10,000 leads (`BENCH_ROUTING_MQLS`) each make
 * a hand-raise in their own transaction, which makes them MQLs; with routing on, that transaction
 * also routes the lead round-robin over a team of seven reps (the `assigned` touchpoint, the owner,
 * the rep's notification, a `lead.assigned` webhook delivery and job, the SLA timer job).
 * Reported: p50/p95 per MQL transaction, the spread of leads per rep, and the SLA jobs written.
 * Baseline in the same run: the same MQLs with no routing rule (lifecycle + webhooks only).
 */
import { createRuntime } from '../server/runtime.ts';
import { testConfig } from '../server/test-support/app.ts';
import { createTestDatabase } from '../server/test-support/db.ts';
import { testLogger } from '../server/test-support/logger.ts';
import { percentile, report } from './lib.ts';
import { salesTeam } from './sales-lib.ts';

const total = Number(process.env.BENCH_ROUTING_MQLS ?? 10_000);
const actor = { type: 'system', label: 'bench' } as const;

async function run(label: string, route: boolean) {
  const db = await createTestDatabase('sqlite');
  try {
    const runtime = await createRuntime(testConfig(), { database: db, logger: testLogger, migrate: false });
    await salesTeam(runtime, { route });
    const ids: string[] = [];
    for (let b = 0; b < total; b += 1000) {
      const items = Array.from({ length: Math.min(1000, total - b) }, (_, i) => ({
        email: `p${b + i}@company${i % 300}.example`,
        lifecycleStage: 'lead' as const,
      }));
      const res = await runtime.api.leads.batch(items, { source: 'import', actor });
      for (const r of res) if (r.id) ids.push(r.id);
    }
    const times: number[] = [];
    const started = performance.now();
    for (const id of ids) {
      const t0 = performance.now();
      await db.db.transaction().execute((tx) =>
        runtime.api.lifecycle.evaluate(tx, [id], {
          reason: 'touchpoint',
          touchpoints: [{ leadId: id, type: 'demo_requested', properties: {} }],
        }),
      );
      times.push(performance.now() - t0);
    }
    const ms = performance.now() - started;
    times.sort((a, b) => a - b);
    const owners = await db.db
      .selectFrom('leads')
      .select(['owner_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('owner_id', 'is not', null)
      .groupBy('owner_id')
      .execute();
    const counts = owners.map((o) => Number(o.n));
    const sla = await db.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('name', '=', 'routing.sla')
      .executeTakeFirstOrThrow();
    const figures = {
      mqls: ids.length,
      ms: Math.round(ms),
      p50: +percentile(times, 50).toFixed(2),
      p95: +percentile(times, 95).toFixed(2),
      routed: counts.reduce((a, b) => a + b, 0),
      perRepMin: counts.length ? Math.min(...counts) : 0,
      perRepMax: counts.length ? Math.max(...counts) : 0,
      slaJobs: Number(sla.n),
    };
    report(label, figures);
    return figures;
  } finally {
    await db.cleanup();
  }
}

const baseline = await run('MQL per transaction, no routing rule (baseline)', false);
const subject = await run('MQL per transaction, routed round-robin over 7 reps with an SLA', true);
report('routing ratio', { p95VsBaseline: +(subject.p95 / baseline.p95).toFixed(3) });
