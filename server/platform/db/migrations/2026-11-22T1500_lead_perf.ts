// Lead performance: indexes that cost every write but serve no query are dropped or narrowed, and
// the planner gets statistics. A historical import inserts leads and touchpoints in random
// `created_at` / `occurred_at` order, so every index led by such a column is a random B-tree write
// per row (and a page written to the WAL per row at commit); indexes whose leading columns follow
// insertion order (ids, append-only times) cost little.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter.constructor.name === 'PostgresAdapter';
  // Nothing looks leads up by `merged_into`: the resolver follows a tombstone from the merged lead
  // to its survivor by primary key, and merge history lives in lead_merges.
  await db.schema.dropIndex('leads_merged_idx').ifExists().execute();
  // Owner filters name an owner (`ownerId=<user>`); "unassigned" is most leads, where walking the
  // list's sort index and skipping owned leads is as quick as an index. Only owned leads are indexed,
  // so the many leads without an owner (every imported one) cost nothing here.
  await db.schema.dropIndex('leads_owner_idx').ifExists().execute();
  await db.schema
    .createIndex('leads_owner_idx')
    .on('leads')
    .columns(['owner_id', 'created_at', 'id'])
    .where(sql.ref('owner_id'), 'is not', null)
    .execute();
  // Touchpoints by type are counted and walked by id (attribution's reclassification), never
  // ranged by time: the type alone serves those, in insertion order, instead of a random write at
  // each row's historical `occurred_at`.
  await db.schema.dropIndex('touchpoints_type_idx').ifExists().execute();
  await db.schema.createIndex('touchpoints_type_idx').on('touchpoints').column('type').execute();
  // Statistics for the planner on a database that already holds leads (SQLite has none until
  // ANALYZE runs, and without them may walk a whole index to serve one page). An empty database
  // gets them when it has grown: the bulk paths analyze, and SQLite runs `pragma optimize` on open.
  const { rows } = await sql<{ n: number }>`select count(*) as n from leads`.execute(db);
  if (Number(rows[0]?.n ?? 0) >= 1000) {
    if (postgres) await sql`analyze leads, touchpoints, lead_identities, companies`.execute(db);
    else await sql`analyze`.execute(db);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('touchpoints_type_idx').ifExists().execute();
  await db.schema
    .createIndex('touchpoints_type_idx')
    .on('touchpoints')
    .columns(['type', 'occurred_at'])
    .execute();
  await db.schema.dropIndex('leads_owner_idx').ifExists().execute();
  await db.schema.createIndex('leads_owner_idx').on('leads').columns(['owner_id', 'created_at']).execute();
  await db.schema.createIndex('leads_merged_idx').on('leads').column('merged_into').execute();
}
