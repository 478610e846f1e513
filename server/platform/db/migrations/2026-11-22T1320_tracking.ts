// Tracking: anonymous visitors' events (kept until the visitor is identified), the record of every
// identity stitch (visitor → lead, undoable), and the tracking settings.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('visitor_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visitor_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull()) // page_viewed | event
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('properties', 'text', (c) => c.notNull()) // JSON, never queried inside
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  // Stitching reads one visitor's events. Retention deletes the oldest by id (ids start with the
  // time they were made), so no index on received_at slows the hot insert path.
  await db.schema
    .createIndex('visitor_events_visitor_idx')
    .on('visitor_events')
    .columns(['visitor_id', 'occurred_at'])
    .execute();

  await db.schema
    .createTable('visitor_stitches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visitor_id', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull()) // identify | form | api
    .addColumn('outcome', 'text', (c) => c.notNull()) // linked | separate_person | same_person
    .addColumn('previous_lead_id', 'text')
    .addColumn('event_count', 'integer', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('actor_label', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('undone_at', 'bigint')
    .addColumn('undone_by', 'text')
    .addColumn('undone_events', 'integer')
    .execute();
  await db.schema
    .createIndex('visitor_stitches_visitor_idx')
    .on('visitor_stitches')
    .columns(['visitor_id', 'at'])
    .execute();
  await db.schema.createIndex('visitor_stitches_lead_idx').on('visitor_stitches').column('lead_id').execute();
  await db.schema
    .createIndex('visitor_stitches_previous_idx')
    .on('visitor_stitches')
    .column('previous_lead_id')
    .execute();

  await db.schema
    .createTable('tracking_settings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('allowed_domains', 'text', (c) => c.notNull())
    .addColumn('require_consent', 'integer', (c) => c.notNull())
    .addColumn('same_browser_same_person', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['tracking_settings', 'visitor_stitches', 'visitor_events']) {
    await db.schema.dropTable(t).execute();
  }
}
