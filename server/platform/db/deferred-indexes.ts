/**
 * Secondary indexes that a bulk load may set aside and build again when it is done (SQLite).
 *
 * Every lead an import creates adds an entry to indexes whose order is nothing like the file's:
 * created time, stage, company, first-touch channel, the touchpoints' channel and time. Once such
 * an index outgrows the page cache, each entry costs a page read and, at the next commit, a page
 * written to the WAL: a million imported leads spent most of their time there. Building the same
 * index afterwards is one sort. Only indexes whose absence makes a query slower, never wrong, are
 * deferrable: primary keys and unique indexes (the identity resolver's guarantees) always stay,
 * and so do the indexes that find a lead's rows by its id, which the load itself reads.
 *
 * The definitions of the dropped indexes are recorded in `deferred_indexes` in the transaction that
 * drops them, so nothing is lost to a crash: `restoreDeferredIndexes` builds back whatever is
 * recorded, at the end of the load and at every start.
 */
import { sql } from 'kysely';
import type { Database } from './db.ts';

/**
 * The indexes a bulk load of leads may defer: random-order, non-unique, not read by the load. (The
 * partial indexes on campaigns stay: imported rows rarely have one, so they cost the load nothing,
 * while building one again reads its whole table.)
 */
export const deferrableIndexes: readonly string[] = [
  'leads_created_idx',
  'leads_stage_idx',
  'leads_company_idx',
  'leads_owner_idx',
  'leads_first_touch_channel_idx',
  'touchpoints_channel_idx',
  'touchpoints_type_time_facts_idx',
  'lead_stage_history_stage_idx',
];

/**
 * Drops the deferrable indexes not already deferred and records them under `owner`; returns their
 * names. A no-op on PostgreSQL, where nothing is deferred.
 */
export async function deferIndexes(database: Database, owner: string, at: number): Promise<string[]> {
  if (database.dialect !== 'sqlite') return [];
  return database.db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ name: string; sql: string }>`
      select name, sql from sqlite_master
      where type = 'index' and sql is not null and name in (${sql.join(deferrableIndexes)})
    `.execute(tx);
    for (const index of rows) {
      await tx
        .insertInto('deferred_indexes')
        .values({ name: index.name, definition: index.sql, owner, deferred_at: at })
        .execute();
      await sql`drop index ${sql.ref(index.name)}`.execute(tx);
    }
    return rows.map((r) => r.name);
  });
}

async function hasTable(database: Database): Promise<boolean> {
  const { rows } = await sql`
    select 1 from sqlite_master where type = 'table' and name = 'deferred_indexes'
  `.execute(database.db);
  return rows.length > 0;
}

/** Who has indexes set aside (an import's id). */
export async function deferredIndexOwners(database: Database): Promise<Set<string>> {
  if (database.dialect !== 'sqlite' || !(await hasTable(database))) return new Set();
  const rows = await database.db.selectFrom('deferred_indexes').select('owner').distinct().execute();
  return new Set(rows.map((r) => r.owner));
}

/** Page cache (and so sort buffer) while building deferred indexes, in KiB. */
const buildCacheKb = 4 * 1024;
/** Helper threads SQLite's sorter may use while building them (its default is none). */
const buildThreads = 2;

/**
 * Builds the deferred indexes again (those of `owner`, or all of them), one transaction each so a
 * crash midway keeps the rest recorded; `between` runs after each one (a job renews its lease and
 * lets requests in: building one index over a million rows takes a few seconds). Returns their names.
 */
export async function restoreDeferredIndexes(
  database: Database,
  o: { owner?: string; between?: () => Promise<void> } = {},
): Promise<string[]> {
  if (database.dialect !== 'sqlite' || !(await hasTable(database))) return [];
  const db = database.db;
  let q = db.selectFrom('deferred_indexes').select(['name', 'definition']).orderBy('name');
  if (o.owner !== undefined) q = q.where('owner', '=', o.owner);
  const deferred = await q.execute();
  if (deferred.length === 0) return [];
  // Building an index sorts every entry, spilling what does not fit its buffer to temporary files:
  // with temporary storage in memory, those would be the process's memory too. Files it is, for
  // the build. The buffer is as large as the page cache (64 MB), on top of it, and each helper
  // thread of the sort has one: a small cache while building keeps them small, and sorts faster.
  // A million-lead load's eight builds took 13.5 s with 16 MB instead of 17.2 s with 64 MB; with
  // 4 MB and two helper threads 9.3–11.0 s instead of 11.1–13.6 s with 16 MB, and the process's
  // peak grew by 14 MB during them instead of 50 (three runs against four, interleaved). Two helper
  // threads sort faster than none (5.8 s instead of 7.0 s, 6.6 s instead of 9.5 s from a cold
  // cache). The connection's own settings come back afterwards.
  const [usual] = await sql<{ cache_size: number; temp_store: number; threads: number }>`
    select * from pragma_cache_size(), pragma_temp_store(), pragma_threads()
  `
    .execute(db)
    .then((r) => r.rows);
  await sql`pragma temp_store = FILE`.execute(db);
  await sql.raw(`pragma cache_size = ${-buildCacheKb}`).execute(db);
  await sql.raw(`pragma threads = ${buildThreads}`).execute(db);
  try {
    for (const index of deferred) {
      await db.transaction().execute(async (tx) => {
        // The definition is SQLite's own text of a CREATE INDEX statement, read back from its catalog.
        await sql.raw(index.definition.replace(/^CREATE INDEX /i, 'CREATE INDEX IF NOT EXISTS ')).execute(tx);
        await tx.deleteFrom('deferred_indexes').where('name', '=', index.name).execute();
      });
      await o.between?.();
    }
  } finally {
    if (usual) {
      await sql.raw(`pragma temp_store = ${Number(usual.temp_store)}`).execute(db);
      await sql.raw(`pragma cache_size = ${Number(usual.cache_size)}`).execute(db);
      await sql.raw(`pragma threads = ${Number(usual.threads)}`).execute(db);
    }
  }
  return deferred.map((r) => r.name);
}
