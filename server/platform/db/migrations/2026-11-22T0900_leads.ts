// Leads and identity: leads, companies, custom field definitions, identities (external and visitor
// ids), touchpoints, merges, consent history, erased-email block list, saved list views.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter.constructor.name === 'PostgresAdapter';
  // JSON that is queried (custom fields, properties) is jsonb on PostgreSQL, text on SQLite.
  const json = postgres ? sql`jsonb` : sql`text`;

  await db.schema
    .createTable('companies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('domain', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text')
    .addColumn('industry', 'text')
    .addColumn('employees', 'integer')
    .addColumn('country', 'text')
    .addColumn('owner_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('companies_name_idx').on('companies').column('name').execute();

  await db.schema
    .createTable('custom_fields')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('help_text', 'text')
    .addColumn('merge_rule', 'text', (c) => c.notNull())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('archived_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('lead_field_rules')
    .addColumn('field', 'text', (c) => c.primaryKey())
    .addColumn('merge_rule', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('leads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.unique())
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('phone', 'text')
    .addColumn('job_title', 'text')
    .addColumn('company_name', 'text')
    .addColumn('company_id', 'text')
    .addColumn('website', 'text')
    .addColumn('country', 'text')
    .addColumn('city', 'text')
    .addColumn('industry', 'text')
    .addColumn('company_size', 'integer')
    .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text')
    .addColumn('custom_fields', json, (c) => c.notNull())
    .addColumn('consent', json, (c) => c.notNull())
    .addColumn('field_times', 'text', (c) => c.notNull())
    .addColumn('search_text', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('merged_into', 'text')
    .addColumn('erased_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // Lists are ordered by a key then id; the usual filters lead these indexes.
  await db.schema.createIndex('leads_created_idx').on('leads').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('leads_updated_idx').on('leads').columns(['updated_at', 'id']).execute();
  await db.schema
    .createIndex('leads_stage_idx')
    .on('leads')
    .columns(['lifecycle_stage', 'created_at', 'id'])
    .execute();
  await db.schema.createIndex('leads_owner_idx').on('leads').columns(['owner_id', 'created_at']).execute();
  await db.schema.createIndex('leads_company_idx').on('leads').column('company_id').execute();
  await db.schema.createIndex('leads_merged_idx').on('leads').column('merged_into').execute();

  await db.schema
    .createTable('lead_identities')
    .addColumn('kind', 'text', (c) => c.notNull()) // external | visitor
    .addColumn('system', 'text', (c) => c.notNull()) // '' for visitors
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('lead_identities_pk', ['kind', 'system', 'value'])
    .execute();
  await db.schema.createIndex('lead_identities_lead_idx').on('lead_identities').column('lead_id').execute();

  await db.schema
    .createTable('touchpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text')
    .addColumn('actor_id', 'text')
    .addColumn('actor_label', 'text')
    .addColumn('properties', json, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('touchpoints_lead_idx')
    .on('touchpoints')
    .columns(['lead_id', 'occurred_at'])
    .execute();
  await db.schema
    .createIndex('touchpoints_type_idx')
    .on('touchpoints')
    .columns(['type', 'occurred_at'])
    .execute();

  await db.schema
    .createTable('lead_merges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('survivor_id', 'text', (c) => c.notNull())
    .addColumn('merged_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_label', 'text')
    .addColumn('snapshot', 'text', (c) => c.notNull())
    .addColumn('undone_at', 'bigint')
    .addColumn('undone_by', 'text')
    .execute();
  await db.schema.createIndex('lead_merges_survivor_idx').on('lead_merges').column('survivor_id').execute();
  await db.schema.createIndex('lead_merges_merged_idx').on('lead_merges').column('merged_id').execute();

  await db.schema
    .createTable('consent_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('text_version', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('consent_events_lead_idx')
    .on('consent_events')
    .columns(['lead_id', 'at'])
    .execute();

  await db.schema
    .createTable('erased_emails')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('erased_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('saved_views')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('saved_views_owner_idx')
    .on('saved_views')
    .columns(['resource', 'owner_id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'saved_views',
    'erased_emails',
    'consent_events',
    'lead_merges',
    'touchpoints',
    'lead_identities',
    'leads',
    'lead_field_rules',
    'custom_fields',
    'companies',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
