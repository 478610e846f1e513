/**
 * Scoring, in process on SQLite.
 * (a) What score + stage update adds to capture: one touchpoint per transaction that the default
 *     model scores (a pricing page view: two rules, a group cap, a history row, lifecycle's policy
 *     check, an MQL when the lead crosses the threshold). Baselines in the same run: the leads
 *     module alone, and leads + lifecycle without scoring, each on its own database.
 *     Target (issue 5): ≤ 1 ms p95 added.
 * (b) Rescoring every lead after a publish (BENCH_SCORING_LEADS, default 1,000,000, with three
 *     touchpoints each on average), built by bulk insert and kept in $TMPDIR/leadloop-bench-scoring/.
 *     First the cold case (leads never scored: every state built from touchpoints, under v1), then
 *     the publish of v2 (a changed demo-request weight: states reused, every score rewritten).
 *     Baseline in the same run: reading the same leads and touchpoints in the same batches without
 *     scoring or writing. Target: ≤ 30 s.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAuditModule } from '../server/modules/audit/index.ts';
import { createFiltersModule } from '../server/modules/filters/index.ts';
import { createLeadsModule } from '../server/modules/leads/index.ts';
import { createLifecycleModule } from '../server/modules/lifecycle/index.ts';
import { createPermissionsModule } from '../server/modules/permissions/index.ts';
import { createScoringModule } from '../server/modules/scoring/index.ts';
import { batchSize } from '../server/modules/scoring/scoring.service.ts';
import { systemClock } from '../server/platform/clock.ts';
import { type Database, openDatabase } from '../server/platform/db/db.ts';
import { migrateToLatest } from '../server/platform/db/migrate.ts';
import { percentile, report } from './lib.ts';

const touches = Number(process.env.BENCH_TOUCHES ?? 2000);
const leadCount = Number(process.env.BENCH_SCORING_LEADS ?? 1_000_000);
const rescore = process.env.BENCH_SCORING_RESCORE !== '0';
const actor = { type: 'system', label: 'bench' } as const;
const day = 86_400_000;

type Mode = 'bare' | 'lifecycle' | 'scoring';

function wire(database: Database, mode: Mode) {
  const audit = createAuditModule({ database, clock: systemClock });
  const leads = createLeadsModule({
    database,
    clock: systemClock,
    audit: audit.api,
    activeUserIds: async () => new Set(),
    permissions: createPermissionsModule({ database }).api,
  });
  const jobs = { enqueue: async () => ({ id: 'none', created: false }) };
  if (mode === 'bare') return { leads: leads.api, scoring: null };
  const lifecycle = createLifecycleModule({
    database,
    clock: systemClock,
    jobs,
    audit: audit.api,
    leads: leads.api,
  });
  if (mode === 'lifecycle') return { leads: leads.api, scoring: null };
  const filters = createFiltersModule({ database, clock: systemClock, leads: leads.api });
  const scoring = createScoringModule({
    database,
    clock: systemClock,
    jobs,
    leads: leads.api,
    filters: filters.api,
    lifecycle: lifecycle.api,
  });
  return { leads: leads.api, scoring: scoring.api };
}

async function capture(mode: Mode) {
  const dir = mkdtempSync(path.join(tmpdir(), 'leadloop-bench-scoring-capture-'));
  const database = await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'bench.sqlite') });
  await migrateToLatest(database.db);
  const s = wire(database, mode);
  const db = database.db;
  const ids: string[] = [];
  for (let b = 0; b < 1; b++) {
    const items = Array.from({ length: 500 }, (_, i) => ({
      input: {
        email: `p${b}.${i}@bench${i % 50}.example`,
        firstName: 'Ada',
        jobTitle: i % 2 ? 'VP of Sales' : 'Analyst',
        companySize: 100 + ((i * 37) % 3000),
        industry: i % 3 ? 'Software' : 'Retail',
      },
    }));
    const results = await db
      .transaction()
      .execute((tx) => s.leads.resolveBatch(tx, items, { source: 'api', actor }));
    for (const r of results) if (r.status !== 'error') ids.push(r.leadId);
  }
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < touches; i++) {
    // 250 leads, eight page views each on average: scores climb and some cross the policy's threshold.
    const leadId = ids[i % 250]!;
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    await db.transaction().execute((tx) =>
      s.leads.recordTouchpoints(tx, [
        {
          leadId,
          type: 'page_viewed',
          occurredAt: Date.now(),
          source: 'tracking',
          properties: { path: '/pricing', page: { path: '/pricing' } },
        },
      ]),
    );
    ms.push(performance.now() - started);
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / 1000);
  }
  const mql = await db
    .selectFrom('leads')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('lifecycle_stage', '=', 'mql')
    .executeTakeFirstOrThrow();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return {
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    // CPU time of this process per touchpoint: what neighbours on a shared machine do not inflate.
    cpuP50: percentile(cpu, 50),
    cpuP95: percentile(cpu, 95),
    mql: Number(mql.n),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const bare = await capture('bare');
const lifecycleOnly = await capture('lifecycle');
const scored = await capture('scoring');
report('scoring: per touchpoint', {
  touches,
  bare,
  lifecycle: lifecycleOnly,
  scoring: scored,
  addedMsP95: {
    scoreAndStageOverBare: round(scored.p95 - bare.p95),
    scoreOverLifecycle: round(scored.p95 - lifecycleOnly.p95),
    cpuScoreAndStageOverBare: round(scored.cpuP95 - bare.cpuP95),
  },
});

// ---- (b) rescoring after a publish (BENCH_SCORING_RESCORE=0 skips it) ----
if (!rescore) process.exit(0);

const cacheDir = path.join(tmpdir(), 'leadloop-bench-scoring');
const built = path.join(cacheDir, `scoring-v1-${leadCount}.sqlite`);

async function build(): Promise<void> {
  mkdirSync(cacheDir, { recursive: true });
  const database = await openDatabase({ dialect: 'sqlite', file: `${built}.building` });
  await migrateToLatest(database.db);
  const raw = database.sqlite!;
  raw.pragma('journal_mode = OFF');
  raw.pragma('synchronous = OFF');
  const started = performance.now();
  const indexes = raw
    .prepare(
      `select name, sql from sqlite_master where type = 'index' and tbl_name in ('leads', 'touchpoints') and sql is not null`,
    )
    .all() as { name: string; sql: string }[];
  for (const i of indexes) raw.exec(`drop index ${i.name}`);
  const insertLead = raw.prepare(`insert into leads (id, email, job_title, industry, company_size,
    lifecycle_stage, custom_fields, consent, field_times, search_text, source, created_at, updated_at)
    values (?, ?, ?, ?, ?, ?, '{}', '{}', '{}', '', 'import', ?, ?)`);
  const insertTp =
    raw.prepare(`insert into touchpoints (id, lead_id, type, occurred_at, source, properties, created_at)
    values (?, ?, ?, ?, 'tracking', ?, ?)`);
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const now = Date.now();
  const titles = ['VP of Sales', 'Analyst', 'Head of Growth', 'Student', 'Marketing Manager'];
  const industries = ['Software', 'Finance', 'Retail', 'Education', 'Healthcare'];
  const stages = ['lead', 'lead', 'lead', 'mql', 'sql', 'customer', 'disqualified'];
  let tp = 0;
  const chunk = raw.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = `lead_${String(i).padStart(8, '0')}`;
      const created = now - Math.floor(rand() * 365 * day);
      insertLead.run(
        id,
        `p${i}@example.test`,
        titles[i % titles.length],
        industries[Math.floor(rand() * industries.length)],
        Math.floor(rand() * 6000),
        stages[Math.floor(rand() * stages.length)],
        created,
        created,
      );
      const n = Math.floor(rand() * 7); // 0–6, three on average
      for (let k = 0; k < n; k++) {
        const at = created + Math.floor(rand() * 60 * day);
        const r = rand();
        const [type, props] =
          r < 0.5
            ? ['page_viewed', { path: rand() < 0.3 ? '/pricing' : '/blog/a' }]
            : r < 0.7
              ? ['email_clicked', {}]
              : r < 0.85
                ? ['form_submitted', { form: rand() < 0.3 ? 'demo-request' : 'ebook' }]
                : ['event', { name: rand() < 0.5 ? 'trial_started' : 'webinar_attended' }];
        insertTp.run(`tp_${String(tp++).padStart(9, '0')}`, id, type, at, JSON.stringify(props), at);
      }
    }
  });
  for (let i = 0; i < leadCount; i += 50_000) chunk(i, Math.min(leadCount, i + 50_000));
  for (const i of indexes) raw.exec(i.sql);
  raw.exec('analyze');
  await database.close();
  renameSync(`${built}.building`, built);
  process.stderr.write(
    `built ${leadCount} leads and ${tp} touchpoints in ${Math.round((performance.now() - started) / 1000)} s\n`,
  );
}

if (!existsSync(built)) await build();
const work = path.join(cacheDir, 'run.sqlite');
rmSync(work, { force: true });
copyFileSync(built, work);
const database = await openDatabase({ dialect: 'sqlite', file: work });
const s = wire(database, 'scoring');
const scoring = s.scoring!;
const db = database.db;
const tpCount = Number(
  (
    await db
      .selectFrom('touchpoints')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
  ).n,
);

// Baseline: the same batches read (leads, companies none, touchpoints), nothing computed or written.
const readStarted = performance.now();
{
  let cursor = '';
  for (;;) {
    const ids = (
      await db
        .selectFrom('leads')
        .select('id')
        .where('id', '>', cursor)
        .orderBy('id')
        .limit(batchSize)
        .execute()
    ).map((r) => r.id);
    if (ids.length === 0) break;
    cursor = ids.at(-1)!;
    await db.selectFrom('leads').selectAll().where('id', 'in', ids).execute();
    await db
      .selectFrom('touchpoints')
      .select(['lead_id', 'type', 'occurred_at', 'properties'])
      .where('lead_id', 'in', ids)
      .execute();
  }
}
const readMs = performance.now() - readStarted;

// Cold: the bulk-inserted leads have never been scored; v1 builds every state from touchpoints.
const coldStarted = performance.now();
const cold = await scoring.rescoreAll(1);
const coldMs = performance.now() - coldStarted;

// Publish a changed model (the default one with a heavier demo request) and rescore everything.
const current = await scoring.draft();
const definition = structuredClone(current.definition);
definition.engagement.rules.find((r) => r.id === 'demo-request')!.points = 45;
await scoring.saveDraft({ definition, note: 'bench' });
const published = await scoring.publish(actor);
const started = performance.now();
const result = await scoring.rescoreAll(published.version);
const rescoreMs = performance.now() - started;
await database.close();
rmSync(work, { force: true });
report('scoring: rescore after publish (SQLite)', {
  leads: leadCount,
  touchpoints: tpCount,
  batchSize,
  rescoreS: round(rescoreMs / 1000),
  changed: result.changed,
  leadsPerS: Math.round(leadCount / (rescoreMs / 1000)),
  coldFirstScoringS: round(coldMs / 1000),
  coldChanged: cold.changed,
  baselineReadS: round(readMs / 1000),
});
