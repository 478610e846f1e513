/**
 * Deals. Every command is one transaction: the deal, its stage history row, the
 * lifecycle moves of its leads (through lifecycle's rules, so their history and `lead.*` events
 * come with them), the leads' timeline entries and the `deal.*` webhook events commit together.
 *
 * Who sees a deal follows the lead rule (docs/permissions.md): admins, marketing and API keys
 * every deal; sales people the deals owned by the owners of their scope (a rep: themselves; a
 * manager: themselves and their teams' members) and the deals linked to a lead they see. Outside
 * that a deal does not exist for the caller (404), reads and writes alike, and a deal's view never
 * shows a linked lead the caller does not see (it counts it in `hiddenLeads`).
 *
 * Who may change a deal: admins and API keys (`deals:write`) any; sales managers their own and
 * their teams' members' deals; reps their own; marketing none. Linking a lead needs the right to
 * sell it; a lead outside the caller's scope answers as one that does not exist.
 */
import {
  type Board,
  type BoardQuery,
  type Deal,
  type DealDetail,
  type DealHistoryKind,
  type DealInput,
  type DealListQuery,
  type DealPatch,
  type DealSortField,
  type DealStatus,
  dealLimits,
  dealSortFields,
  type LeadDealInput,
  type LostInput,
  type LostReason,
  type Money,
  type MoveInput,
  type ReopenInput,
  type StageKind,
} from '../../../contracts/deals.ts';
import type { LifecycleStage } from '../../../contracts/leads.ts';
import { type StageChangeInput, transitionOf } from '../../../contracts/lifecycle.ts';
import type { WebhookEventType } from '../../../contracts/webhooks.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { fromJson } from '../../platform/db/schema.ts';
import { AppError, type ErrorDetail, validationError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/access.ts';
import { decodeCursor, encodeCursor, type Page } from '../../platform/http/pagination.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import { type AuditService, actorOf } from '../audit/index.ts';
import type { WriteContext } from '../leads/index.ts';
import { type PermissionsService, systemViewer, type Viewer } from '../permissions/index.ts';
import {
  type DealRow,
  type DealsRepo,
  dealSortColumns,
  type LinkedLeadRow,
  type PipelineRow,
  type StageRow,
} from './deals.repo.ts';
import { lostReasonText, positionBetween, positionGap, weighted } from './deals.rules.ts';
import type { PipelinesService } from './pipelines.service.ts';

export type DealEvent = { type: WebhookEventType; occurredAt: number; data: unknown };

type Deps = {
  database: Database;
  repo: DealsRepo;
  clock: Clock;
  pipelines: Pick<PipelinesService, 'get' | 'row'>;
  /** Lifecycle's explicit stage move, in the deal's transaction. */
  changeStageIn: (
    tx: Tx,
    leadId: string,
    input: StageChangeInput,
    ctx: WriteContext,
    extra?: { details?: Record<string, unknown> },
  ) => Promise<unknown>;
  /** The lead rule: which linked leads a caller sees, and whether it may sell one. */
  permissions: Pick<PermissionsService, 'visibleIds' | 'requireLead'>;
  activeUserIds: (tx: Tx, ids: string[]) => Promise<Set<string>>;
  publish?: (tx: Tx, events: DealEvent[]) => Promise<unknown>;
  audit: Pick<AuditService, 'record'>;
};

const currencies = new Set(Intl.supportedValuesOf('currency'));

const leadName = (l: {
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  id?: string;
}) => [l.first_name, l.last_name].filter(Boolean).join(' ') || l.email || l.id || 'Lead';

export function createDealsService(deps: Deps) {
  const { database, repo, clock, pipelines } = deps;
  const db = database.db;

  // Deal views.

  async function dealViews(tx: Tx, rows: DealRow[]): Promise<Deal[]> {
    if (rows.length === 0) return [];
    const stages = new Map(
      (await repo.stagesByIds(tx, [...new Set(rows.map((d) => d.stage_id))])).map((s) => [s.id, s]),
    );
    const leads = Map.groupBy(
      await repo.linkedLeads(
        tx,
        rows.map((d) => d.id),
      ),
      (l) => l.deal_id,
    );
    const owners = await repo.userNames(tx, [
      ...new Set(rows.map((d) => d.owner_id).filter((x): x is string => !!x)),
    ]);
    const companies = await repo.companies(tx, [
      ...new Set(rows.map((d) => d.company_id).filter((x): x is string => !!x)),
    ]);
    return rows.map((d) => {
      const stage = stages.get(d.stage_id);
      const probability = stage ? Number(stage.probability) : 0;
      const amount = d.amount === null || d.currency === null ? null : Number(d.amount);
      const company = d.company_id ? companies.get(d.company_id) : undefined;
      return {
        id: d.id,
        name: d.name,
        pipelineId: d.pipeline_id,
        stageId: d.stage_id,
        stageName: stage?.name ?? '',
        probability,
        status: d.status as DealStatus,
        amount: amount === null ? null : { amount, currency: d.currency! },
        weightedAmount: amount === null ? null : weighted(amount, probability),
        expectedCloseDate: d.expected_close,
        ownerId: d.owner_id,
        ownerName: d.owner_id ? (owners.get(d.owner_id) ?? null) : null,
        companyId: d.company_id,
        companyName: company ? (company.name ?? company.domain) : null,
        leads: (leads.get(d.id) ?? []).map((l) => ({
          id: l.lead_id,
          name: l.erased_at !== null ? 'Erased lead' : leadName({ ...l, id: l.lead_id }),
          email: l.erased_at !== null ? null : l.email,
          stage: l.lifecycle_stage,
          primary: l.is_primary === 1,
        })),
        hiddenLeads: 0,
        canChange: false,
        closedAt: d.closed_at === null ? null : iso(Number(d.closed_at)),
        lostReason:
          d.status === 'lost' && d.lost_reason_code
            ? {
                code: d.lost_reason_code,
                label: d.lost_reason_label ?? d.lost_reason_code,
                note: d.lost_note,
              }
            : null,
        stageEnteredAt: iso(Number(d.stage_entered_at)),
        createdAt: iso(Number(d.created_at)),
        updatedAt: iso(Number(d.updated_at)),
      };
    });
  }

  /**
   * Views as the viewer may see them: linked leads outside its scope are left out and counted in
   * `hiddenLeads` (their names, emails and ids are the people of someone else's leads), and
   * `canChange` says whether it may change each deal.
   */
  async function forViewer<D extends Deal>(tx: Tx, viewer: Viewer, views: D[]): Promise<D[]> {
    if (viewer.scope.kind === 'all')
      return views.map((d) => ({ ...d, canChange: mayHandle(viewer, d.ownerId) }));
    const visible = await deps.permissions.visibleIds(
      tx,
      viewer,
      views.flatMap((d) => d.leads.map((l) => l.id)),
    );
    return views.map((d) => {
      const leads = d.leads.filter((l) => visible.has(l.id));
      return {
        ...d,
        leads,
        hiddenLeads: d.leads.length - leads.length,
        canChange: mayHandle(viewer, d.ownerId),
      };
    });
  }

  /** A deal's full view (every linked lead: what webhooks carry); `forViewer` narrows it for a caller. */
  async function detail(tx: Tx, id: string): Promise<DealDetail> {
    const row = await dealRow(tx, id, systemViewer);
    const [view] = await dealViews(tx, [row]);
    const history = (await repo.historyOf(tx, id)).map((h) => ({
      id: h.id,
      kind: h.kind as DealHistoryKind,
      from: h.from_stage_name === null ? null : { id: h.from_stage_id, name: h.from_stage_name },
      to: { id: h.to_stage_id, name: h.to_stage_name },
      status: h.status as DealStatus,
      at: iso(Number(h.at)),
      actor: { type: h.actor_type, id: h.actor_id, label: h.actor_label },
      reason: h.reason,
    }));
    return { ...view!, history };
  }

  /** The deal, if the viewer sees it: outside its scope a deal does not exist (404). */
  async function dealRow(tx: Tx, id: string, viewer: Viewer): Promise<DealRow> {
    const d = await repo.deal(tx, id, viewer.scope);
    if (!d) throw new AppError('DEAL_NOT_FOUND', `No deal ${id}`);
    return d;
  }

  /** The view a command answers with: the deal as the caller may see it. */
  async function answer(tx: Tx, viewer: Viewer, view: DealDetail): Promise<DealDetail> {
    return (await forViewer(tx, viewer, [view]))[0]!;
  }

  async function get(id: string, viewer: Viewer): Promise<DealDetail> {
    await dealRow(db, id, viewer);
    return answer(db, viewer, await detail(db, id));
  }

  function sortOf(sort: string | undefined): { field: DealSortField; desc: boolean } {
    const s = sort ?? '-createdAt';
    const desc = s.startsWith('-');
    const field = (desc ? s.slice(1) : s) as DealSortField;
    if (!(dealSortFields as readonly string[]).includes(field))
      throw validationError(
        'sort',
        'enum',
        `must be one of ${dealSortFields.join(', ')}, optionally with a leading -`,
      );
    return { field, desc };
  }

  /** Deals matching simple filters, sorted, a page at a time (cursors stable under inserts). */
  async function list(query: DealListQuery, viewer: Viewer): Promise<Page<Deal>> {
    const limit = query.limit ?? 50;
    const { field, desc } = sortOf(query.sort);
    let after: { value: string | number | null; id: string } | undefined;
    if (query.cursor) {
      const [value, id] = decodeCursor(query.cursor, 2);
      after = { value: value ?? null, id: String(id) };
    }
    const rows = await repo.list(db, {
      scope: viewer.scope,
      filter: {
        pipelineId: query.pipelineId,
        stageId: query.stageId,
        ownerId: query.ownerId,
        status: query.status,
        leadId: query.leadId,
        companyId: query.companyId,
        q: query.q,
      },
      sort: field,
      desc,
      limit: limit + 1,
      after,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const cursorValue = (r: DealRow) => {
      const v = r[dealSortColumns[field].column];
      return v === null ? null : typeof v === 'string' ? v : Number(v);
    };
    return {
      data: await forViewer(db, viewer, await dealViews(db, page)),
      nextCursor: rows.length > limit && last ? encodeCursor([cursorValue(last), last.id]) : null,
    };
  }

  /**
   * The Kanban board: one column per stage with its count, totals and weighted totals, and cards,
   * all over the deals the viewer sees (the stages' deal counts too).
   */
  async function board(pipelineId: string, query: BoardQuery, viewer: Viewer): Promise<Board> {
    const pipeline = await pipelines.get(pipelineId);
    const sums = Map.groupBy(
      await repo.columnSums(db, pipelineId, query.ownerId, viewer.scope),
      (s) => s.stageId,
    );
    const cards = new Map<string, DealRow[]>();
    for (const stage of pipeline.stages)
      cards.set(
        stage.id,
        await repo.columnDeals(
          db,
          stage.id,
          stage.kind !== 'open',
          query.ownerId,
          viewer.scope,
          dealLimits.boardCards,
        ),
      );
    // One batch of views for the whole board (owners, companies, leads), not one per column.
    const views = new Map(
      (await forViewer(db, viewer, await dealViews(db, [...cards.values()].flat()))).map((d) => [d.id, d]),
    );
    const countOf = (stageId: string) => (sums.get(stageId) ?? []).reduce((n, p) => n + p.count, 0);
    return {
      pipeline: {
        ...pipeline,
        stages:
          query.ownerId || viewer.scope.kind !== 'all'
            ? pipeline.stages.map((s) => ({ ...s, dealCount: countOf(s.id) }))
            : pipeline.stages,
      },
      columns: pipeline.stages.map((stage) => {
        const parts = sums.get(stage.id) ?? [];
        const totals: Money[] = parts
          .filter((p) => p.currency !== null)
          .map((p) => ({ amount: p.total, currency: p.currency! }))
          .sort((a, b) => a.currency.localeCompare(b.currency));
        return {
          stage,
          count: parts.reduce((n, p) => n + p.count, 0),
          totals,
          weighted: totals.map((t) => ({
            amount: weighted(t.amount, stage.probability),
            currency: t.currency,
          })),
          deals: (cards.get(stage.id) ?? []).map((r) => views.get(r.id)!),
        };
      }),
    };
  }

  // Who may do what.

  const ctxOf = (principal: Principal): WriteContext => ({
    actor: actorOf(principal),
    source: 'sales' as WriteContext['source'],
  });

  /**
   * Whether the viewer may own or change deals owned by `ownerId`: admins and API keys any, sales
   * people those of the owners in their scope (a rep: themselves; a manager: themselves and their
   * teams' members), marketing none.
   */
  function mayHandle(viewer: Viewer, ownerId: string | null): boolean {
    if (viewer.role === 'marketing') return false;
    if (viewer.scope.kind === 'all') return true;
    return ownerId !== null && viewer.scope.owners.includes(ownerId);
  }

  function assertMayChange(viewer: Viewer, deal: DealRow): void {
    if (!mayHandle(viewer, deal.owner_id))
      throw new AppError('DEAL_NOT_YOURS', `Deal ${deal.id} is neither yours nor your team's`, {
        details: [{ field: 'id', rule: 'ownership', message: 'not your deal' }],
      });
  }

  /** Checks an owner: an active user the viewer may give deals to. */
  async function checkOwner(tx: Tx, viewer: Viewer, ownerId: string): Promise<void> {
    if (!(await deps.activeUserIds(tx, [ownerId])).has(ownerId))
      throw new AppError('DEAL_OWNER_INVALID', `${ownerId} is not an active user`, {
        details: [{ field: 'ownerId', rule: 'active', message: 'not an active user' }],
      });
    if (!mayHandle(viewer, ownerId))
      throw new AppError(
        'DEAL_NOT_YOURS',
        viewer.role === 'sales_manager'
          ? 'Managers give deals to themselves or members of their teams'
          : 'Reps own the deals they open',
        { details: [{ field: 'ownerId', rule: 'ownership', message: 'not you or your team' }] },
      );
  }

  /**
   * The leads to link, checked: they exist for the viewer (in its scope; one outside answers as one
   * that does not exist, naming `leadIds.N`), are live, and the viewer may sell each new one.
   */
  async function checkLeads(
    tx: Tx,
    viewer: Viewer,
    leadIds: string[],
    toAuthorize: ReadonlySet<string> = new Set(leadIds),
    field = 'leadIds',
  ) {
    const rows = new Map((await repo.leadRows(tx, leadIds)).map((l) => [l.id, l]));
    const visible = await deps.permissions.visibleIds(tx, viewer, leadIds);
    const problems: ErrorDetail[] = [];
    leadIds.forEach((id, i) => {
      const l = rows.get(id);
      if (!l || l.erased_at !== null || !visible.has(id))
        problems.push({ field: `${field}.${i}`, rule: 'exists', message: `no lead ${id}` });
      else if (l.merged_into)
        problems.push({ field: `${field}.${i}`, rule: 'merged', message: `merged into ${l.merged_into}` });
    });
    if (problems.length > 0)
      throw new AppError(
        'DEAL_LEAD_INVALID',
        `Lead ${problems[0]!.message.replace(/^no lead /, '')} cannot be linked`,
        {
          details: problems,
        },
      );
    for (const [i, id] of leadIds.entries())
      if (toAuthorize.has(id)) await deps.permissions.requireLead(tx, viewer, id, 'sell', `${field}.${i}`);
    return leadIds.map((id) => rows.get(id)!);
  }

  function requiredName(name: string): string {
    const trimmed = name.trim();
    if (!trimmed) throw validationError('name', 'required', 'must not be blank');
    return trimmed;
  }

  function checkMoney(amount: Money | null | undefined): void {
    if (amount && !currencies.has(amount.currency))
      throw validationError(
        'amount.currency',
        'iso4217',
        `"${amount.currency}" is not an ISO 4217 currency code`,
      );
  }

  async function checkCompany(tx: Tx, companyId: string | null | undefined): Promise<void> {
    if (companyId && !(await repo.companies(tx, [companyId])).has(companyId))
      throw validationError('companyId', 'exists', `no company ${companyId}`);
  }

  // Effects on leads: lifecycle moves, timeline entries.

  type LeadLike = {
    id: string;
    lifecycle_stage: string;
    merged_into: string | null;
    erased_at: number | null;
  };

  /** Moves each live lead that the transition table lets go to `to`; others keep their stage. */
  async function moveLeads(
    tx: Tx,
    leads: LeadLike[],
    to: LifecycleStage,
    reason: string,
    ctx: WriteContext,
    details: Record<string, unknown>,
  ): Promise<string[]> {
    const moved: string[] = [];
    for (const l of leads) {
      if (l.merged_into || l.erased_at !== null) continue;
      if (!transitionOf(l.lifecycle_stage as LifecycleStage, to)) continue;
      await deps.changeStageIn(tx, l.id, { to, reason }, ctx, { details });
      moved.push(l.id);
    }
    return moved;
  }

  async function timeline(
    tx: Tx,
    leads: LeadLike[],
    type: string,
    properties: Record<string, unknown>,
    principal: Principal,
    now: number,
  ): Promise<void> {
    const actor = actorOf(principal);
    await repo.insertTouchpoints(
      tx,
      leads
        .filter((l) => !l.merged_into && l.erased_at === null)
        .map((l) => ({
          id: newId('tp', now),
          lead_id: l.id,
          type,
          occurred_at: now,
          source: principal.kind === 'apiKey' ? 'api' : 'manual',
          actor_type: actor.type,
          actor_id: 'id' in actor ? actor.id : null,
          actor_label: actor.label ?? null,
          properties: JSON.stringify(properties),
          created_at: now,
        })),
    );
  }

  const linkedAsLeads = (rows: LinkedLeadRow[]): LeadLike[] =>
    rows.map((r) => ({
      id: r.lead_id,
      lifecycle_stage: r.lifecycle_stage,
      merged_into: r.merged_into,
      erased_at: r.erased_at,
    }));

  async function historyRow(
    tx: Tx,
    o: {
      deal: DealRow;
      kind: DealHistoryKind;
      from: StageRow | null;
      to: StageRow;
      status: DealStatus;
      principal: Principal;
      reason?: string | null;
      now: number;
    },
  ): Promise<void> {
    const actor = actorOf(o.principal);
    await repo.insertHistory(tx, {
      id: newId('dsh', o.now),
      deal_id: o.deal.id,
      kind: o.kind,
      from_stage_id: o.from?.id ?? null,
      from_stage_name: o.from?.name ?? null,
      to_stage_id: o.to.id,
      to_stage_name: o.to.name,
      status: o.status,
      at: o.now,
      actor_type: actor.type,
      actor_id: 'id' in actor ? actor.id : null,
      actor_label: actor.label ?? null,
      reason: o.reason ?? null,
    });
  }

  async function publish(tx: Tx, events: DealEvent[]): Promise<void> {
    if (deps.publish && events.length > 0) await deps.publish(tx, events);
  }

  const stageRef = (s: StageRow) => ({
    id: s.id,
    name: s.name,
    kind: s.kind,
    probability: Number(s.probability),
  });

  // Deal commands.

  async function stageOfPipeline(tx: Tx, pipelineId: string, stageId: string): Promise<StageRow> {
    const s = await repo.stage(tx, stageId);
    if (!s || s.pipeline_id !== pipelineId)
      throw new AppError('DEAL_STAGE_INVALID', `Stage ${stageId} is not a stage of pipeline ${pipelineId}`, {
        details: [{ field: 'stageId', rule: 'pipeline', message: 'not a stage of the deal’s pipeline' }],
      });
    return s;
  }

  function requireOpenStage(s: StageRow): void {
    if (s.kind !== 'open')
      throw new AppError('DEAL_STAGE_INVALID', `"${s.name}" is a ${s.kind} stage; pick an open one`, {
        details: [{ field: 'stageId', rule: 'open', message: `a ${s.kind} stage` }],
      });
  }

  async function endOf(tx: Tx, stageId: string, without = ''): Promise<number> {
    const last = await repo.lastPosition(tx, stageId, without);
    return last === null ? positionGap : last + positionGap;
  }

  /** Opens a deal: linked leads (the first is primary) move to `opportunity` where the table allows. */
  async function create(input: DealInput, principal: Principal, viewer: Viewer): Promise<DealDetail> {
    checkMoney(input.amount);
    return db.transaction().execute(async (tx) => {
      const now = clock.now();
      const leads = await checkLeads(tx, viewer, input.leadIds);
      const primary = leads[0]!;
      let pipeline: PipelineRow;
      let stage: StageRow;
      if (input.pipelineId) pipeline = await pipelines.row(tx, input.pipelineId);
      else if (input.stageId) {
        const s = await repo.stage(tx, input.stageId);
        if (!s)
          throw new AppError('DEAL_STAGE_INVALID', `No stage ${input.stageId}`, {
            details: [{ field: 'stageId', rule: 'exists', message: 'no such stage' }],
          });
        pipeline = await pipelines.row(tx, s.pipeline_id);
      } else {
        const p = await repo.defaultPipeline(tx);
        if (!p) throw new AppError('PIPELINE_NOT_FOUND', 'There is no pipeline; create one first');
        pipeline = p;
      }
      if (input.stageId) stage = await stageOfPipeline(tx, pipeline.id, input.stageId);
      else {
        const first = (await repo.stagesOf(tx, [pipeline.id])).find((s) => s.kind === 'open');
        if (!first) throw new AppError('PIPELINE_INVALID', `Pipeline ${pipeline.name} has no open stage`);
        stage = first;
      }
      requireOpenStage(stage);
      const ownerId =
        input.ownerId ?? (principal.kind === 'user' ? principal.userId : (primary.owner_id ?? undefined));
      if (!ownerId)
        throw new AppError('DEAL_OWNER_INVALID', 'Name an owner: the primary lead has none', {
          details: [{ field: 'ownerId', rule: 'required', message: 'the primary lead has no owner' }],
        });
      await checkOwner(tx, viewer, ownerId);
      const companyId = input.companyId !== undefined ? input.companyId : primary.company_id;
      if (input.companyId) await checkCompany(tx, input.companyId);
      const id = newId('deal', now);
      const row: DealRow = {
        id,
        name: requiredName(input.name),
        pipeline_id: pipeline.id,
        stage_id: stage.id,
        position: await endOf(tx, stage.id),
        status: 'open',
        amount: input.amount?.amount ?? null,
        currency: input.amount?.currency ?? null,
        expected_close: input.expectedCloseDate ?? null,
        owner_id: ownerId,
        company_id: companyId ?? null,
        closed_at: null,
        lost_reason_code: null,
        lost_reason_label: null,
        lost_note: null,
        stage_entered_at: now,
        created_by: principal.kind === 'user' ? principal.userId : null,
        created_at: now,
        updated_at: now,
      };
      await repo.insertDeal(tx, row);
      await repo.setLinkedLeads(tx, id, input.leadIds, now);
      await historyRow(tx, {
        deal: row,
        kind: 'created',
        from: null,
        to: stage,
        status: 'open',
        principal,
        now,
      });
      const ctx = ctxOf(principal);
      const dealRef = { dealId: id, dealName: row.name };
      await moveLeads(tx, leads, 'opportunity', `Deal "${row.name}" opened`, ctx, dealRef);
      await timeline(
        tx,
        leads,
        'deal_opened',
        { ...dealRef, stage: stage.name, amount: row.amount, currency: row.currency },
        principal,
        now,
      );
      const view = await detail(tx, id);
      await publish(tx, [{ type: 'deal.created', occurredAt: now, data: { deal: webhookView(view) } }]);
      return answer(tx, viewer, view);
    });
  }

  /** "Open a deal" on a lead: the lead is the primary one; the name defaults from its company. */
  async function createForLead(
    leadId: string,
    input: LeadDealInput,
    principal: Principal,
    viewer: Viewer,
  ): Promise<DealDetail> {
    const [lead] = await repo.leadRows(db, [leadId]);
    if (!lead || lead.erased_at !== null) throw new AppError('LEAD_NOT_FOUND', `No lead ${leadId}`);
    const name = input.name ?? `${lead.company_name || leadName(lead)} deal`.slice(0, 200);
    return create({ ...input, name, leadIds: [leadId] }, principal, viewer);
  }

  async function patch(
    id: string,
    input: DealPatch,
    principal: Principal,
    viewer: Viewer,
  ): Promise<DealDetail> {
    checkMoney(input.amount);
    return db.transaction().execute(async (tx) => {
      const deal = await dealRow(tx, id, viewer);
      assertMayChange(viewer, deal);
      const now = clock.now();
      if (input.ownerId !== undefined && input.ownerId !== deal.owner_id)
        await checkOwner(tx, viewer, input.ownerId);
      if (input.companyId) await checkCompany(tx, input.companyId);
      let added: LeadLike[] = [];
      if (input.leadIds) {
        if (deal.status !== 'open')
          throw new AppError(
            'DEAL_CLOSED',
            `Deal "${deal.name}" is ${deal.status}; reopen it to change its leads`,
            {
              details: [{ field: 'leadIds', rule: 'open', message: `the deal is ${deal.status}` }],
            },
          );
        const linked = (await repo.linkedLeads(tx, [id])).map((l) => l.lead_id);
        const before = new Set(linked);
        const fresh = new Set(input.leadIds.filter((l) => !before.has(l)));
        // Every lead must be live and seen; only newly linked ones need the right to sell them.
        const rows = await checkLeads(tx, viewer, input.leadIds, fresh);
        added = rows.filter((l) => fresh.has(l.id));
        // Linked leads the caller does not see stay linked (it cannot name them, so it cannot mean
        // to drop them); a hidden primary lead stays the primary one.
        const seen = await deps.permissions.visibleIds(tx, viewer, linked);
        const hidden = linked.filter((l) => !seen.has(l));
        const next =
          linked[0] !== undefined && hidden[0] === linked[0]
            ? [linked[0], ...input.leadIds, ...hidden.slice(1)]
            : [...input.leadIds, ...hidden];
        await repo.setLinkedLeads(tx, id, next, now);
      }
      const name = input.name === undefined ? undefined : requiredName(input.name);
      await repo.updateDeal(tx, id, {
        ...(name ? { name } : {}),
        ...(input.amount !== undefined
          ? { amount: input.amount?.amount ?? null, currency: input.amount?.currency ?? null }
          : {}),
        ...(input.expectedCloseDate !== undefined ? { expected_close: input.expectedCloseDate } : {}),
        ...(input.ownerId !== undefined ? { owner_id: input.ownerId } : {}),
        ...(input.companyId !== undefined ? { company_id: input.companyId } : {}),
        updated_at: now,
      });
      if (added.length > 0) {
        const dealName = name || deal.name;
        const dealRef = { dealId: id, dealName };
        await moveLeads(tx, added, 'opportunity', `Linked to deal "${dealName}"`, ctxOf(principal), dealRef);
        await timeline(tx, added, 'deal_linked', dealRef, principal, now);
      }
      return answer(tx, viewer, await detail(tx, id));
    });
  }

  /**
   * Moves a deal to a stage of its pipeline, at a place in the column. Into the won stage it is won;
   * into the lost stage, lost (with reasonCode and leadOutcome). A closed deal is reopened first.
   */
  async function move(
    id: string,
    input: MoveInput,
    principal: Principal,
    viewer: Viewer,
  ): Promise<DealDetail> {
    return db.transaction().execute(async (tx) => {
      const deal = await dealRow(tx, id, viewer);
      assertMayChange(viewer, deal);
      const to = await stageOfPipeline(tx, deal.pipeline_id, input.stageId);
      if (to.kind === 'won') return answer(tx, viewer, await closeWon(tx, deal, principal));
      if (to.kind === 'lost') {
        if (!input.reasonCode)
          throw validationError('reasonCode', 'required', 'moving into the lost stage needs a reason');
        if (!input.leadOutcome)
          throw validationError(
            'leadOutcome',
            'required',
            'moving into the lost stage says what happens to the leads',
          );
        return answer(
          tx,
          viewer,
          await closeLost(
            tx,
            deal,
            { reasonCode: input.reasonCode, note: input.note, leadOutcome: input.leadOutcome },
            principal,
          ),
        );
      }
      if (deal.status !== 'open') throw closedError(deal);
      const now = clock.now();
      const position = await placeAt(tx, to.id, input.position, deal.id);
      const from = await repo.stage(tx, deal.stage_id);
      const changed = to.id !== deal.stage_id;
      const ok = await repo.updateDeal(
        tx,
        id,
        { stage_id: to.id, position, updated_at: now, ...(changed ? { stage_entered_at: now } : {}) },
        { status: 'open', stageId: deal.stage_id },
      );
      if (!ok) throw changedError(deal);
      if (changed) {
        await historyRow(tx, { deal, kind: 'moved', from: from ?? null, to, status: 'open', principal, now });
        const leads = linkedAsLeads(await repo.linkedLeads(tx, [id]));
        await timeline(
          tx,
          leads,
          'deal_stage_changed',
          { dealId: id, dealName: deal.name, from: from?.name ?? null, to: to.name },
          principal,
          now,
        );
      }
      const view = await detail(tx, id);
      if (changed)
        await publish(tx, [
          {
            type: 'deal.stage_changed',
            occurredAt: now,
            data: { deal: webhookView(view), from: from ? stageRef(from) : null, to: stageRef(to) },
          },
        ]);
      return answer(tx, viewer, view);
    });
  }

  /** A place in a column: between the neighbours at `index`, or last. */
  async function placeAt(
    tx: Tx,
    stageId: string,
    index: number | undefined,
    dealId: string,
  ): Promise<number> {
    if (index === undefined) return endOf(tx, stageId, dealId);
    let { before, after } = await repo.neighbours(tx, stageId, index, dealId);
    let at = positionBetween(before, after);
    if (at === null) {
      await repo.renumber(tx, stageId, positionGap);
      ({ before, after } = await repo.neighbours(tx, stageId, index, dealId));
      at = positionBetween(before, after)!;
    }
    return at;
  }

  const closedError = (deal: DealRow) =>
    new AppError('DEAL_CLOSED', `Deal "${deal.name}" is ${deal.status}; reopen it first`, {
      details: [{ field: 'status', rule: 'open', message: `the deal is ${deal.status}` }],
    });
  const changedError = (deal: DealRow) =>
    new AppError('DEAL_CHANGED', `Deal "${deal.name}" changed meanwhile; reload it and try again`, {
      details: [{ field: 'id', rule: 'stale', message: 'changed meanwhile' }],
    });

  async function stageOfKind(tx: Tx, pipelineId: string, kind: StageKind): Promise<StageRow> {
    const s = (await repo.stagesOf(tx, [pipelineId])).find((x) => x.kind === kind);
    if (!s) throw new AppError('PIPELINE_INVALID', `The pipeline has no ${kind} stage`);
    return s;
  }

  async function closeWon(tx: Tx, deal: DealRow, principal: Principal): Promise<DealDetail> {
    if (deal.status !== 'open') throw closedError(deal);
    const now = clock.now();
    const to = await stageOfKind(tx, deal.pipeline_id, 'won');
    const from = await repo.stage(tx, deal.stage_id);
    const ok = await repo.updateDeal(
      tx,
      deal.id,
      { stage_id: to.id, status: 'won', position: 0, closed_at: now, stage_entered_at: now, updated_at: now },
      { status: 'open', stageId: deal.stage_id },
    );
    if (!ok) throw changedError(deal);
    await historyRow(tx, { deal, kind: 'won', from: from ?? null, to, status: 'won', principal, now });
    const leads = linkedAsLeads(await repo.linkedLeads(tx, [deal.id]));
    const dealRef = { dealId: deal.id, dealName: deal.name };
    await moveLeads(tx, leads, 'customer', `Deal "${deal.name}" won`, ctxOf(principal), dealRef);
    await timeline(
      tx,
      leads,
      'deal_won',
      { ...dealRef, amount: deal.amount === null ? null : Number(deal.amount), currency: deal.currency },
      principal,
      now,
    );
    const view = await detail(tx, deal.id);
    await publish(tx, [
      {
        type: 'deal.stage_changed',
        occurredAt: now,
        data: { deal: webhookView(view), from: from ? stageRef(from) : null, to: stageRef(to) },
      },
      { type: 'deal.won', occurredAt: now, data: { deal: webhookView(view) } },
    ]);
    return view;
  }

  async function closeLost(
    tx: Tx,
    deal: DealRow,
    input: LostInput,
    principal: Principal,
  ): Promise<DealDetail> {
    if (deal.status !== 'open') throw closedError(deal);
    const pipeline = await pipelines.row(tx, deal.pipeline_id);
    const reasons = fromJson<LostReason[]>(pipeline.lost_reasons, []);
    const reason = reasons.find((r) => r.code === input.reasonCode);
    if (!reason)
      throw new AppError(
        'DEAL_LOST_REASON_UNKNOWN',
        `"${input.reasonCode}" is not a lost reason of ${pipeline.name}`,
        {
          details: [
            {
              field: 'reasonCode',
              rule: 'pipeline',
              message: `one of ${reasons.map((r) => r.code).join(', ')}`,
            },
          ],
        },
      );
    const note = input.note?.trim() || null;
    const now = clock.now();
    const to = await stageOfKind(tx, deal.pipeline_id, 'lost');
    const from = await repo.stage(tx, deal.stage_id);
    const ok = await repo.updateDeal(
      tx,
      deal.id,
      {
        stage_id: to.id,
        status: 'lost',
        position: 0,
        closed_at: now,
        stage_entered_at: now,
        lost_reason_code: reason.code,
        lost_reason_label: reason.label,
        lost_note: note,
        updated_at: now,
      },
      { status: 'open', stageId: deal.stage_id },
    );
    if (!ok) throw changedError(deal);
    const text = lostReasonText(deal.name, reason.label, note);
    await historyRow(tx, {
      deal,
      kind: 'lost',
      from: from ?? null,
      to,
      status: 'lost',
      principal,
      now,
      reason: text,
    });
    const linked = linkedAsLeads(await repo.linkedLeads(tx, [deal.id]));
    // A lead another open deal still holds stays an opportunity.
    const busy = await repo.leadsWithOtherOpenDeals(
      tx,
      linked.map((l) => l.id),
      deal.id,
    );
    const dealRef = { dealId: deal.id, dealName: deal.name, lostReasonCode: reason.code };
    await moveLeads(
      tx,
      linked.filter((l) => !busy.has(l.id)),
      input.leadOutcome,
      text,
      ctxOf(principal),
      dealRef,
    );
    await timeline(
      tx,
      linked,
      'deal_lost',
      {
        dealId: deal.id,
        dealName: deal.name,
        reasonCode: reason.code,
        reason: reason.label,
        note,
        leadOutcome: input.leadOutcome,
      },
      principal,
      now,
    );
    const view = await detail(tx, deal.id);
    await publish(tx, [
      {
        type: 'deal.stage_changed',
        occurredAt: now,
        data: { deal: webhookView(view), from: from ? stageRef(from) : null, to: stageRef(to) },
      },
      {
        type: 'deal.lost',
        occurredAt: now,
        data: {
          deal: webhookView(view),
          reason: { code: reason.code, label: reason.label, note },
          leadOutcome: input.leadOutcome,
        },
      },
    ]);
    return view;
  }

  async function won(id: string, principal: Principal, viewer: Viewer): Promise<DealDetail> {
    return db.transaction().execute(async (tx) => {
      const deal = await dealRow(tx, id, viewer);
      assertMayChange(viewer, deal);
      return answer(tx, viewer, await closeWon(tx, deal, principal));
    });
  }

  async function lost(
    id: string,
    input: LostInput,
    principal: Principal,
    viewer: Viewer,
  ): Promise<DealDetail> {
    return db.transaction().execute(async (tx) => {
      const deal = await dealRow(tx, id, viewer);
      assertMayChange(viewer, deal);
      return answer(tx, viewer, await closeLost(tx, deal, input, principal));
    });
  }

  /**
   * Reopens a won or lost deal into an open stage (default: where it was before it closed). Its
   * recycled leads become opportunities again; customers and disqualified leads keep their stage.
   */
  async function reopen(
    id: string,
    input: ReopenInput,
    principal: Principal,
    viewer: Viewer,
  ): Promise<DealDetail> {
    return db.transaction().execute(async (tx) => {
      const deal = await dealRow(tx, id, viewer);
      assertMayChange(viewer, deal);
      if (deal.status === 'open')
        throw new AppError('DEAL_NOT_CLOSED', `Deal "${deal.name}" is open`, {
          details: [{ field: 'status', rule: 'closed', message: 'the deal is open' }],
        });
      let to: StageRow | undefined;
      if (input.stageId) {
        to = await stageOfPipeline(tx, deal.pipeline_id, input.stageId);
        requireOpenStage(to);
      } else {
        const before = (await repo.lastClosing(tx, deal.id))?.from_stage_id;
        const stages = await repo.stagesOf(tx, [deal.pipeline_id]);
        to =
          stages.find((s) => s.id === before && s.kind === 'open') ?? stages.find((s) => s.kind === 'open');
        if (!to) throw new AppError('PIPELINE_INVALID', 'The pipeline has no open stage');
      }
      const now = clock.now();
      const from = await repo.stage(tx, deal.stage_id);
      const ok = await repo.updateDeal(
        tx,
        id,
        {
          stage_id: to.id,
          status: 'open',
          position: await endOf(tx, to.id, id),
          closed_at: null,
          lost_reason_code: null,
          lost_reason_label: null,
          lost_note: null,
          stage_entered_at: now,
          updated_at: now,
        },
        { status: deal.status, stageId: deal.stage_id },
      );
      if (!ok) throw changedError(deal);
      const reason = input.reason?.trim() || null;
      await historyRow(tx, {
        deal,
        kind: 'reopened',
        from: from ?? null,
        to,
        status: 'open',
        principal,
        now,
        reason,
      });
      const leads = linkedAsLeads(await repo.linkedLeads(tx, [id]));
      const dealRef = { dealId: id, dealName: deal.name };
      await moveLeads(
        tx,
        leads.filter((l) => l.lifecycle_stage !== 'customer'),
        'opportunity',
        `Deal "${deal.name}" reopened${reason ? `: ${reason}` : ''}`,
        ctxOf(principal),
        dealRef,
      );
      await timeline(tx, leads, 'deal_reopened', { ...dealRef, stage: to.name, reason }, principal, now);
      const view = await detail(tx, id);
      await publish(tx, [
        {
          type: 'deal.stage_changed',
          occurredAt: now,
          data: {
            deal: webhookView(view),
            from: from ? stageRef(from) : null,
            to: stageRef(to),
            reopened: true,
          },
        },
      ]);
      return answer(tx, viewer, view);
    });
  }

  /**
   * Deletes a deal (made by mistake, a duplicate): its links and stage history go with it. Its
   * leads keep their stage (a deletion is not an outcome: close the deal as lost for that); each
   * gets a timeline entry, and the deletion is in the audit log and sent as `deal.deleted`.
   */
  async function remove(id: string, principal: Principal, viewer: Viewer): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const deal = await dealRow(tx, id, viewer);
      assertMayChange(viewer, deal);
      const now = clock.now();
      const view = await detail(tx, id);
      const leads = linkedAsLeads(await repo.linkedLeads(tx, [id]));
      await repo.deleteDeal(tx, id);
      await timeline(tx, leads, 'deal_deleted', { dealId: id, dealName: deal.name }, principal, now);
      await deps.audit.record(tx, {
        actor: actorOf(principal),
        action: 'deal.deleted',
        target: { type: 'deal', id },
        details: { name: deal.name, status: deal.status, stage: view.stageName, leads: leads.length },
      });
      await publish(tx, [{ type: 'deal.deleted', occurredAt: now, data: { deal: webhookView(view) } }]);
    });
  }

  return {
    remove,
    board,
    list,
    get,
    create,
    createForLead,
    patch,
    move,
    won,
    lost,
    reopen,
  };
}

/** The deal as webhook receivers see it (the API's view without the stage history). */
function webhookView(d: DealDetail): Omit<Deal, 'hiddenLeads' | 'canChange'> {
  const { history: _history, hiddenLeads: _hidden, canChange: _canChange, ...deal } = d;
  return deal;
}

export type DealsService = ReturnType<typeof createDealsService>;
