import { sql } from 'kysely';
import { insertRows } from '../../platform/db/bulk.ts';
import type { Dialect, Tx } from '../../platform/db/db.ts';
import { prepared } from '../../platform/db/prepared.ts';
import type { FormConsentVersionsTable, FormSubmissionsTable, FormsTable } from '../../platform/db/schema.ts';

export type FormRow = FormsTable;
export type SubmissionRow = FormSubmissionsTable;

// Every batch of submissions checks its render tokens and counts itself on its forms: compiled
// once (see prepared.ts).
const submissionsOfTokens = prepared(1, (tx, tokenIds: string[]) =>
  tx.selectFrom('form_submissions').select('token_id').where('token_id', 'in', tokenIds),
);
const bumpCounts = prepared(4, (tx, formId: string, accepted: number, spam: number, lastAt: number | null) =>
  tx
    .updateTable('forms')
    .set((eb) => ({
      submission_count: eb('submission_count', '+', accepted),
      spam_count: eb('spam_count', '+', spam),
      // A batch of spam only leaves the time of the last accepted submission as it was.
      last_submission_at: sql<number | null>`coalesce(${lastAt}, ${sql.ref('last_submission_at')})`,
    }))
    .where('id', '=', formId),
);

export function createFormsRepo(dialect: Dialect) {
  async function insertForm(tx: Tx, row: FormRow): Promise<void> {
    await tx.insertInto('forms').values(row).execute();
  }

  async function updateForm(tx: Tx, id: string, patch: Partial<FormRow>): Promise<void> {
    await tx.updateTable('forms').set(patch).where('id', '=', id).execute();
  }

  async function byId(tx: Tx, id: string): Promise<FormRow | undefined> {
    return tx.selectFrom('forms').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function bySlug(tx: Tx, slug: string): Promise<FormRow | undefined> {
    return tx.selectFrom('forms').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  async function byHubspotGuid(tx: Tx, guid: string): Promise<FormRow | undefined> {
    return tx.selectFrom('forms').selectAll().where('hubspot_form_guid', '=', guid).executeTakeFirst();
  }

  /** Forms newest first; `q` matches name or slug. */
  async function list(tx: Tx, f: { before?: string; limit: number; q?: string; status?: string }) {
    let q = tx.selectFrom('forms').selectAll().orderBy('id', 'desc').limit(f.limit);
    if (f.before) q = q.where('id', '<', f.before);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.q) {
      // Wildcards are taken out rather than escaped: the dialects escape LIKE differently.
      const like = `%${f.q.toLowerCase().replace(/[\\%_]/g, '')}%`;
      q = q.where((eb) => eb.or([eb(eb.fn('lower', ['name']), 'like', like), eb('slug', 'like', like)]));
    }
    return q.execute();
  }

  async function insertConsentVersions(tx: Tx, rows: FormConsentVersionsTable[]): Promise<void> {
    if (rows.length > 0) await tx.insertInto('form_consent_versions').values(rows).execute();
  }

  async function consentVersions(tx: Tx, formId: string): Promise<FormConsentVersionsTable[]> {
    return tx
      .selectFrom('form_consent_versions')
      .selectAll()
      .where('form_id', '=', formId)
      .orderBy('consent_key')
      .orderBy('version')
      .execute();
  }

  /** Which of these render-token nonces a stored submission already used. */
  async function usedTokens(tx: Tx, tokenIds: string[]): Promise<Set<string>> {
    if (tokenIds.length === 0) return new Set();
    const { rows } = await submissionsOfTokens(tx, tokenIds);
    return new Set(rows.map((r) => r.token_id!));
  }

  async function insertSubmissions(tx: Tx, rows: SubmissionRow[]): Promise<void> {
    await insertRows(tx, dialect === 'postgres', 'form_submissions', rows);
  }

  async function bumpCounters(
    tx: Tx,
    formId: string,
    accepted: number,
    spam: number,
    lastAt: number | null,
  ): Promise<void> {
    await bumpCounts(tx, formId, accepted, spam, lastAt);
  }

  async function listSubmissions(
    tx: Tx,
    formId: string,
    f: { before?: string; limit: number; status?: string },
  ): Promise<SubmissionRow[]> {
    let q = tx
      .selectFrom('form_submissions')
      .selectAll()
      .where('form_id', '=', formId)
      .orderBy('id', 'desc')
      .limit(f.limit);
    if (f.before) q = q.where('id', '<', f.before);
    if (f.status) q = q.where('status', '=', f.status);
    return q.execute();
  }

  async function submission(tx: Tx, id: string): Promise<SubmissionRow | undefined> {
    return tx.selectFrom('form_submissions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function confirm(tx: Tx, id: string, at: number): Promise<boolean> {
    const r = await tx
      .updateTable('form_submissions')
      .set({ status: 'confirmed', confirmed_at: at })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * Removes what names the people behind these leads from their submissions (an erasure): email,
   * values, consents given, page, browser and address hash. Form, status, channel values and time
   * stay for the form's counts. Returns the submissions' ids.
   */
  async function eraseOfLeads(tx: Tx, leadIds: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < leadIds.length; i += 500) {
      const part = leadIds.slice(i, i + 500);
      const rows = await tx
        .selectFrom('form_submissions')
        .select('id')
        .where('lead_id', 'in', part)
        .execute();
      if (rows.length === 0) continue;
      ids.push(...rows.map((r) => r.id));
      await tx
        .updateTable('form_submissions')
        .set({
          email: null,
          data: '{}',
          consents: '{}',
          page_url: null,
          visitor_id: null,
          ip_hash: null,
          user_agent: null,
        })
        .where('lead_id', 'in', part)
        .execute();
    }
    return ids;
  }

  async function counts(tx: Tx): Promise<{ submissions: number; forms: number }> {
    const s = await tx
      .selectFrom('form_submissions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const f = await tx
      .selectFrom('forms')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { submissions: Number(s.n), forms: Number(f.n) };
  }

  return {
    eraseOfLeads,
    insertForm,
    updateForm,
    byId,
    bySlug,
    byHubspotGuid,
    list,
    insertConsentVersions,
    consentVersions,
    usedTokens,
    insertSubmissions,
    bumpCounters,
    listSubmissions,
    submission,
    confirm,
    counts,
  };
}

export type FormsRepo = ReturnType<typeof createFormsRepo>;
