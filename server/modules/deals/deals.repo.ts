/** Pipelines, their stages, deals, linked leads and stage history: every query the deals module runs. */
import type { Expression, ExpressionBuilder, Insertable, Selectable, Updateable } from 'kysely';
import { type SqlBool, sql } from 'kysely';
import type { DealSortField } from '../../../contracts/deals.ts';
import type { Dialect, Tx } from '../../platform/db/db.ts';
import type {
  DB,
  DealStageHistoryTable,
  DealsTable,
  PipelineStagesTable,
  PipelinesTable,
  TouchpointsTable,
} from '../../platform/db/schema.ts';
import { type LeadScope, scopeCondition } from '../permissions/index.ts';

export type PipelineRow = Selectable<PipelinesTable>;
export type StageRow = Selectable<PipelineStagesTable>;
export type DealRow = Selectable<DealsTable>;
export type DealHistoryRow = Selectable<DealStageHistoryTable>;

/** Sort keys: nullable columns sort as '' (text) or -1 (numbers), so order and cursors are total. */
export const dealSortColumns: Record<
  DealSortField,
  { column: keyof DealsTable; text: boolean; nullable: boolean }
> = {
  createdAt: { column: 'created_at', text: false, nullable: false },
  updatedAt: { column: 'updated_at', text: false, nullable: false },
  name: { column: 'name', text: true, nullable: false },
  amount: { column: 'amount', text: false, nullable: true },
  expectedCloseDate: { column: 'expected_close', text: true, nullable: true },
  closedAt: { column: 'closed_at', text: false, nullable: true },
};

export type DealFilter = {
  pipelineId?: string;
  stageId?: string;
  ownerId?: string;
  status?: string;
  leadId?: string;
  companyId?: string;
  q?: string;
};

export type LinkedLeadRow = {
  deal_id: string;
  lead_id: string;
  is_primary: number;
  position: number;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  lifecycle_stage: string;
  merged_into: string | null;
  erased_at: number | null;
};

