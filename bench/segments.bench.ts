/**
 * Segment counts over 1,000,000 leads and 10,000,000 touchpoints on SQLite (BENCH_SEGMENT_LEADS
 * to change the size; touchpoints are ten times that): the compiled filter counted through the
 * segments repository (what `GET /api/v1/segments/:id/count` and the editor's live preview run),
 * for a field-only filter, a custom field, behaviour with a count and a window, behaviour on a
 * property path, and a nested mix; p50/p95 of 15 runs each, beside `SELECT count(*) FROM leads`
 * and the same count restricted to live leads, in the same run.
 *
 * The data is written straight into the migrated schema with prepared statements (not over HTTP)
 * and kept in $TMPDIR/leadloop-bench-segments/ between runs; delete that folder to rebuild it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Filter } from '../contracts/filters.ts';
import { buildCatalog, createCompiler } from '../server/modules/filters/index.ts';
import { createSegmentsRepo } from '../server/modules/segments/segments.repo.ts';
import { openDatabase } from '../server/platform/db/db.ts';
import { migrateToLatest } from '../server/platform/db/migrate.ts';
import { percentile, report } from './lib.ts';

const leadCount = Number(process.env.BENCH_SEGMENT_LEADS ?? 1_000_000);
const perLead = 10;
const dir = path.join(tmpdir(), 'leadloop-bench-segments');
const file = path.join(dir, `segments-v2-${leadCount}.sqlite`);
const now = Date.UTC(2026, 10, 22, 9, 0, 0);
const day = 86_400_000;

// A small deterministic generator, so every build is the same data.
let seed = 42;
function rand(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;

const countries = ['DE', 'AT', 'CH', 'FR', 'US', 'GB', 'NL', 'ES', 'IT', 'SE', 'PL', 'BR', 'IN', 'JP', 'CA'];
const stages = ['subscriber', 'lead', 'lead', 'lead', 'mql', 'sql', 'customer'];
const plans = ['Free', 'Free', 'Free', 'Pro', 'Pro', 'Enterprise'];
const paths = ['/', '/blog/a', '/blog/b', '/docs', '/pricing', '/pricing/enterprise', '/about', '/careers'];
const forms = ['demo-request', 'newsletter', 'ebook'];

async function build(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const database = await openDatabase({ dialect: 'sqlite', file: `${file}.building` });
  await migrateToLatest(database.db);
  const raw = database.sqlite!;
  raw.pragma('journal_mode = OFF');
  raw.pragma('synchronous = OFF');
  const started = performance.now();
  // Indexes are built once at the end (the same definitions the migrations create).
  const indexes = raw
    .prepare(
      `select name, sql from sqlite_master where type = 'index' and tbl_name in ('leads', 'touchpoints') and sql is not null`,
    )
    .all() as { name: string; sql: string }[];
  for (const i of indexes) raw.exec(`drop index ${i.name}`);
  const insertLead = raw.prepare(`insert into leads (id, email, first_name, last_name, country, company_size,
    lifecycle_stage, custom_fields, consent, field_times, search_text, source, created_at, updated_at,
    first_touch_channel) values (?, ?, null, null, ?, ?, ?, ?, '{}', '{}', '', 'import', ?, ?, ?)`);
  const insertTp =
    raw.prepare(`insert into touchpoints (id, lead_id, type, occurred_at, source, properties, created_at)
    values (?, ?, ?, ?, 'tracking', ?, ?)`);
  const leadsTx = raw.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const id = `lead_${String(i).padStart(8, '0')}`;
      const created = now - Math.floor(rand() * 730 * day);
      const custom = JSON.stringify({ plan: pick(plans), seats: Math.floor(rand() * 500) });
      insertLead.run(
        id,
        `p${i}@example.test`,
        pick(countries),
        rand() < 0.1 ? null : Math.floor(rand() * 5000),
        pick(stages),
        custom,
        created,
        created,
        pick(['email', 'organic_search', 'paid_search', 'direct']),
      );
    }
  });
  for (let i = 0; i < leadCount; i += 50_000) leadsTx(i, Math.min(leadCount, i + 50_000));
  // Touchpoints arrive over time, so the table holds them in time order (as it does in use): a
  // year of days, each with its share of the touchpoints, spread over random leads.
  let tp = 0;
  const total = leadCount * perLead;
  const days = 365;
  const tpTx = raw.transaction((d: number) => {
    const n = Math.round(total / days) + (d === 0 ? total - Math.round(total / days) * days : 0);
    const dayStart = now - (d + 1) * day;
    const times = Array.from({ length: n }, () => dayStart + Math.floor(rand() * day)).sort((a, b) => a - b);
    for (const at of times) {
      const leadId = `lead_${String(Math.floor(rand() * leadCount)).padStart(8, '0')}`;
      const r = rand();
      let type: string;
      let props: unknown;
      if (r < 0.7) {
        type = 'page_viewed';
        const p = pick(paths);
        props = { page: { path: p, url: `https://www.example.test${p}` } };
      } else if (r < 0.75) {
        type = 'form_submitted';
        props = { form: { slug: pick(forms) } };
      } else if (r < 0.9) {
        type = 'event';
        props = { name: pick(['signup', 'invite', 'upgrade']), props: { plan: pick(plans) } };
      } else {
        type = 'email_opened';
        props = {};
      }
      insertTp.run(`tp_${String(tp++).padStart(9, '0')}`, leadId, type, at, JSON.stringify(props), at);
    }
  });
  for (let d = days - 1; d >= 0; d--) tpTx(d);
  const inserted = performance.now();
  for (const i of indexes) raw.exec(i.sql);
  raw.exec('analyze');
  await database.close();
  const { renameSync } = await import('node:fs');
  renameSync(`${file}.building`, file);
  process.stderr.write(
    `built ${leadCount} leads and ${tp} touchpoints in ${Math.round((performance.now() - started) / 1000)} s (inserts ${Math.round((inserted - started) / 1000)} s)\n`,
  );
}

if (!existsSync(file)) await build();

const database = await openDatabase({ dialect: 'sqlite', file });
await migrateToLatest(database.db);
const catalog = buildCatalog([
  { key: 'plan', label: 'Plan', type: 'select', options: ['Free', 'Pro', 'Enterprise'] },
  { key: 'seats', label: 'Seats', type: 'number', options: [] },
]);
const compiler = createCompiler('sqlite', catalog);
const repo = createSegmentsRepo();

const filters: Record<string, Filter> = {
  'field only (country in DACH, size ≥ 200)': {
    all: [
      { field: 'country', op: 'in', value: ['DE', 'AT', 'CH'] },
      { field: 'companySize', op: 'gte', value: 200 },
    ],
  },
  'custom field (plan = Enterprise)': { field: 'customFields.plan', op: 'eq', value: 'Enterprise' },
  'behaviour: ≥ 2 forms within 30 days': {
    behavior: { type: 'form_submitted', count: { op: 'gte', value: 2 }, withinDays: 30 },
  },
  'behaviour: ≥ 3 /pricing* views within 30 days': {
    behavior: {
      type: 'page_viewed',
      where: [{ path: 'page.path', op: 'matches', value: '/pricing*' }],
      count: { op: 'gte', value: 3 },
      withinDays: 30,
    },
  },
  'nested: (DACH or Enterprise) and a demo request within 90 days and not customer': {
    all: [
      {
        any: [
          { field: 'country', op: 'in', value: ['DE', 'AT', 'CH'] },
          { field: 'customFields.plan', op: 'eq', value: 'Enterprise' },
        ],
      },
      {
        behavior: {
          type: 'form_submitted',
          where: [{ path: 'form.slug', op: 'eq', value: 'demo-request' }],
          withinDays: 90,
        },
      },
      { not: { field: 'lifecycleStage', op: 'eq', value: 'customer' } },
    ],
  },
};

/**
 * Wall time, and this process's CPU time (what a busy neighbour on a shared machine inflates much
 * less: the count runs on this thread, so wall ≈ CPU on a free core).
 */
