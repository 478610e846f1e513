/**
 * Scoring's statements on the capture path: one scored touchpoint runs each of these once, so
 * they are compiled once (platform/db/prepared.ts) instead of built and compiled every time.
 */
import { prepared } from '../../platform/db/prepared.ts';

/** The published version (the definition is read once per version, see scoring.service). */
export const publishedVersion = prepared(0, (tx) =>
  tx.selectFrom('scoring_models').select('version').where('status', '=', 'published'),
);

export const companyById = prepared(1, (tx, id: string) =>
  tx.selectFrom('companies').selectAll().where('id', '=', id),
);

export const saveState = prepared(4, (tx, leadId: string, version: number, state: string, at: number) =>
  tx
    .insertInto('lead_scores')
    .values({ lead_id: leadId, version, state, updated_at: at })
    .onConflict((oc) =>
      oc.column('lead_id').doUpdateSet((eb) => ({
        version: eb.ref('excluded.version'),
        state: eb.ref('excluded.state'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    ),
);

export const setScore = prepared(
  5,
  (tx, id: string, fit: number, engagement: number, total: number, grade: string) =>
    tx
      .updateTable('leads')
      .set({ score_fit: fit, score_engagement: engagement, score_total: total, fit_grade: grade })
      .where('id', '=', id),
);

export const addHistory = prepared(
  9,
  (
    tx,
    id: string,
    leadId: string,
    at: number,
    version: number,
    fit: number,
    engagement: number,
    total: number,
    grade: string,
    cause: string,
  ) =>
    tx
      .insertInto('lead_score_history')
      .values({ id, lead_id: leadId, at, version, fit, engagement, total, grade, cause }),
);

/** Live leads, whole. */
export const liveLeads = prepared(1, (tx, ids: string[]) =>
  tx
    .selectFrom('leads')
    .selectAll()
    .where('id', 'in', ids)
    .where('merged_into', 'is', null)
    .where('erased_at', 'is', null),
);

/** The model version each lead was last scored under. */
export const scoreVersionsOf = prepared(1, (tx, leadIds: string[]) =>
  tx.selectFrom('lead_scores').select(['lead_id', 'version']).where('lead_id', 'in', leadIds),
);

/** Each lead's score state, with its version. */
export const scoreStatesOf = prepared(1, (tx, leadIds: string[]) =>
  tx.selectFrom('lead_scores').select(['lead_id', 'version', 'state']).where('lead_id', 'in', leadIds),
);
