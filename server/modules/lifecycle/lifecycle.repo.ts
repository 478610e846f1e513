/** Lifecycle tables: stage history, policy versions and approvals, domain events; a lead's stage. */
import { type Insertable, type Selectable, sql } from 'kysely';
import { insertRows } from '../../platform/db/bulk.ts';
import type { Dialect, Tx } from '../../platform/db/db.ts';
import { prepared, preparedInsert } from '../../platform/db/prepared.ts';
import type {
  DomainEventsTable,
  LeadStageHistoryTable,
  QualificationPoliciesTable,
  QualificationPolicyApprovalsTable,
} from '../../platform/db/schema.ts';

export type HistoryRow = Selectable<LeadStageHistoryTable>;
export type PolicyRow = Selectable<QualificationPoliciesTable>;
export type ApprovalRow = Selectable<QualificationPolicyApprovalsTable>;
export type EventRow = Selectable<DomainEventsTable>;

/** What evaluation and transitions need to know about a lead. */
export type LeadStageRow = {
  id: string;
  lifecycle_stage: string;
  score_total: number;
  fit_grade: string | null;
  merged_into: string | null;
  erased_at: number | null;
};

const chunk = 500;
/** Serialises policy changes on PostgreSQL (two approvals at once must see each other). */
const policyLockKey = 7_261_520;

// Capture's hot path (a score change, an MQL it makes): statements compiled once.
const activeVersionQuery = prepared(0, (tx) =>
  tx.selectFrom('qualification_policies').select('version').where('status', '=', 'active'),
);
const insertOneHistory = preparedInsert('lead_stage_history', [
  'id',
  'lead_id',
  'from_stage',
  'to_stage',
  'kind',
  'at',
  'actor_type',
  'actor_id',
  'actor_label',
  'source',
  'reason',
  'reason_code',
  'policy_version',
  'details',
]);
const insertOneEvent = preparedInsert('domain_events', ['id', 'type', 'lead_id', 'payload', 'occurred_at']);
const stagesOfLeads = prepared(1, (tx, ids: string[]) =>
  tx
    .selectFrom('leads')
    .select(['id', 'lifecycle_stage', 'score_total', 'fit_grade', 'merged_into', 'erased_at'])
    .where('id', 'in', ids),
);
const setStagesOf = prepared(4, (tx, ids: string[], from: string, to: string, now: number) =>
  tx
    .updateTable('leads')
    .set({ lifecycle_stage: to, updated_at: now })
    .where('id', 'in', ids)
    .where('lifecycle_stage', '=', from)
    .returning('id'),
);