async function measure(
  run: () => Promise<number>,
  runs = 15,
): Promise<{ p50: number; p95: number; cpuP50: number; cpuP95: number; count: number }> {
  let count = 0;
  for (let i = 0; i < 2; i++) count = await run();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    count = await run();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return {
    p50: Math.round(percentile(times, 50)),
    p95: Math.round(percentile(times, 95)),
    cpuP50: Math.round(percentile(cpu, 50)),
    cpuP95: Math.round(percentile(cpu, 95)),
    count,
  };
}

const db = database.db;
const { sql } = await import('kysely');
const baseline = await measure(async () => {
  const r = await sql<{ n: number }>`select count(*) as n from leads`.execute(db);
  return Number(r.rows[0]!.n);
});
report('segments: baseline select count(*) from leads', { leads: leadCount, ...baseline });
const live = await measure(async () => repo.countMatching(db, sql`1 = 1`));
report('segments: baseline live leads (merged/erased excluded)', { leads: leadCount, ...live });
for (const [name, filter] of Object.entries(filters)) {
  const where = compiler.compile(filter, now);
  const m = await measure(async () => repo.countMatching(db, where));
  report(`segments: count, ${name}`, {
    leads: leadCount,
    touchpoints: leadCount * perLead,
    ...m,
    targetP95: 500,
  });
}
await database.close();
