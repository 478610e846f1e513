// Scoring: model versions (draft → published → retired), per-lead scoring state (event times per
// engagement rule, so decay is computed from them rather than rewritten), and score history.
import { type Kysely, sql } from 'kysely';

// The first published model, frozen here as it was when this migration was written. It favours
// what the demo data's ground truth favours (mid-size software and finance companies, senior
// buyers, demo and contact-sales requests, pricing visits, trials), so engaged good-fit leads
// cross the default policy (total ≥ 60, grade ≥ B).
const seedModel = {
  fit: {
    rules: [
      {
        id: 'size-sweet-spot',
        name: 'Company of 200–5,000 people',
        filter: { field: 'companySize', op: 'between', value: [200, 5000] },
        points: 20,
      },
      {
        id: 'size-mid',
        name: 'Company of 51–199 people',
        filter: { field: 'companySize', op: 'between', value: [51, 199] },
        points: 10,
      },
      {
        id: 'size-tiny',
        name: 'Company of 10 people or fewer',
        filter: { field: 'companySize', op: 'lte', value: 10 },
        points: -15,
      },
      {
        id: 'industry',
        name: 'Software or finance',
        filter: { field: 'industry', op: 'in', value: ['Software', 'Finance'] },
        points: 15,
      },
      {
        id: 'senior',
        name: 'Senior buyer (VP, director, head, chief)',
        filter: {
          any: [
            { field: 'jobTitle', op: 'startsWith', value: 'VP ' },
            { field: 'jobTitle', op: 'startsWith', value: 'SVP ' },
            { field: 'jobTitle', op: 'contains', value: 'vice president' },
            { field: 'jobTitle', op: 'contains', value: 'director' },
            { field: 'jobTitle', op: 'contains', value: 'head of' },
            { field: 'jobTitle', op: 'contains', value: 'chief' },
            { field: 'jobTitle', op: 'in', value: ['CEO', 'CTO', 'CFO', 'CMO', 'COO', 'CIO'] },
          ],
        },
        points: 15,
      },
      {
        id: 'student',
        name: 'Student or intern',
        filter: {
          any: [
            { field: 'jobTitle', op: 'contains', value: 'student' },
            { field: 'jobTitle', op: 'contains', value: 'intern' },
          ],
        },
        points: -25,
      },
      {
        id: 'channel',
        name: 'Came from events, referral or paid search',
        filter: { field: 'firstTouchChannel', op: 'in', value: ['events', 'referral', 'paid_search'] },
        points: 5,
      },
    ],
    grades: { A: 40, B: 25, C: 10 },
  },
  engagement: {
    rules: [
      {
        id: 'demo-request',
        name: 'Requested a demo',
        behavior: { type: 'form_submitted', where: [{ path: 'form', op: 'eq', value: 'demo-request' }] },
        points: 40,
        repeatable: false,
        decay: { kind: 'halfLife', days: 90 },
      },
      {
        id: 'contact-sales',
        name: 'Asked sales to get in touch',
        behavior: { type: 'form_submitted', where: [{ path: 'form', op: 'eq', value: 'contact-sales' }] },
        points: 30,
        repeatable: false,
        decay: { kind: 'halfLife', days: 90 },
      },
      {
        id: 'trial',
        name: 'Started a trial',
        behavior: { type: 'event', where: [{ path: 'name', op: 'eq', value: 'trial_started' }] },
        points: 25,
        repeatable: false,
        decay: { kind: 'halfLife', days: 60 },
      },
      {
        id: 'pricing',
        name: 'Viewed pricing',
        behavior: { type: 'page_viewed', where: [{ path: 'path', op: 'matches', value: '/pricing*' }] },
        points: 8,
        repeatable: true,
        cap: 24,
        group: 'web',
        decay: { kind: 'halfLife', days: 30 },
      },
      {
        id: 'page-views',
        name: 'Any page view',
        behavior: { type: 'page_viewed' },
        points: 1,
        repeatable: true,
        cap: 10,
        group: 'web',
        decay: { kind: 'window', days: 30 },
      },
      {
        id: 'webinar',
        name: 'Attended a webinar',
        behavior: { type: 'event', where: [{ path: 'name', op: 'eq', value: 'webinar_attended' }] },
        points: 10,
        repeatable: false,
        decay: { kind: 'halfLife', days: 60 },
      },
      {
        id: 'email-click',
        name: 'Clicked an email',
        behavior: { type: 'email_clicked' },
        points: 3,
        repeatable: true,
        cap: 12,
        decay: { kind: 'halfLife', days: 30 },
      },
      {
        id: 'ebook',
        name: 'Downloaded an ebook',
        behavior: { type: 'form_submitted', where: [{ path: 'form', op: 'eq', value: 'ebook' }] },
        points: 5,
        repeatable: false,
        decay: { kind: 'none' },
      },
    ],
    groups: [{ name: 'web', cap: 30 }],
  },
};

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('scoring_models')
    .addColumn('version', 'integer', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .addColumn('published_by_label', 'text')
    .addColumn('rescore_total', 'integer')
    .addColumn('rescore_done', 'integer')
    .addColumn('rescore_changed', 'integer')
    .addColumn('rescore_finished_at', 'bigint')
    .addColumn('backtest', 'text')
    .execute();
  // At most one draft and one published version.
  await db.schema
    .createIndex('scoring_models_one_status')
    .on('scoring_models')
    .column('status')
    .unique()
    .where(sql.ref('status'), 'in', sql`('draft', 'published')`)
    .execute();

  await db.schema
    .createTable('lead_scores')
    .addColumn('lead_id', 'text', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('lead_score_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lead_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('fit', 'integer', (c) => c.notNull())
    .addColumn('engagement', 'integer', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('grade', 'text')
    .addColumn('cause', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('lead_score_history_lead_idx')
    .on('lead_score_history')
    .columns(['lead_id', 'at'])
    .execute();

  const now = Date.now();
  await db
    .insertInto('scoring_models')
    .values({
      version: 1,
      status: 'published',
      definition: JSON.stringify(seedModel),
      note: 'Default model (created with the database)',
      created_at: now,
      updated_at: now,
      published_at: now,
      published_by_label: 'system',
      rescore_total: null,
      rescore_done: null,
      rescore_changed: null,
      rescore_finished_at: null,
      backtest: null,
    })
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: see up
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['lead_score_history', 'lead_scores', 'scoring_models']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
