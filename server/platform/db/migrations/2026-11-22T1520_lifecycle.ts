// Lifecycle: every stage transition as a history row, the versioned qualification policy with its
// approvals, durable domain events, and the score columns scoring writes on leads.
import { type Kysely, sql } from 'kysely';

// The first policy, frozen here as it was when this migration was written (no approvals: it is the seed).
const seedPolicy = {
  mql: {
    score: { minTotal: 60, minGrade: 'B' },
    handRaise: {
      forms: [],
      handRaiseForms: true,
      touchpointTypes: ['demo_requested', 'contact_sales_requested'],
    },
  },
  sql: { required: ['need', 'budget', 'authority', 'timing'] },
  rejectionReasons: [
    { code: 'not_ready', label: 'Not ready to buy yet', outcome: 'recycled' },
    { code: 'no_response', label: 'Did not respond', outcome: 'recycled' },
    { code: 'bad_timing', label: 'Timing is wrong', outcome: 'recycled' },
    { code: 'no_budget', label: 'No budget', outcome: 'disqualified' },
    { code: 'not_a_fit', label: 'Not a fit (size, industry, role)', outcome: 'disqualified' },
    { code: 'competitor', label: 'Competitor or student', outcome: 'disqualified' },
    { code: 'bad_data', label: 'Fake or unreachable contact', outcome: 'disqualified' },
  ],
};

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lead_stage_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('from_stage', 'text')
    .addColumn('to_stage', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_label', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('reason_code', 'text')
    .addColumn('policy_version', 'integer')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  // A lead's history in order; funnel and velocity reports read by stage and time.
  await db.schema
    .createIndex('lead_stage_history_lead_idx')
    .on('lead_stage_history')
    .columns(['lead_id', 'at'])
    .execute();
  await db.schema
    .createIndex('lead_stage_history_stage_idx')
    .on('lead_stage_history')
    .columns(['to_stage', 'at'])
    .execute();

  await db.schema
    .createTable('qualification_policies')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_by_id', 'text')
    .addColumn('created_by_label', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('proposed_at', 'bigint')
    .addColumn('proposed_by_id', 'text')
    .addColumn('proposed_by_label', 'text')
    .addColumn('activated_at', 'bigint')
    .addColumn('override', 'text')
    .addColumn('superseded_at', 'bigint')
    .execute();
  // At most one active version and one draft.
  await db.schema
    .createIndex('qualification_policies_one_active')
    .on('qualification_policies')
    .column('status')
    .unique()
    .where(sql.ref('status'), 'in', sql`('active', 'draft')`)
    .execute();

  await db.schema
    .createTable('qualification_policy_approvals')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('user_label', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('qualification_policy_approvals_pk', ['version', 'user_id'])
    .execute();

  await db.schema
    .createTable('domain_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('domain_events_lead_idx')
    .on('domain_events')
    .columns(['lead_id', 'id'])
    .execute();

  for (const column of ['score_fit', 'score_engagement', 'score_total'] as const) {
    await db.schema
      .alterTable('leads')
      .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  }
  await db.schema.alterTable('leads').addColumn('fit_grade', 'text').execute();

  const now = Date.now();
  await db
    .insertInto('qualification_policies')
    .values({
      version: 1,
      status: 'active',
      definition: JSON.stringify(seedPolicy),
      note: 'Default policy (created with the database; no approvals needed for the seed)',
      created_by_id: null,
      created_by_label: 'system',
      created_at: now,
      updated_at: now,
      proposed_at: null,
      proposed_by_id: null,
      proposed_by_label: null,
      activated_at: now,
      override: null,
      superseded_at: null,
    })
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('leads').dropColumn('fit_grade').execute();
  for (const column of ['score_total', 'score_engagement', 'score_fit']) {
    await db.schema.alterTable('leads').dropColumn(column).execute();
  }
  for (const table of [
    'domain_events',
    'qualification_policy_approvals',
    'qualification_policies',
    'lead_stage_history',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
