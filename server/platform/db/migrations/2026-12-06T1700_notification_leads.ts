// Notifications follow their lead: a merge moves them, an erasure rewrites their texts, a deletion
// removes them. Each finds a lead's notifications through this index (activities and tasks have one).
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('notifications_lead_idx').on('notifications').columns(['lead_id']).execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see above
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('notifications_lead_idx').execute();
}
