// Handoff routing: teams (the pools rules route to) and their members with round-robin state,
// reps' availability and capacity, ordered routing rules with their SLA, every assignment made,
// in-app notifications and the routing settings (business hours).
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('routing_teams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('manager_id', 'text')
    // Round-robin virtual time: the pass of the last member picked (see routing.service.ts).
    .addColumn('rr_clock', 'bigint', (c) => c.notNull())
    .addColumn('rr_turns', 'bigint', (c) => c.notNull()) // picks made so far
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('routing_team_members')
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('weight', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    // Round-robin state (stride scheduling): the member with the lowest pass is next.
    .addColumn('rr_pass', 'bigint', (c) => c.notNull())
    .addColumn('rr_last', 'bigint', (c) => c.notNull()) // the team's turn number when last picked (ties: longest waiting first)
    .addPrimaryKeyConstraint('routing_team_members_pk', ['team_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('routing_team_members_user_idx')
    .on('routing_team_members')
    .columns(['user_id'])
    .execute();

  await db.schema
    .createTable('routing_reps')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('out_until', 'bigint') // out of office until (epoch ms)
    .addColumn('capacity', 'integer') // max open leads; null: no limit
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('routing_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('condition', 'text') // filter-language JSON; null on the default rule
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('team_id', 'text')
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text')
    .addColumn('sla_minutes', 'integer')
    .addColumn('sla_action', 'text', (c) => c.notNull()) // escalate | reassign | escalate_reassign
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('lead_assignments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text') // null: in the team's unassigned queue
    .addColumn('team_id', 'text')
    .addColumn('rule_id', 'text')
    .addColumn('rule_name', 'text')
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // open | queued | accepted | rejected | reassigned | closed
    .addColumn('assigned_at', 'bigint', (c) => c.notNull())
    .addColumn('sla_due_at', 'bigint')
    .addColumn('escalated_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('closed_by', 'text')
    .addColumn('response_ms', 'bigint') // assignment → first touch by sales (accept or reject)
    .addColumn('reason_code', 'text')
    .addColumn('note', 'text')
    .execute();
  await db.schema
    .createIndex('lead_assignments_lead_idx')
    .on('lead_assignments')
    .columns(['lead_id', 'assigned_at'])
    .execute();
  await db.schema
    .createIndex('lead_assignments_status_idx')
    .on('lead_assignments')
    .columns(['status', 'owner_id'])
    .execute();

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

  await db.schema
    .createTable('routing_settings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
