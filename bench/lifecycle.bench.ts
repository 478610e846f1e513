/**
 * What lifecycle adds to capture, in process on SQLite: the resolver creating leads in batches of
 * 500 (one initial history row each), one touchpoint per transaction that is no hand-raise (the
 * common case: nothing is written), and one hand-raise per transaction that makes an MQL (history
 * row + two events + the stage update). Baseline in the same run: the leads module alone, without
 * the lifecycle listener, on its own database.
 * Target (issue 5): score + stage update per touchpoint adds ≤ 1 ms p95 to capture.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAuditModule } from '../server/modules/audit/index.ts';
import { createLeadsModule } from '../server/modules/leads/index.ts';
import { createLifecycleModule } from '../server/modules/lifecycle/index.ts';
import { createPermissionsModule } from '../server/modules/permissions/index.ts';
import { systemClock } from '../server/platform/clock.ts';
import { openDatabase } from '../server/platform/db/db.ts';
import { migrateToLatest } from '../server/platform/db/migrate.ts';
import { percentile, report } from './lib.ts';

const batches = Number(process.env.BENCH_BATCHES ?? 20);
const touches = Number(process.env.BENCH_TOUCHES ?? 2000);
const actor = { type: 'system', label: 'bench' } as const;

async function setup(withLifecycle: boolean) {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-bench-lifecycle-'));
  const database = await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'bench.sqlite') });
  await migrateToLatest(database.db);
  const audit = createAuditModule({ database, clock: systemClock });
  const leads = createLeadsModule({
    database,
    clock: systemClock,
    audit: audit.api,
    activeUserIds: async () => new Set(),
    permissions: createPermissionsModule({ database }).api,
  });
  // Only stage moves and hand-raises are measured: a policy change's background job never runs here.
  const jobs = { enqueue: async () => ({ id: 'none', created: false }) };
  if (withLifecycle)
    createLifecycleModule({ database, clock: systemClock, jobs, audit: audit.api, leads: leads.api });
  return {
    database,
    leads: leads.api,
    async close() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function run(withLifecycle: boolean) {
  const s = await setup(withLifecycle);
  const db = s.database.db;
  // Creates in batches.
  const batchMs: number[] = [];
  const ids: string[] = [];
  for (let b = 0; b < batches; b++) {
    const items = Array.from({ length: 500 }, (_, i) => ({
      input: { email: `p${b}.${i}@bench${i % 50}.example`, firstName: 'Ada', companyName: `Bench ${i % 50}` },
    }));
    const started = performance.now();
    const results = await db
      .transaction()
      .execute((tx) => s.leads.resolveBatch(tx, items, { source: 'api', actor }));
    batchMs.push(performance.now() - started);
    for (const r of results) if (r.status !== 'error') ids.push(r.leadId);
  }
  // One touchpoint per transaction, as tracking and forms record them.
  async function perTouch(type: string, count: number): Promise<number[]> {
    const ms: number[] = [];
    for (let i = 0; i < count; i++) {
      const leadId = ids[i % ids.length]!;
      const started = performance.now();
      await db
        .transaction()
        .execute((tx) =>
          s.leads.recordTouchpoints(tx, [
            { leadId, type, occurredAt: Date.now(), source: 'form', properties: { page: '/pricing' } },
          ]),
        );
      ms.push(performance.now() - started);
    }
    return ms.sort((a, b) => a - b);
  }
  const plain = await perTouch('page_viewed', touches);
  // Every lead is still a `lead`: each of these makes an MQL (with lifecycle).
  const handRaise = await perTouch('demo_requested', Math.min(touches, ids.length));
  await s.close();
  batchMs.sort((a, b) => a - b);
  return {
    batch500: { p50: percentile(batchMs, 50), p95: percentile(batchMs, 95) },
    pageView: { p50: percentile(plain, 50), p95: percentile(plain, 95) },
    handRaise: { p50: percentile(handRaise, 50), p95: percentile(handRaise, 95) },
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const baseline = await run(false);
const subject = await run(true);
const figures = {
  batches,
  touches,
  baseline: baseline,
  lifecycle: subject,
  addedMs: {
    batch500p95: round(subject.batch500.p95 - baseline.batch500.p95),
    pageViewP95: round(subject.pageView.p95 - baseline.pageView.p95),
    handRaiseP95: round(subject.handRaise.p95 - baseline.handRaise.p95),
  },
};
report('lifecycle', figures);
