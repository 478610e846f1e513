// Segments: saved dynamic filters and static lists, their members (kept up to date as events
// arrive) and the history of every lead entering or leaving a segment.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('segments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('kind', 'text', (c) => c.notNull()) // dynamic | static
    .addColumn('filter', 'text') // JSON (contracts/filters.ts), dynamic segments only
    .addColumn('time_window', 'integer', (c) => c.notNull()) // 1: the filter drifts with time alone
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('refreshed_at', 'bigint')
    .execute();

  await db.schema
    .createTable('segment_members')
    .addColumn('segment_id', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('segment_members_pk', ['segment_id', 'lead_id'])
    .execute();
  await db.schema.createIndex('segment_members_lead_idx').on('segment_members').column('lead_id').execute();

  await db.schema
    .createTable('segment_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('segment_id', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull()) // entered | left
    .addColumn('reason', 'text', (c) => c.notNull()) // event | refresh | manual
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('segment_history_segment_idx')
    .on('segment_history')
    .columns(['segment_id', 'at'])
    .execute();
  await db.schema
    .createIndex('segment_history_lead_idx')
    .on('segment_history')
    .columns(['lead_id', 'at'])
    .execute();

  // Behaviour conditions ("2 forms in 30 days") read touchpoints by type and time and need only
  // their lead: with lead_id in the index they never touch the table. It serves every query the
  // (type, occurred_at) index served, so that one goes.
  await db.schema
    .createIndex('touchpoints_type_time_lead_idx')
    .on('touchpoints')
    .columns(['type', 'occurred_at', 'lead_id'])
    .execute();
  await db.schema.dropIndex('touchpoints_type_idx').execute();
}
