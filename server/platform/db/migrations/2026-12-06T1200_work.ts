// Sales work: activities logged on leads (calls, emails, meetings, demos, notes), tasks with
// reminders, in-app notifications as a module of their own (moved out of routing, now also about
// tasks) with per-kind email preferences, and on each assignment the first touch by sales and the
// SLA warning sent before the deadline.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('activities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('deal_id', 'text') // the deal it belongs to, when deals log activities
    .addColumn('type', 'text', (c) => c.notNull()) // call | email | meeting | demo | note
    .addColumn('outcome', 'text') // depends on the type; null for notes
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_minutes', 'integer')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text')
    .addColumn('author_label', 'text', (c) => c.notNull())
    // 1 when logged by sales (a rep, a manager, an admin or an API key), not marketing: only those
    // count as the first touch after an assignment.
    .addColumn('by_sales', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('activities_lead_idx')
    .on('activities')
    .columns(['lead_id', 'occurred_at'])
    .execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('remind_at', 'bigint')
    // The reminder's durable job: a job whose id is no longer here was rescheduled or cancelled.
    .addColumn('reminder_job_id', 'text')
    .addColumn('reminded_at', 'bigint')
    .addColumn('assignee_id', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull()) // open | done
    .addColumn('done_at', 'bigint')
    .addColumn('done_by', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('tasks_assignee_idx')
    .on('tasks')
    .columns(['assignee_id', 'status', 'due_at'])
    .execute();
  await db.schema
    .createIndex('tasks_lead_idx')
    .on('tasks')
    .columns(['lead_id', 'status', 'due_at'])
    .execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // lead.assigned | sla.warning | sla.escalated | task.reminder
    .addColumn('lead_id', 'text')
    .addColumn('task_id', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('notifications_user_idx')
    .on('notifications')
    .columns(['user_id', 'created_at'])
    .execute();
  await sql`
    insert into notifications (id, user_id, kind, lead_id, task_id, title, body, created_at, read_at)
    select id, user_id, type, lead_id, null, title, body, created_at, read_at from routing_notifications
  `.execute(db);
  await db.schema.dropTable('routing_notifications').execute();

  // A row only where a user changed the default (email on for every kind).
  await db.schema
    .createTable('notification_preferences')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('email', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_preferences_pk', ['user_id', 'kind'])
    .execute();

  await db.schema.alterTable('lead_assignments').addColumn('sla_warned_at', 'bigint').execute();
  await db.schema.alterTable('lead_assignments').addColumn('first_touch_at', 'bigint').execute();
  await db.schema.alterTable('lead_assignments').addColumn('first_touch_activity_id', 'text').execute();
  // Business minutes from assignment to the first touch (the SLA's clock).
  await db.schema.alterTable('lead_assignments').addColumn('first_touch_minutes', 'integer').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('lead_assignments').dropColumn('first_touch_minutes').execute();
  await db.schema.alterTable('lead_assignments').dropColumn('first_touch_activity_id').execute();
  await db.schema.alterTable('lead_assignments').dropColumn('first_touch_at').execute();
  await db.schema.alterTable('lead_assignments').dropColumn('sla_warned_at').execute();
  await db.schema.dropTable('notification_preferences').execute();
  await db.schema
    .createTable('routing_notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('routing_notifications_user_idx')
    .on('routing_notifications')
    .columns(['user_id', 'created_at'])
    .execute();
  await sql`
    insert into routing_notifications (id, user_id, type, lead_id, title, body, created_at, read_at)
    select id, user_id, kind, lead_id, title, body, created_at, read_at from notifications
    where kind in ('lead.assigned', 'sla.escalated')
  `.execute(db);
  await db.schema.dropTable('notifications').execute();
  await db.schema.dropTable('tasks').execute();
  await db.schema.dropTable('activities').execute();
}
