// Segment counts on SQLite (a saved segment's count, the editor's live preview): the compiled
// filter is counted over every live lead, so what it reads per lead decides its speed.
//
// - Leads: two partial covering indexes over live leads, one with the fields filters use most,
//   one with the custom fields, each led by the id (new leads append to them, as they do to the
//   table, instead of a random write per row). A count whose filter names only fields of one of
//   them scans it instead of the table's wide rows (names, consent, field times, search text,
//   touches…); a behaviour condition's semi-join probes them by id. merged_into and erased_at are
//   in them so that SQLite sees they cover the query. Two, not one: with the custom fields' JSON in
//   it, SQLite's planner (with ANALYZE's samples) judges one wide index no cheaper than the table.
// - Touchpoints: the (type, occurred_at, lead_id) index also carries each touchpoint's key fact
//   as text, read once when it is written: a page view's page.path, a form submission's form.slug,
//   a custom event's name. Behaviour conditions on those ("3 pricing views in 30 days", "a demo
//   request in 90 days") are answered from the index without reading any touchpoint's JSON. The
//   expression is repeated in server/modules/filters/sql.ts (`touchpointFact`), which must write
//   it the same way for SQLite to use the index; a test checks the query plan.
//
// PostgreSQL keeps its indexes: its planner counts with the existing ones and parallel scans.
import { type Kysely, sql } from 'kysely';

const fact = `(case type when 'page_viewed' then case when json_type(properties, '$."page"."path"') = 'text' then json_extract(properties, '$."page"."path"') end when 'form_submitted' then case when json_type(properties, '$."form"."slug"') = 'text' then json_extract(properties, '$."form"."slug"') end when 'event' then case when json_type(properties, '$."name"') = 'text' then json_extract(properties, '$."name"') end end)`;

const live = 'where merged_into is null and erased_at is null';
const leadIndexes = {
  leads_live_fields_idx: [
    'id',
    'lifecycle_stage',
    'country',
    'industry',
    'company_size',
    'job_title',
    'source',
    'owner_id',
    'company_id',
    'first_touch_channel',
    'last_touch_channel',
    'created_at',
    'merged_into',
    'erased_at',
  ],
  leads_live_custom_idx: ['id', 'custom_fields', 'merged_into', 'erased_at'],
};

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter.constructor.name === 'PostgresAdapter';

// biome-ignore lint/suspicious/noExplicitAny: see isPostgres
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  for (const [name, columns] of Object.entries(leadIndexes))
    await sql.raw(`create index ${name} on leads (${columns.join(', ')}) ${live}`).execute(db);
  await sql
    .raw(`create index touchpoints_type_time_facts_idx on touchpoints (type, occurred_at, lead_id, ${fact})`)
    .execute(db);
  // It serves every query the narrower one served.
  await db.schema.dropIndex('touchpoints_type_time_lead_idx').ifExists().execute();
  // Statistics for the new indexes where there is data (a sample: a full pass over millions of
  // touchpoints is not needed to rank two indexes).
  const { rows } = await sql<{ n: number }>`select count(*) as n from leads`.execute(db);
  if (Number(rows[0]?.n ?? 0) >= 1000) {
    await sql`pragma analysis_limit = 2000`.execute(db);
    for (const name of Object.keys(leadIndexes)) await sql.raw(`analyze ${name}`).execute(db);
    await sql`analyze touchpoints_type_time_facts_idx`.execute(db);
    await sql`pragma analysis_limit = 0`.execute(db);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: see isPostgres
export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  await db.schema
    .createIndex('touchpoints_type_time_lead_idx')
    .on('touchpoints')
    .columns(['type', 'occurred_at', 'lead_id'])
    .execute();
  await db.schema.dropIndex('touchpoints_type_time_facts_idx').ifExists().execute();
  for (const name of Object.keys(leadIndexes)) await db.schema.dropIndex(name).ifExists().execute();
}
