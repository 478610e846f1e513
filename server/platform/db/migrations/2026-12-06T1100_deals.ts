// Deals: pipelines with ordered stages (win probability, kind open / won / lost) and their lost
// reasons, deals with money in minor units, the leads linked to each deal, and every stage move.
// Seeds a default pipeline.
import type { Kysely } from 'kysely';

// The default pipeline, frozen here as it was when this migration was written.
const seedStages = [
  { id: 'pst_default_qualified', name: 'Qualified', probability: 10, kind: 'open' },
  { id: 'pst_default_discovery', name: 'Discovery', probability: 25, kind: 'open' },
  { id: 'pst_default_proposal', name: 'Proposal', probability: 50, kind: 'open' },
  { id: 'pst_default_negotiation', name: 'Negotiation', probability: 75, kind: 'open' },
  { id: 'pst_default_won', name: 'Won', probability: 100, kind: 'won' },
  { id: 'pst_default_lost', name: 'Lost', probability: 0, kind: 'lost' },
];
const seedLostReasons = [
  { code: 'price', label: 'Price too high' },
  { code: 'competitor', label: 'Went with a competitor' },
  { code: 'no_decision', label: 'No decision (went dark)' },
  { code: 'no_budget', label: 'No budget' },
  { code: 'timing', label: 'Bad timing' },
  { code: 'product_fit', label: 'Product does not fit' },
  { code: 'other', label: 'Other (see the note)' },
];

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('pipelines')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('lost_reasons', 'text', (c) => c.notNull()) // JSON array of { code, label }
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('pipeline_stages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('pipeline_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('probability', 'integer', (c) => c.notNull()) // 0–100
    .addColumn('kind', 'text', (c) => c.notNull()) // open | won | lost
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('pipeline_stages_pipeline_idx')
    .on('pipeline_stages')
    .columns(['pipeline_id', 'position'])
    .execute();

  await db.schema
    .createTable('deals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('pipeline_id', 'text', (c) => c.notNull())
    .addColumn('stage_id', 'text', (c) => c.notNull())
    // Order of the cards in a column: gaps of 65,536 so a move rewrites one row, not the column.
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // open | won | lost: the kind of its stage
    .addColumn('amount', 'bigint') // minor units; null: not known yet
    .addColumn('currency', 'text')
    .addColumn('expected_close', 'text') // YYYY-MM-DD
    .addColumn('owner_id', 'text')
    .addColumn('company_id', 'text')
    .addColumn('closed_at', 'bigint') // won or lost at
    .addColumn('lost_reason_code', 'text')
    .addColumn('lost_reason_label', 'text') // as it read when the deal was lost
    .addColumn('lost_note', 'text')
    .addColumn('stage_entered_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('deals_board_idx')
    .on('deals')
    .columns(['pipeline_id', 'stage_id', 'position'])
    .execute();
  await db.schema.createIndex('deals_owner_idx').on('deals').columns(['owner_id', 'status']).execute();
  await db.schema.createIndex('deals_company_idx').on('deals').columns(['company_id']).execute();
  await db.schema.createIndex('deals_created_idx').on('deals').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('deal_leads')
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('is_primary', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('deal_leads_pk', ['deal_id', 'lead_id'])
    .execute();
  await db.schema.createIndex('deal_leads_lead_idx').on('deal_leads').columns(['lead_id']).execute();

  await db.schema
    .createTable('deal_stage_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // created | moved | won | lost | reopened
    // Stage names as they read then: a stage may be renamed or deleted later.
    .addColumn('from_stage_id', 'text')
    .addColumn('from_stage_name', 'text')
    .addColumn('to_stage_id', 'text', (c) => c.notNull())
    .addColumn('to_stage_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_label', 'text')
    .addColumn('reason', 'text')
    .execute();
  await db.schema
    .createIndex('deal_stage_history_deal_idx')
    .on('deal_stage_history')
    .columns(['deal_id', 'at'])
    .execute();

  const now = Date.now();
  await db
    .insertInto('pipelines')
    .values({
      id: 'pip_default',
      name: 'Sales pipeline',
      is_default: 1,
      lost_reasons: JSON.stringify(seedLostReasons),
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db
    .insertInto('pipeline_stages')
    .values(
      seedStages.map((s, position) => ({
        ...s,
        pipeline_id: 'pip_default',
        position,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['deal_stage_history', 'deal_leads', 'deals', 'pipeline_stages', 'pipelines']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