export function createLifecycleRepo(dialect: Dialect) {
  /** Holds the policy lock until the transaction ends (SQLite transactions are serial already). */
  async function lockPolicy(tx: Tx): Promise<void> {
    if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${policyLockKey})`.execute(tx);
  }

  async function insertHistory(tx: Tx, rows: Insertable<LeadStageHistoryTable>[]): Promise<void> {
    if (rows.length === 1) return void (await insertOneHistory(tx, rows[0]!));
    // Imports write a row per new lead: multi-row statements without the query builder.
    await insertRows(tx, dialect === 'postgres', 'lead_stage_history', rows);
  }

  async function historyOf(tx: Tx, leadId: string): Promise<HistoryRow[]> {
    return tx
      .selectFrom('lead_stage_history')
      .selectAll()
      .where('lead_id', '=', leadId)
      .orderBy('at')
      .orderBy('id')
      .limit(10_000)
      .execute();
  }

  /** The history of several leads, in order (historical replays check what a creation wrote). */
  async function historyOfLeads(tx: Tx, leadIds: string[]): Promise<HistoryRow[]> {
    const out: HistoryRow[] = [];
    for (let i = 0; i < leadIds.length; i += chunk)
      out.push(
        ...(await tx
          .selectFrom('lead_stage_history')
          .selectAll()
          .where('lead_id', 'in', leadIds.slice(i, i + chunk))
          .orderBy('at')
          .orderBy('id')
          .execute()),
      );
    return out;
  }

  async function setHistoryTo(tx: Tx, ids: string[], to: string): Promise<void> {
    for (let i = 0; i < ids.length; i += chunk)
      await tx
        .updateTable('lead_stage_history')
        .set({ to_stage: to })
        .where('id', 'in', ids.slice(i, i + chunk))
        .execute();
  }

  async function insertEvents(tx: Tx, rows: Insertable<DomainEventsTable>[]): Promise<void> {
    if (rows.length <= 2) {
      for (const r of rows) await insertOneEvent(tx, r);
      return;
    }
    await insertRows(tx, dialect === 'postgres', 'domain_events', rows);
  }

  async function eventsAfter(
    tx: Tx,
    o: { after?: string; limit: number; types?: string[]; leadId?: string },
  ): Promise<EventRow[]> {
    let q = tx.selectFrom('domain_events').selectAll();
    if (o.after) q = q.where('id', '>', o.after);
    if (o.types && o.types.length > 0) q = q.where('type', 'in', o.types);
    if (o.leadId) q = q.where('lead_id', '=', o.leadId);
    return q.orderBy('id').limit(o.limit).execute();
  }

  async function leadStages(tx: Tx, ids: string[]): Promise<LeadStageRow[]> {
    const out: LeadStageRow[] = [];
    for (let i = 0; i < ids.length; i += chunk) {
      const { rows } = await stagesOfLeads(tx, ids.slice(i, i + chunk));
      for (const r of rows)
        out.push({
          ...r,
          score_total: Number(r.score_total ?? 0),
          fit_grade: r.fit_grade ?? null,
          erased_at: r.erased_at === null ? null : Number(r.erased_at),
        });
    }
    return out;
  }

  /** Ids of live leads in these stages after `after`, in id order (re-evaluation walks them in batches). */
  async function leadIdsInStages(
    tx: Tx,
    stages: readonly string[],
    after: string,
    limit: number,
  ): Promise<string[]> {
    const rows = await tx
      .selectFrom('leads')
      .select('id')
      .where('lifecycle_stage', 'in', [...stages])
      .where('merged_into', 'is', null)
      .where('erased_at', 'is', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Moves a lead's stage if it still is `from`; false when someone moved it meanwhile. */
  async function setStage(tx: Tx, id: string, from: string, to: string, now: number): Promise<boolean> {
    const r = await tx
      .updateTable('leads')
      .set({ lifecycle_stage: to, updated_at: now })
      .where('id', '=', id)
      .where('lifecycle_stage', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Moves these leads to `to` where they still are `from`: the ids that moved (one statement per 500). */
  async function setStages(
    tx: Tx,
    ids: string[],
    from: string,
    to: string,
    now: number,
  ): Promise<Set<string>> {
    const moved = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const { rows } = await setStagesOf(tx, ids.slice(i, i + 500), from, to, now);
      for (const r of rows) moved.add(r.id);
    }
    return moved;
  }

  // ── Policy ──
  async function activePolicy(tx: Tx): Promise<PolicyRow | undefined> {
    return tx
      .selectFrom('qualification_policies')
      .selectAll()
      .where('status', '=', 'active')
      .executeTakeFirst();
  }

  async function activeVersion(tx: Tx): Promise<number | undefined> {
    const [r] = (await activeVersionQuery(tx)).rows;
    return r ? Number(r.version) : undefined;
  }

  async function policy(tx: Tx, version: number): Promise<PolicyRow | undefined> {
    return tx
      .selectFrom('qualification_policies')
      .selectAll()
      .where('version', '=', version)
      .executeTakeFirst();
  }

  async function policyByStatus(tx: Tx, status: string): Promise<PolicyRow[]> {
    return tx.selectFrom('qualification_policies').selectAll().where('status', '=', status).execute();
  }

  async function policies(tx: Tx): Promise<PolicyRow[]> {
    return tx
      .selectFrom('qualification_policies')
      .selectAll()
      .orderBy('version', 'desc')
      .limit(500)
      .execute();
  }

  async function maxVersion(tx: Tx): Promise<number> {
    const r = await tx
      .selectFrom('qualification_policies')
      .select((eb) => eb.fn.max('version').as('v'))
      .executeTakeFirst();
    return Number(r?.v ?? 0);
  }

  async function insertPolicy(tx: Tx, row: Insertable<QualificationPoliciesTable>): Promise<void> {
    await tx.insertInto('qualification_policies').values(row).execute();
  }

  async function updatePolicy(
    tx: Tx,
    version: number,
    patch: Partial<Omit<QualificationPoliciesTable, 'version'>>,
  ): Promise<void> {
    await tx.updateTable('qualification_policies').set(patch).where('version', '=', version).execute();
  }

  async function approvals(tx: Tx, versions: number[]): Promise<ApprovalRow[]> {
    if (versions.length === 0) return [];
    return tx
      .selectFrom('qualification_policy_approvals')
      .selectAll()
      .where('version', 'in', versions)
      .orderBy('at')
      .execute();
  }

  async function insertApproval(tx: Tx, row: ApprovalRow): Promise<void> {
    await tx
      .insertInto('qualification_policy_approvals')
      .values(row)
      .onConflict((oc) => oc.columns(['version', 'user_id']).doNothing())
      .execute();
  }

  /**
   * An erasure: the free-text reasons people gave for these leads' stage moves (a rejection's note,
   * a lost deal's) and the payloads of their domain events go; reason codes, stages and times stay
   * for the funnel. The system's own explanations (score and policy) name no one and stay.
   */
  async function eraseTexts(tx: Tx, leadIds: string[]): Promise<void> {
    for (let i = 0; i < leadIds.length; i += 500) {
      const part = leadIds.slice(i, i + 500);
      await tx
        .updateTable('lead_stage_history')
        .set({ reason: null })
        .where('lead_id', 'in', part)
        .where('actor_type', '!=', 'system')
        .execute();
      await tx
        .updateTable('domain_events')
        .set({ payload: JSON.stringify({ erased: true }) })
        .where('lead_id', 'in', part)
        .execute();
    }
  }

  return {
    eraseTexts,
    insertHistory,
    historyOf,
    historyOfLeads,
    setHistoryTo,
    insertEvents,
    eventsAfter,
    leadStages,
    setStage,
    setStages,
    leadIdsInStages,
    lockPolicy,
    activePolicy,
    activeVersion,
    policy,
    policyByStatus,
    policies,
    maxVersion,
    insertPolicy,
    updatePolicy,
    approvals,
    insertApproval,
  };
}

export type LifecycleRepo = ReturnType<typeof createLifecycleRepo>;
