// Who sees which lead: a sales person's lead list starts from their own leads (the owner index)
// and their teams' unassigned queues. The queues are read by team on every scoped list, count and
// export; only queued assignments are indexed, so the index stays as small as the queues are.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('lead_assignments_queue_idx')
    .on('lead_assignments')
    .columns(['team_id', 'lead_id'])
    .where(sql.ref('status'), '=', 'queued')
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('lead_assignments_queue_idx').ifExists().execute();
}
