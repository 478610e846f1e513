// Forms: the builder's forms, every version of their consent texts, and their submissions (with
// the render token each used, so a token works once).
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('forms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // draft | published | archived
    .addColumn('definition', 'text', (c) => c.notNull()) // JSON: fields, consents, settings
    .addColumn('hubspot_form_guid', 'text', (c) => c.unique())
    .addColumn('submission_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('spam_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_submission_at', 'bigint')
    .addColumn('published_at', 'bigint')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('form_consent_versions')
    .addColumn('id', 'text', (c) => c.primaryKey()) // the textVersion leads record: <form id>/<key>/v<n>
    .addColumn('form_id', 'text', (c) => c.notNull())
    .addColumn('consent_key', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('form_consent_versions_key_idx')
    .on('form_consent_versions')
    .columns(['form_id', 'consent_key', 'version'])
    .unique()
    .execute();

  await db.schema
    .createTable('form_submissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('form_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // accepted | pending | confirmed | spam
    .addColumn('spam_reason', 'text')
    .addColumn('disposable', 'integer', (c) => c.notNull())
    .addColumn('lead_id', 'text')
    .addColumn('email', 'text')
    .addColumn('data', 'text', (c) => c.notNull()) // JSON: values by field key
    .addColumn('consents', 'text', (c) => c.notNull()) // JSON: key → { purpose, given, textVersion }
    .addColumn('page_url', 'text')
    .addColumn('utm', 'text', (c) => c.notNull()) // JSON
    .addColumn('visitor_id', 'text')
    .addColumn('via', 'text', (c) => c.notNull()) // hosted | embed | api | hubspot
    .addColumn('token_id', 'text', (c) => c.unique())
    .addColumn('ip_hash', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('form_submissions_form_idx')
    .on('form_submissions')
    .columns(['form_id', 'id'])
    .execute();
  await db.schema.createIndex('form_submissions_lead_idx').on('form_submissions').column('lead_id').execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('form_submissions').execute();
  await db.schema.dropTable('form_consent_versions').execute();
  await db.schema.dropTable('forms').execute();
}
