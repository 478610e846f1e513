/**
 * The lead list within a caller's scope over 1,000,000 leads (BENCH_PERMISSIONS_LEADS): a sales
 * rep (their own ~1,300 leads and their team's queue) and a sales manager (ten reps' leads, ~13,000,
 * and the queue), through the leads service as GET /api/v1/leads runs it: first page newest first,
 * by last name, with a stage filter, with a search, and the count; p50/p95 of 15 runs each, beside
 * the same queries for an admin (every lead, no scope condition) in the same run. The query plans
 * are printed (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL): the scoped ones read the
 * owner index and the queue index, not every lead.
 *
 * 40% of the leads are owned (300 reps in 30 teams of ten, each team with a manager), 5,000 unowned
 * leads wait in the teams' queues. The SQLite database is kept in
 * $TMPDIR/leadloop-bench-permissions/ between runs (delete it to rebuild); PostgreSQL
 * (BENCH_DATABASE_URL or TEST_DATABASE_URL) gets a schema of its own, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Kysely, type KyselyPlugin, type RootOperationNode, sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { createLeadsRepo, type SortField } from '../server/modules/leads/leads.repo.ts';
import { type LeadScope, leadsScopeCondition } from '../server/modules/permissions/index.ts';
import { parseConfig } from '../server/platform/config.ts';
import { type Database, openDatabase } from '../server/platform/db/db.ts';
import { migrateToLatest } from '../server/platform/db/migrate.ts';
import type { DB } from '../server/platform/db/schema.ts';
import { createRuntime } from '../server/runtime.ts';
import { percentile, report } from './lib.ts';

const leadCount = Number(process.env.BENCH_PERMISSIONS_LEADS ?? 1_000_000);
const runs = Number(process.env.BENCH_PERMISSIONS_RUNS ?? 15);
const pgUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
const dir = path.join(tmpdir(), 'leadloop-bench-permissions');
const now = Date.UTC(2026, 10, 22, 9, 0, 0);
const teams = 30;
const perTeam = 10;

/** Leads written by SQL: owner, stage and creation time follow the lead's number, so every build is alike. */
async function generate(db: Kysely<DB>, postgres: boolean): Promise<void> {
  const span = 730 * 86_400_000;
  const series = postgres
    ? sql`select g as i from generate_series(0, ${leadCount - 1}) g`
    : sql`with recursive s(i) as (select 0 union all select i + 1 from s where i < ${leadCount - 1}) select i from s`;
  const pad = postgres ? sql`lpad(i::text, 8, '0')` : sql`printf('%08d', i)`;
  // Constants go in as literals: better-sqlite3 binds numbers as REAL, and 'user_' || 5.0 is no user id.
  const created = sql`${sql.lit(now)} - ((i * 2654435761) % ${sql.lit(span)})`;
  await sql`insert into leads (id, email, last_name, lifecycle_stage, owner_id, custom_fields, consent,
      field_times, search_text, source, created_at, updated_at)
    select 'lead_' || ${pad}, 'p' || i || '@example.test', 'Name' || ((i * 13) % 50000),
      case i % 7 when 0 then 'subscriber' when 1 then 'lead' when 2 then 'lead' when 3 then 'mql'
        when 4 then 'sal' when 5 then 'sql' else 'customer' end,
      case when (i % 5) < 2 then 'user_' || ((i / 5) % ${sql.lit(teams * perTeam)}) else null end,
      '{}', '{}', '{}', 'p' || i || '@example.test', 'import', ${created}, ${created}
    from (${series}) s`.execute(db);
  for (let k = 0; k < teams; k++) {
    await db
      .insertInto('routing_teams')
      .values({
        id: `team_${k}`,
        name: `Team ${k}`,
        manager_id: `mgr_${k}`,
        rr_clock: 0,
        rr_turns: 0,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await db
      .insertInto('routing_team_members')
      .values(
        Array.from({ length: perTeam }, (_, j) => ({
          team_id: `team_${k}`,
          user_id: `user_${k * perTeam + j}`,
          weight: 1,
          position: j,
          rr_pass: 0,
          rr_last: 0,
        })),
      )
      .execute();
  }
  const n = sql`cast(substr(id, 6) as integer)`;
  // Unowned leads waiting in a team's queue, and closed assignments of owned ones (history).
  await sql`insert into lead_assignments (id, lead_id, owner_id, team_id, strategy, reason, status, assigned_at)
    select 'asg_' || id, id, null, 'team_' || ((${n} / 200) % ${sql.lit(teams)}), 'round_robin', 'queued', 'queued', created_at
    from leads where owner_id is null and ${n} % 200 = 3`.execute(db);
  await sql`insert into lead_assignments (id, lead_id, owner_id, team_id, strategy, reason, status, assigned_at)
    select 'asg_' || id, id, owner_id, null, 'round_robin', 'accepted', 'accepted', created_at
    from leads where owner_id is not null and ${n} % 3 = 0`.execute(db);
  await sql`analyze`.execute(db);
}

async function openSqlite(): Promise<Database> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `permissions-v1-${leadCount}.sqlite`);
  if (!existsSync(file)) {
    const started = performance.now();
    const building = await openDatabase({ dialect: 'sqlite', file: `${file}.building` });
    await migrateToLatest(building.db);
    await generate(building.db, false);
    await building.close();
    renameSync(`${file}.building`, file);
    process.stderr.write(
      `built ${leadCount.toLocaleString('en')} leads in ${Math.round((performance.now() - started) / 1000)} s\n`,
    );
  }
  const database = await openDatabase({ dialect: 'sqlite', file });
  await migrateToLatest(database.db);
  return database;
}

