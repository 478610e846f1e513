// Attribution: channel rule versions and their draft, reclassification runs, campaigns with their
// utm_campaign keys and costs; the columns analytics groups touchpoints by (channel, campaign, UTM,
// rule version) and each lead's first and last touch.
import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('channel_rule_versions')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('published_at', 'bigint', (c) => c.notNull())
    .addColumn('published_by', 'text')
    .execute();

  // One shared draft (id 'draft'): marketing edits it, then publishes it as the next version.
  await db.schema
    .createTable('channel_rule_draft')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('based_on', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();

  await db.schema
    .createTable('attribution_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text', (c) => c.notNull()) // publish | campaign
    .addColumn('rule_version', 'integer', (c) => c.notNull())
    .addColumn('campaign_keys', 'text') // JSON array: only touchpoints with these utm_campaign values
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('done', 'bigint', (c) => c.notNull())
    .addColumn('changed', 'bigint', (c) => c.notNull())
    .addColumn('leads_updated', 'bigint', (c) => c.notNull())
    .addColumn('checkpoint', 'text') // the last touchpoint id handled
    .addColumn('message', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('attribution_runs_created_idx')
    .on('attribution_runs')
    .columns(['created_at', 'id'])
    .execute();

  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('start_date', 'text') // YYYY-MM-DD
    .addColumn('end_date', 'text')
    .addColumn('description', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('campaigns_created_idx')
    .on('campaigns')
    .columns(['created_at', 'id'])
    .execute();

  // A utm_campaign value (lower-cased) belongs to at most one campaign.
  await db.schema
    .createTable('campaign_keys')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('campaign_keys_campaign_idx')
    .on('campaign_keys')
    .column('campaign_id')
    .execute();

  await db.schema
    .createTable('campaign_costs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull()) // YYYY-MM-DD
    .addColumn('amount', 'bigint', (c) => c.notNull()) // minor units
    .addColumn('currency', 'text', (c) => c.notNull()) // ISO 4217
    .addColumn('note', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('campaign_costs_campaign_idx')
    .on('campaign_costs')
    .columns(['campaign_id', 'date'])
    .execute();

  // One ALTER per column: SQLite adds a single column per statement (and never rewrites the table).
  for (const [column, type] of [
    ['channel', 'text'],
    ['campaign_id', 'text'],
    ['utm_source', 'text'],
    ['utm_medium', 'text'],
    ['utm_campaign', 'text'],
    ['rule_version', 'integer'],
  ] as const) {
    await db.schema.alterTable('touchpoints').addColumn(column, type).execute();
  }
  // Partial indexes: only touches (a minority of touchpoints: visit starts, not every page view,
  // update or stage change) pay their write cost.
  // Touches per channel over time: the analytics group by channel within a period.
  await db.schema
    .createIndex('touchpoints_channel_idx')
    .on('touchpoints')
    .columns(['channel', 'occurred_at'])
    .where(sql.ref('channel'), 'is not', null)
    .execute();
  // A campaign's touches (campaign totals, ROI by period).
  await db.schema
    .createIndex('touchpoints_campaign_idx')
    .on('touchpoints')
    .columns(['campaign_id', 'occurred_at'])
    .where(sql.ref('campaign_id'), 'is not', null)
    .execute();
  // Touches of a utm_campaign value: reclassifying them when a campaign's keys change, and
  // reports by utm_campaign, without walking all touchpoints.
  await db.schema
    .createIndex('touchpoints_utm_campaign_idx')
    .on('touchpoints')
    .column('utm_campaign')
    .where(sql.ref('utm_campaign'), 'is not', null)
    .execute();

  for (const [column, type] of [
    ['first_touch', 'text'],
    ['first_touch_channel', 'text'],
    ['first_touch_campaign_id', 'text'],
    ['first_touch_at', 'bigint'],
    ['last_touch', 'text'],
    ['last_touch_channel', 'text'],
    ['last_touch_campaign_id', 'text'],
    ['last_touch_at', 'bigint'],
  ] as const) {
    await db.schema.alterTable('leads').addColumn(column, type).execute();
  }
  // Leads by first-touch channel, by creation (cohorts, the list filter firstTouchChannel=).
  await db.schema
    .createIndex('leads_first_touch_channel_idx')
    .on('leads')
    .columns(['first_touch_channel', 'created_at'])
    .where(sql.ref('first_touch_channel'), 'is not', null)
    .execute();
  // A campaign's first-touched leads (its lead count, its leads list).
  await db.schema
    .createIndex('leads_first_touch_campaign_idx')
    .on('leads')
    .column('first_touch_campaign_id')
    .where(sql.ref('first_touch_campaign_id'), 'is not', null)
    .execute();
  // No index on last touch yet: nothing groups or filters by it.
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('leads_first_touch_campaign_idx').ifExists().execute();
  await db.schema.dropIndex('leads_first_touch_channel_idx').ifExists().execute();
  for (const column of [
    'first_touch',
    'first_touch_channel',
    'first_touch_campaign_id',
    'first_touch_at',
    'last_touch',
    'last_touch_channel',
    'last_touch_campaign_id',
    'last_touch_at',
  ]) {
    await db.schema.alterTable('leads').dropColumn(column).execute();
  }
  await db.schema.dropIndex('touchpoints_utm_campaign_idx').ifExists().execute();
  await db.schema.dropIndex('touchpoints_campaign_idx').ifExists().execute();
  await db.schema.dropIndex('touchpoints_channel_idx').ifExists().execute();
  for (const column of [
    'channel',
    'campaign_id',
    'utm_source',
    'utm_medium',
    'utm_campaign',
    'rule_version',
  ]) {
    await db.schema.alterTable('touchpoints').dropColumn(column).execute();
  }
  for (const table of [
    'campaign_costs',
    'campaign_keys',
    'campaigns',
    'attribution_runs',
    'channel_rule_draft',
    'channel_rule_versions',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