const likeEscape = (w: string) => w.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The deals a lead scope sees, as a condition on `deals` (null for `all`): those owned by one of
 * its owners (a rep: themselves; a manager: themselves and their teams' members) through
 * `deals_owner_idx`, and those linked to a lead in the scope through `deal_leads_lead_idx` and the
 * permissions module's indexed scope of lead ids. PostgreSQL takes the linked deals as an array so
 * the OR stays a BitmapOr of two index scans (as the leads' own scope condition does).
 */
export function dealsScopeCondition(scope: LeadScope, dialect: Dialect): Expression<SqlBool> | null {
  if (scope.kind === 'all') return null;
  const owned = sql<SqlBool>`deals.owner_id in (${sql.join(scope.owners)})`;
  const viaLeads = sql`select scope_deal_leads.deal_id from deal_leads scope_deal_leads where ${scopeCondition(scope, 'scope_deal_leads.lead_id')}`;
  return dialect === 'postgres'
    ? sql<SqlBool>`(${owned} or deals.id = any(array(${viaLeads})))`
    : sql<SqlBool>`(${owned} or deals.id in (${viaLeads}))`;
}

export function createDealsRepo(dialect: Dialect) {
  /** Narrows a query on `deals` to the scope (no-op for `all`). */
  const scoped = <Q extends { where(e: Expression<SqlBool>): Q }>(q: Q, scope: LeadScope): Q => {
    const cond = dealsScopeCondition(scope, dialect);
    return cond ? q.where(cond) : q;
  };

  // Pipelines and stages.

  async function pipelines(tx: Tx): Promise<PipelineRow[]> {
    return tx.selectFrom('pipelines').selectAll().orderBy('created_at').orderBy('id').execute();
  }

  async function pipeline(tx: Tx, id: string): Promise<PipelineRow | undefined> {
    return tx.selectFrom('pipelines').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function defaultPipeline(tx: Tx): Promise<PipelineRow | undefined> {
    return tx
      .selectFrom('pipelines')
      .selectAll()
      .orderBy('is_default', 'desc')
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
  }

  async function insertPipeline(tx: Tx, row: Insertable<PipelinesTable>): Promise<void> {
    await tx.insertInto('pipelines').values(row).execute();
  }

  async function updatePipeline(tx: Tx, id: string, patch: Updateable<PipelinesTable>): Promise<void> {
    await tx.updateTable('pipelines').set(patch).where('id', '=', id).execute();
  }

  /** Makes no pipeline the default (before making one the default). */
  async function clearDefault(tx: Tx): Promise<void> {
    await tx.updateTable('pipelines').set({ is_default: 0 }).where('is_default', '=', 1).execute();
  }

  async function deletePipeline(tx: Tx, id: string): Promise<void> {
    await tx.deleteFrom('pipeline_stages').where('pipeline_id', '=', id).execute();
    await tx.deleteFrom('pipelines').where('id', '=', id).execute();
  }

  async function stagesOf(tx: Tx, pipelineIds: string[]): Promise<StageRow[]> {
    if (pipelineIds.length === 0) return [];
    return tx
      .selectFrom('pipeline_stages')
      .selectAll()
      .where('pipeline_id', 'in', pipelineIds)
      .orderBy('pipeline_id')
      .orderBy('position')
      .execute();
  }

  async function stage(tx: Tx, id: string): Promise<StageRow | undefined> {
    return tx.selectFrom('pipeline_stages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function stagesByIds(tx: Tx, ids: string[]): Promise<StageRow[]> {
    if (ids.length === 0) return [];
    return tx.selectFrom('pipeline_stages').selectAll().where('id', 'in', ids).execute();
  }

  async function insertStages(tx: Tx, rows: Insertable<PipelineStagesTable>[]): Promise<void> {
    if (rows.length > 0) await tx.insertInto('pipeline_stages').values(rows).execute();
  }

  async function updateStage(tx: Tx, id: string, patch: Updateable<PipelineStagesTable>): Promise<void> {
    await tx.updateTable('pipeline_stages').set(patch).where('id', '=', id).execute();
  }

  async function deleteStages(tx: Tx, ids: string[]): Promise<void> {
    if (ids.length > 0) await tx.deleteFrom('pipeline_stages').where('id', 'in', ids).execute();
  }

  /** How many deals each stage of these pipelines holds (stages without deals are absent). */
  async function dealCounts(tx: Tx, pipelineIds: string[]): Promise<Map<string, number>> {
    if (pipelineIds.length === 0) return new Map();
    const rows = await tx
      .selectFrom('deals')
      .select((eb) => ['stage_id', eb.fn.countAll<number>().as('n')])
      .where('pipeline_id', 'in', pipelineIds)
      .groupBy('stage_id')
      .execute();
    return new Map(rows.map((r) => [r.stage_id, Number(r.n)]));
  }

  // Deals.

  /** One deal, if the scope sees it. */
  async function deal(tx: Tx, id: string, scope: LeadScope): Promise<DealRow | undefined> {
    return scoped(tx.selectFrom('deals').selectAll().where('deals.id', '=', id), scope).executeTakeFirst();
  }

  async function dealsByIds(tx: Tx, ids: string[]): Promise<DealRow[]> {
    if (ids.length === 0) return [];
    return tx.selectFrom('deals').selectAll().where('id', 'in', ids).execute();
  }

  async function insertDeal(tx: Tx, row: Insertable<DealsTable>): Promise<void> {
    await tx.insertInto('deals').values(row).execute();
  }

  /**
   * Updates a deal only if it is still in the status and stage it was read in; returns whether it
   * was (a concurrent move makes this a no-op the service reports as a conflict).
   */
  async function updateDeal(
    tx: Tx,
    id: string,
    patch: Updateable<DealsTable>,
    expect?: { status: string; stageId: string },
  ): Promise<boolean> {
    let q = tx.updateTable('deals').set(patch).where('id', '=', id);
    if (expect) q = q.where('status', '=', expect.status).where('stage_id', '=', expect.stageId);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async function linkedLeads(tx: Tx, dealIds: string[]): Promise<LinkedLeadRow[]> {
    if (dealIds.length === 0) return [];
    return tx
      .selectFrom('deal_leads')
      .innerJoin('leads', 'leads.id', 'deal_leads.lead_id')
      .select([
        'deal_leads.deal_id',
        'deal_leads.lead_id',
        'deal_leads.is_primary',
        'deal_leads.position',
        'leads.first_name',
        'leads.last_name',
        'leads.email',
        'leads.lifecycle_stage',
        'leads.merged_into',
        'leads.erased_at',
      ])
      .where('deal_leads.deal_id', 'in', dealIds)
      .orderBy('deal_leads.deal_id')
      .orderBy('deal_leads.position')
      .execute();
  }

  /** Replaces a deal's linked leads (the first is the primary one). */
  async function setLinkedLeads(tx: Tx, dealId: string, leadIds: string[], now: number): Promise<void> {
    await tx.deleteFrom('deal_leads').where('deal_id', '=', dealId).execute();
    await tx
      .insertInto('deal_leads')
      .values(
        leadIds.map((lead_id, position) => ({
          deal_id: dealId,
          lead_id,
          is_primary: position === 0 ? 1 : 0,
          position,
          added_at: now,
        })),
      )
      .execute();
  }

  /** Of these leads, those linked to an open deal other than this one. */
  async function leadsWithOtherOpenDeals(tx: Tx, leadIds: string[], dealId: string): Promise<Set<string>> {
    if (leadIds.length === 0) return new Set();
    const rows = await tx
      .selectFrom('deal_leads')
      .innerJoin('deals', 'deals.id', 'deal_leads.deal_id')
      .select('deal_leads.lead_id')
      .where('deal_leads.lead_id', 'in', leadIds)
      .where('deals.id', '!=', dealId)
      .where('deals.status', '=', 'open')
      .execute();
    return new Set(rows.map((r) => r.lead_id));
  }

  /** The leads to link, as they are now (missing ids are absent). */
  async function leadRows(tx: Tx, ids: string[]) {
    if (ids.length === 0) return [];
    return tx
      .selectFrom('leads')
      .select([
        'id',
        'first_name',
        'last_name',
        'email',
        'company_id',
        'company_name',
        'owner_id',
        'lifecycle_stage',
        'merged_into',
        'erased_at',
      ])
      .where('id', 'in', ids)
      .execute();
  }

  /** Deletes a deal with its links and stage history. */
  async function deleteDeal(tx: Tx, id: string): Promise<void> {
    await tx.deleteFrom('deal_stage_history').where('deal_id', '=', id).execute();
    await tx.deleteFrom('deal_leads').where('deal_id', '=', id).execute();
    await tx.deleteFrom('deals').where('id', '=', id).execute();
  }

  async function insertHistory(tx: Tx, row: Insertable<DealStageHistoryTable>): Promise<void> {
    await tx.insertInto('deal_stage_history').values(row).execute();
  }

  async function historyOf(tx: Tx, dealId: string): Promise<DealHistoryRow[]> {
    return tx
      .selectFrom('deal_stage_history')
      .selectAll()
      .where('deal_id', '=', dealId)
      .orderBy('at')
      .orderBy('id')
      .execute();
  }

  /** The deal's last move into a won or lost stage (where reopening goes back from). */
  async function lastClosing(tx: Tx, dealId: string): Promise<DealHistoryRow | undefined> {
    return tx
      .selectFrom('deal_stage_history')
      .selectAll()
      .where('deal_id', '=', dealId)
      .where('kind', 'in', ['won', 'lost'])
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  // Card order within a column.

  /** Positions of the cards at `index - 1` and `index` of a column (without the moving deal). */
  async function neighbours(
    tx: Tx,
    stageId: string,
    index: number,
    without: string,
  ): Promise<{ before: number | null; after: number | null }> {
    const rows = await tx
      .selectFrom('deals')
      .select('position')
      .where('stage_id', '=', stageId)
      .where('id', '!=', without)
      .orderBy('position')
      .orderBy('id')
      .limit(2)
      .offset(Math.max(index - 1, 0))
      .execute();
    const p = rows.map((r) => Number(r.position));
    return index === 0
      ? { before: null, after: p[0] ?? null }
      : { before: p[0] ?? null, after: p[1] ?? null };
  }

  async function lastPosition(tx: Tx, stageId: string, without = ''): Promise<number | null> {
    const r = await tx
      .selectFrom('deals')
      .select((eb) => eb.fn.max('position').as('p'))
      .where('stage_id', '=', stageId)
      .where('id', '!=', without)
      .executeTakeFirst();
    return r?.p === null || r?.p === undefined ? null : Number(r.p);
  }

  /** Spreads a column's cards out again (gap by gap) when two neighbours have no room between them. */
  async function renumber(tx: Tx, stageId: string, gap: number): Promise<void> {
    const ids = await tx
      .selectFrom('deals')
      .select('id')
      .where('stage_id', '=', stageId)
      .orderBy('position')
      .orderBy('id')
      .execute();
    for (const [i, r] of ids.entries())
      await tx
        .updateTable('deals')
        .set({ position: (i + 1) * gap })
        .where('id', '=', r.id)
        .execute();
  }

  // Lists and the board.

  function whereOf(eb: ExpressionBuilder<DB, 'deals'>, f: DealFilter): Expression<SqlBool> {
    const and: Expression<SqlBool>[] = [];
    if (f.pipelineId) and.push(eb('deals.pipeline_id', '=', f.pipelineId));
    if (f.stageId) and.push(eb('deals.stage_id', '=', f.stageId));
    if (f.ownerId) and.push(eb('deals.owner_id', '=', f.ownerId));
    if (f.status) and.push(eb('deals.status', '=', f.status));
    if (f.companyId) and.push(eb('deals.company_id', '=', f.companyId));
    if (f.leadId)
      and.push(
        eb.exists(
          eb
            .selectFrom('deal_leads')
            .select('deal_leads.deal_id')
            .whereRef('deal_leads.deal_id', '=', 'deals.id')
            .where('deal_leads.lead_id', '=', f.leadId),
        ),
      );
    for (const w of (f.q ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5))
      and.push(sql<SqlBool>`lower(deals.name) like ${`%${likeEscape(w)}%`} escape '\\'`);
    return eb.and(and);
  }

  async function list(
    tx: Tx,
    o: {
      scope: LeadScope;
      filter: DealFilter;
      sort: DealSortField;
      desc: boolean;
      limit: number;
      after?: { value: string | number | null; id: string };
    },
  ): Promise<DealRow[]> {
    const { column, text, nullable } = dealSortColumns[o.sort];
    const ref = sql.ref(`deals.${column}`);
    const key = !nullable ? ref : text ? sql`coalesce(${ref}, '')` : sql`coalesce(${ref}, -1)`;
    let q = scoped(
      tx
        .selectFrom('deals')
        .selectAll()
        .where((eb) => whereOf(eb, o.filter)),
      o.scope,
    );
    if (o.after) {
      const value = o.after.value ?? (text ? '' : -1);
      const cmp = o.desc ? sql`<` : sql`>`;
      q = q.where(sql<SqlBool>`(${key}, deals.id) ${cmp} (${value}, ${o.after.id})`);
    }
    return q
      .orderBy(sql`${key} ${o.desc ? sql`desc` : sql`asc`}`)
      .orderBy('deals.id', o.desc ? 'desc' : 'asc')
      .limit(o.limit)
      .execute();
  }

  /** Per stage and currency: how many deals the scope sees and the sum of their amounts. */
  async function columnSums(
    tx: Tx,
    pipelineId: string,
    ownerId: string | undefined,
    scope: LeadScope,
  ): Promise<{ stageId: string; currency: string | null; count: number; total: number }[]> {
    let q = tx
      .selectFrom('deals')
      .select((eb) => [
        'stage_id',
        'currency',
        eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number | string | null>('amount').as('total'),
      ])
      .where('pipeline_id', '=', pipelineId);
    if (ownerId) q = q.where('owner_id', '=', ownerId);
    q = scoped(q, scope);
    const rows = await q.groupBy(['stage_id', 'currency']).execute();
    return rows.map((r) => ({
      stageId: r.stage_id,
      currency: r.currency,
      count: Number(r.n),
      total: Number(r.total ?? 0),
    }));
  }

  /** The first cards of a column the scope sees: open stages in board order, won and lost newest first. */
  async function columnDeals(
    tx: Tx,
    stageId: string,
    closed: boolean,
    ownerId: string | undefined,
    scope: LeadScope,
    limit: number,
  ): Promise<DealRow[]> {
    let q = tx.selectFrom('deals').selectAll().where('stage_id', '=', stageId);
    if (ownerId) q = q.where('owner_id', '=', ownerId);
    q = scoped(q, scope);
    q = closed ? q.orderBy('closed_at', 'desc').orderBy('id', 'desc') : q.orderBy('position').orderBy('id');
    return q.limit(limit).execute();
  }

  // What views need from other modules' tables (read only).

  async function userNames(tx: Tx, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await tx.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async function companies(
    tx: Tx,
    ids: string[],
  ): Promise<Map<string, { name: string | null; domain: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await tx
      .selectFrom('companies')
      .select(['id', 'name', 'domain'])
      .where('id', 'in', ids)
      .execute();
    return new Map(rows.map((r) => [r.id, { name: r.name, domain: r.domain }]));
  }

  /** Timeline entries on leads (not marketing touches: no attribution, no scoring). */
  async function insertTouchpoints(tx: Tx, rows: Insertable<TouchpointsTable>[]): Promise<void> {
    if (rows.length > 0) await tx.insertInto('touchpoints').values(rows).execute();
  }

  return {
    deleteDeal,
    pipelines,
    pipeline,
    defaultPipeline,
    insertPipeline,
    updatePipeline,
    clearDefault,
    deletePipeline,
    stagesOf,
    stage,
    stagesByIds,
    insertStages,
    updateStage,
    deleteStages,
    dealCounts,
    deal,
    dealsByIds,
    insertDeal,
    updateDeal,
    linkedLeads,
    setLinkedLeads,
    leadsWithOtherOpenDeals,
    leadRows,
    insertHistory,
    historyOf,
    lastClosing,
    neighbours,
    lastPosition,
    renumber,
    list,
    columnSums,
    columnDeals,
    userNames,
    companies,
    insertTouchpoints,
  };
}

export type DealsRepo = ReturnType<typeof createDealsRepo>;