async function openPostgres(url: string): Promise<{ database: Database; drop(): Promise<void> }> {
  const schema = `bench_perm_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const database = await openDatabase({ dialect: 'postgres', url, searchPath: schema, poolSize: 4 });
  await migrateToLatest(database.db);
  const started = performance.now();
  await generate(database.db, true);
  process.stderr.write(
    `PostgreSQL: built ${leadCount.toLocaleString('en')} leads in ${Math.round((performance.now() - started) / 1000)} s\n`,
  );
  return {
    database,
    async drop() {
      await database.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

type Scenario = { name: string; sort: SortField; desc: boolean; query: Record<string, string> };
const scenarios: Scenario[] = [
  { name: 'newest first', sort: 'createdAt', desc: true, query: {} },
  { name: 'by last name', sort: 'lastName', desc: false, query: { sort: 'lastName' } },
  { name: 'stage=mql, newest first', sort: 'createdAt', desc: true, query: { stage: 'mql' } },
  { name: 'q=p12', sort: 'createdAt', desc: true, query: { q: 'p12' } },
];

/** The plan of the repository's list query for a scope (the SQL the service runs, captured). */
async function planOf(database: Database, scope: LeadScope, s: Scenario): Promise<string> {
  let node: RootOperationNode | undefined;
  const capture: KyselyPlugin = {
    transformQuery(args) {
      node = args.node;
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  };
  const repo = createLeadsRepo(database.dialect);
  const where = leadsScopeCondition(scope, database.dialect);
  await repo.list(database.db.withPlugin(capture), {
    filter: {
      ...(where ? { where: [where] } : {}),
      ...(s.query.stage ? { stages: [s.query.stage] } : {}),
      ...(s.query.q ? { q: s.query.q } : {}),
    },
    sort: s.sort,
    desc: s.desc,
    limit: 51,
  });
  const compiled = database.db.getExecutor().compileQuery(node!, { queryId: 'plan' });
  const explain = database.dialect === 'postgres' ? 'explain' : 'explain query plan';
  const { rows } = await database.db.executeQuery<Record<string, unknown>>({
    ...compiled,
    sql: `${explain} ${compiled.sql}`,
  });
  return rows
    .map((r) => (database.dialect === 'postgres' ? String(r['QUERY PLAN']) : `  ${String(r.detail)}`))
    .join('\n');
}

async function measure(label: string, database: Database): Promise<void> {
  const config = parseConfig({}, { logLevel: 'silent' });
  if (!config.ok) throw new Error(config.problems.join('\n'));
  const runtime = await createRuntime(config.config, {
    database,
    migrate: false,
    logger: pino({ level: 'warn' }, pino.destination(2)),
  });
  const scopeFor = async (role: 'sales_rep' | 'sales_manager', userId: string) =>
    runtime.api.permissions.leadScope({
      kind: 'user',
      userId,
      role,
      email: `${userId}@example.test`,
      name: userId,
      sessionId: 'bench',
      csrfToken: 'bench',
    });
  const viewers: [string, LeadScope][] = [
    ['admin (every lead)', { kind: 'all' }],
    ['rep (own leads + team queue)', await scopeFor('sales_rep', 'user_5')],
    ['manager (ten reps + team queue)', await scopeFor('sales_manager', 'mgr_0')],
  ];
  for (const [who, scope] of viewers) {
    for (const s of scenarios) {
      const ms: number[] = [];
      let rows = 0;
      for (let i = 0; i < runs + 2; i++) {
        const started = performance.now();
        const page = await runtime.api.leads.list({ ...s.query, limit: 50 }, scope);
        if (i >= 2) ms.push(performance.now() - started); // two warm-up runs
        rows = page.data.length;
      }
      ms.sort((a, b) => a - b);
      const f = { p50: +percentile(ms, 50).toFixed(1), p95: +percentile(ms, 95).toFixed(1), rows };
      report(`${label} ${who}: ${s.name}`, f);
      process.stderr.write(`${`${label} ${who}: ${s.name}`.padEnd(72)} p50 ${f.p50} ms  p95 ${f.p95} ms\n`);
      if (scope.kind !== 'all' && (s.name === 'newest first' || s.name === 'stage=mql, newest first'))
        process.stderr.write(`${await planOf(database, scope, s)}\n`);
    }
    const ms: number[] = [];
    let count = 0;
    for (let i = 0; i < runs + 2; i++) {
      const started = performance.now();
      count = await runtime.api.leads.count({}, scope);
      if (i >= 2) ms.push(performance.now() - started);
    }
    ms.sort((a, b) => a - b);
    const f = { p50: +percentile(ms, 50).toFixed(1), p95: +percentile(ms, 95).toFixed(1), count };
    report(`${label} ${who}: count`, f);
    process.stderr.write(
      `${`${label} ${who}: count (${count.toLocaleString('en')})`.padEnd(72)} p50 ${f.p50} ms  p95 ${f.p95} ms\n`,
    );
  }
  await runtime.close();
}

const sqlite = await openSqlite();
await measure('SQLite', sqlite);
await sqlite.close();

if (pgUrl) {
  const postgres = await openPostgres(pgUrl);
  try {
    await measure('PostgreSQL', postgres.database);
  } finally {
    await postgres.drop();
  }
} else process.stderr.write('PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)\n');
