// Predictive model: training runs (each a model version once completed, with its held-out report
// and coefficients) and the latest conversion probability of every open lead.
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time and do not know the app's types
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('predict_models')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('version', 'integer') // set when the run completes: 1, 2, 3…
    .addColumn('status', 'text', (c) => c.notNull()) // queued | running | completed | failed
    .addColumn('trigger', 'text', (c) => c.notNull()) // manual | schedule | cli
    .addColumn('phase', 'text', (c) => c.notNull()) // waiting | counting | features | fitting | scoring | done
    .addColumn('done', 'bigint', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull()) // JSON: excluded fields, regularisation…
    .addColumn('report', 'text') // JSON: held-out figures
    .addColumn('model', 'text') // JSON: feature encoder and coefficients
    .addColumn('message', 'text')
    .addColumn('requested_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('predict_models_created_idx')
    .on('predict_models')
    .columns(['created_at', 'id'])
    .execute();

  await db.schema
    .createTable('lead_predictions')
    .addColumn('lead_id', 'text', (c) => c.primaryKey())
    .addColumn('probability', 'double precision', (c) => c.notNull())
    .addColumn('factors', 'text', (c) => c.notNull()) // JSON array of { label, contribution }
    .addColumn('model_id', 'text', (c) => c.notNull())
    .addColumn('model_version', 'integer', (c) => c.notNull())
    .addColumn('scored_at', 'bigint', (c) => c.notNull())
    .execute();
  // Sorting the lead list by probability, and dropping a superseded model's rows.
  await db.schema
    .createIndex('lead_predictions_probability_idx')
    .on('lead_predictions')
    .columns(['probability', 'lead_id'])
    .execute();
  await db.schema
    .createIndex('lead_predictions_model_idx')
    .on('lead_predictions')
    .column('model_id')
    .execute();
}
