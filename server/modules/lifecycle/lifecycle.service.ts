/**
 * Stages and transitions: every move is a history row (never overwritten) and a domain event, in
 * the transaction that made it. Moves by people and API calls follow the transition table; the
 * policy promotes qualifying leads to MQL on its own; imports and demo data record history as given.
 */
import type { Insertable } from 'kysely';
import { type LifecycleStage, lifecycleStages } from '../../../contracts/leads.ts';
import {
  bantFields,
  type DomainEvent,
  type LeadStages,
  type PolicyDefinition,
  type StageChangeInput,
  type StageHistoryEntry,
  transitionOf,
  transitionsFrom,
  unvalidatedSources,
} from '../../../contracts/lifecycle.ts';
import { attachment } from '../../platform/attachment.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { type DomainEventsTable, fromJson, type LeadStageHistoryTable } from '../../platform/db/schema.ts';
import { AppError, type ErrorDetail } from '../../platform/errors.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { Actor } from '../audit/index.ts';
import type { LeadsInserting, ResolvedListener, WriteContext } from '../leads/index.ts';
import type { HistoryRow, LifecycleRepo } from './lifecycle.repo.ts';
import {
  type Explanation,
  handRaiseOf,
  mayBeHandRaise,
  qualifiableStages,
  scoreMatch,
  type TouchpointFacts,
} from './lifecycle.rules.ts';
import type { PolicyService } from './policy.service.ts';

/** Why an evaluation runs: a touchpoint arrived (its facts decide hand-raises), a score changed… */
export type EvaluationCause = {
  reason: 'touchpoint' | 'score' | 'policy' | (string & {});
  /** Touchpoints that just happened, per lead: the hand-raise criterion looks at these. */
  touchpoints?: { leadId: string; type: string; properties: unknown }[];
  /**
   * The leads' stage and score as the caller just read and wrote them in this transaction (live
   * leads only), so evaluation need not read them again (scoring passes them on the capture path).
   */
  leads?: { id: string; lifecycleStage: string; scoreTotal: number; fitGrade: string | null }[];
};

export type TransitionMade = {
  leadId: string;
  from: LifecycleStage | null;
  to: LifecycleStage;
  historyId: string;
  policyVersion: number | null;
};

type Deps = {
  database: Database;
  repo: LifecycleRepo;
  clock: Clock;
  policy: PolicyService;
};

const isStage = (v: unknown): v is LifecycleStage =>
  typeof v === 'string' && (lifecycleStages as readonly string[]).includes(v);

const policyActor = (version: number): Actor => ({
  type: 'system',
  label: `qualification policy v${version}`,
});

/** Why the policy makes a lead an MQL, or null: its score first, then its hand-raises in order. */
function qualificationOf(
  definition: PolicyDefinition,
  lead: { score_total: number; fit_grade: string | null },
  touchpoints: readonly TouchpointFacts[],
): Explanation | null {
  let explanation = scoreMatch(definition, lead);
  for (const t of touchpoints) {
    if (explanation) break;
    explanation = handRaiseOf(definition, t);
  }
  return explanation;
}

/** A domain event as listeners see it, in the transaction that wrote it (time in ms). */
export type WrittenEvent = {
  id: string;
  type: string;
  leadId: string | null;
  occurredAt: number;
  payload: Record<string, unknown>;
};
export type DomainEventListener = (tx: Tx, events: WrittenEvent[]) => Promise<void>;

/** The caller's say over stage moves: which it may make, and a check that throws for the others. */
export type StageGuard = {
  mayMove(from: LifecycleStage, to: LifecycleStage): boolean;
  check(from: LifecycleStage, to: LifecycleStage): void;
};

export function createLifecycleService({ database, repo, clock, policy }: Deps) {
  const eventListeners: DomainEventListener[] = [];
  /** Told of every domain event written, in the same transaction (webhooks publish them). */
  function onEvents(listener: DomainEventListener): void {
    eventListeners.push(listener);
  }
  const db = database.db;

  type Move = {
    leadId: string;
    from: LifecycleStage | null;
    to: LifecycleStage;
    at: number;
    actor: Actor;
    source: string;
    reason?: string | null;
    reasonCode?: string | null;
    policyVersion: number | null;
    details?: Record<string, unknown>;
  };

  /** The policy's move of a lead to MQL, with the criterion that qualified it. */
  function mqlMove(
    leadId: string,
    from: LifecycleStage,
    explanation: Explanation,
    version: number,
    at: number,
    cause: string,
  ): Move {
    return {
      leadId,
      from,
      to: 'mql',
      at,
      actor: policyActor(version),
      source: 'policy',
      reason: explanation.text,
      policyVersion: version || null,
      details: { explanation, cause },
    };
  }

  /**
   * Writes history rows and their events: `lead.stage_changed` per change, `lead.mql` on reaching
   * MQL. A replay of past moves (`events: false`) is history only: nothing to hand off or deliver.
   */
  async function record(
    tx: Tx,
    moves: Move[],
    options: { events?: boolean } = {},
  ): Promise<TransitionMade[]> {
    const withEvents = options.events ?? true;
    if (moves.length === 0) return [];
    const now = clock.now();
    const history: Insertable<LeadStageHistoryTable>[] = [];
    const events: Insertable<DomainEventsTable>[] = [];
    // Each event's payload as an object, for the listeners (the row holds it serialised).
    const payloads: Record<string, unknown>[] = [];
    const made: TransitionMade[] = [];
    for (const m of moves) {
      const id = newId('stg', now);
      const historical = unvalidatedSources.includes(m.source);
      const kind =
        m.from === null
          ? 'initial'
          : (transitionOf(m.from, m.to)?.kind ?? (historical ? 'historical' : 'forward'));
      history.push({
        id,
        lead_id: m.leadId,
        from_stage: m.from,
        to_stage: m.to,
        kind,
        at: m.at,
        actor_type: m.actor.type,
        actor_id: 'id' in m.actor ? m.actor.id : null,
        actor_label: m.actor.label ?? null,
        source: m.source,
        reason: m.reason ?? null,
        reason_code: m.reasonCode ?? null,
        policy_version: m.policyVersion,
        details: JSON.stringify(m.details ?? {}),
      });
      const payload = {
        leadId: m.leadId,
        from: m.from,
        to: m.to,
        kind,
        at: iso(m.at),
        source: m.source,
        reason: m.reason ?? null,
        reasonCode: m.reasonCode ?? null,
        policyVersion: m.policyVersion,
        historyId: id,
        ...(m.details?.explanation ? { explanation: m.details.explanation } : {}),
      };
      const text = withEvents && m.from !== null ? JSON.stringify(payload) : '';
      // A lead's first stage is its creation, not a change of stage.
      if (m.from !== null && withEvents) {
        events.push({
          id: newId('evt', now),
          type: 'lead.stage_changed',
          lead_id: m.leadId,
          payload: text,
          occurred_at: m.at,
        });
        payloads.push(payload);
      }
      // Historical stages (imports, demo data) are not fresh MQLs to hand off.
      if (m.to === 'mql' && m.from !== 'mql' && !historical && withEvents) {
        events.push({
          id: newId('evt', now),
          type: 'lead.mql',
          lead_id: m.leadId,
          payload: text || JSON.stringify(payload),
          occurred_at: m.at,
        });
        payloads.push(payload);
      }
      made.push({ leadId: m.leadId, from: m.from, to: m.to, historyId: id, policyVersion: m.policyVersion });
    }
    await repo.insertHistory(tx, history);
    await repo.insertEvents(tx, events);
    if (events.length > 0)
      for (const listener of eventListeners)
        await listener(
          tx,
          events.map((e, i) => ({
            id: e.id,
            type: e.type,
            leadId: e.lead_id ?? null,
            occurredAt: Number(e.occurred_at),
            // A copy each: one move's two events share their payload.
            payload: { ...payloads[i]! },
          })),
        );
    return made;
  }

  /**
   * New leads whose own touchpoints raise a hand under the active policy, qualified before their
   * insert (the leads module calls this): they go in as MQLs, written once instead of inserted and
   * then updated. Keyed by the lead's touchpoint list, as onResolved gets it back.
   */
  const raisedEarly = attachment<Move>('raised early');
  const beforeLeadsInsert: LeadsInserting = async (tx, leads) => {
    const quick = await policy.recent(tx);
    const mayRaise = (t: { source: string; type: string }) =>
      !unvalidatedSources.includes(t.source) && mayBeHandRaise(quick.definition, t.type);
    // The leads onResolved would evaluate: those with a touchpoint that may raise a hand.
    const raising = leads.filter(
      (l) =>
        qualifiableStages.includes(l.row.lifecycle_stage as LifecycleStage) && l.touchpoints.some(mayRaise),
    );
    if (raising.length === 0) return;
    const { version, definition } = await policy.active(tx);
    const now = clock.now();
    for (const { row, touchpoints } of raising) {
      // As evaluate decides (a new lead's score is still the default).
      const explanation = qualificationOf(
        definition,
        { score_total: Number(row.score_total ?? 0), fit_grade: row.fit_grade ?? null },
        touchpoints.filter(mayRaise),
      );
      if (!explanation) continue;
      raisedEarly.set(
        touchpoints,
        mqlMove(row.id, row.lifecycle_stage as LifecycleStage, explanation, version, now, 'touchpoint'),
      );
      row.lifecycle_stage = 'mql';
    }
  };

  /**
   * The resolver's listener: records the stage moves it made (creations, imports, API and UI edits
   * already checked against the transition table), then the MQL moves of new leads qualified before
   * their insert, then lets hand-raises among the other new touchpoints qualify their leads.
   * Nothing runs for leads without a move or a possible hand-raise.
   */
  const onResolved: ResolvedListener = async (tx, resolved) => {
    const moves = resolved.flatMap((r) => (r.stageMoves ?? []).map((m) => ({ leadId: r.leadId, m })));
    const early: Move[] = [];
    for (const r of resolved) {
      const move = r.created ? raisedEarly.get(r.touchpoints) : undefined;
      if (move) early.push(move);
    }
    const qualified = new Set(early.map((m) => m.leadId));
    const quick = await policy.recent(tx);
    const touchpoints: NonNullable<EvaluationCause['touchpoints']> = [];
    for (const r of resolved)
      for (const t of r.touchpoints)
        if (
          !qualified.has(r.leadId) &&
          !unvalidatedSources.includes(t.source) &&
          mayBeHandRaise(quick.definition, t.type)
        )
          touchpoints.push({ leadId: r.leadId, type: t.type, properties: t.properties });
    if (moves.length > 0) {
      const { version } = await policy.active(tx);
      await record(
        tx,
        moves.map(({ leadId, m }) => ({
          leadId,
          from: m.from,
          to: m.to,
          at: m.at,
          actor: m.actor,
          source: m.source,
          policyVersion: version || null,
        })),
      );
    }
    await replay(tx, resolved);
    if (early.length > 0) await record(tx, early);
    if (touchpoints.length > 0)
      await evaluate(tx, [...new Set(touchpoints.map((t) => t.leadId))], {
        reason: 'touchpoint',
        touchpoints,
      });
  };

  /**
   * Merges and un-merges may set a lead's stage outside the resolver (the merge dialog's choice,
   * an un-merge restoring it): a stage that differs from the history's last entry is recorded.
   */
  async function reconcile(tx: Tx, leadIds: string[]): Promise<TransitionMade[]> {
    const leads = (await repo.leadStages(tx, leadIds)).filter((l) => !l.merged_into && l.erased_at === null);
    if (leads.length === 0) return [];
    const last = new Map<string, string>();
    for (const h of await repo.historyOfLeads(
      tx,
      leads.map((l) => l.id),
    ))
      last.set(h.lead_id, h.to_stage);
    const stale = leads.filter((l) => last.get(l.id) !== l.lifecycle_stage);
    if (stale.length === 0) return [];
    const { version } = await policy.active(tx);
    const now = clock.now();
    return record(
      tx,
      stale.map((l) => ({
        leadId: l.id,
        from: (last.get(l.id) ?? null) as LifecycleStage | null,
        to: l.lifecycle_stage as LifecycleStage,
        at: now,
        actor: { type: 'system', label: 'merge' },
        source: 'system',
        reason: 'Stage taken over in a merge or restored by un-merging',
        policyVersion: version || null,
      })),
    );
  }

  /**
   * Imports and demo data may bring a lead's past stage path as `stage_changed` touchpoints
   * ({ from, to, reason }): each becomes a history row at its own time. The lead was created at its
   * current stage, so when its history is just that creation, the creation is corrected to the
   * stage the path starts from (same transaction: the placeholder never was true).
   */
  async function replay(tx: Tx, resolved: Parameters<ResolvedListener>[1]): Promise<void> {
    const moves: Move[] = [];
    for (const r of resolved)
      for (const t of r.touchpoints) {
        if (t.type !== 'stage_changed' || !unvalidatedSources.includes(t.source)) continue;
        const p = fromJson<Record<string, unknown>>(t.properties, {});
        if (!isStage(p.from) || !isStage(p.to)) continue;
        const actor: Actor = t.actor_id
          ? ({ type: t.actor_type ?? 'system', id: t.actor_id, label: t.actor_label ?? '' } as Actor)
          : { type: 'system', label: t.actor_label ?? t.source };
        moves.push({
          leadId: r.leadId,
          from: p.from,
          to: p.to,
          at: Number(t.occurred_at),
          actor,
          source: t.source,
          reason: typeof p.reason === 'string' ? p.reason.slice(0, 2000) : null,
          policyVersion: null,
        });
      }
    if (moves.length === 0) return;
    moves.sort((a, b) => a.at - b.at);
    const history = Map.groupBy(
      await repo.historyOfLeads(tx, [...new Set(moves.map((m) => m.leadId))]),
      (h) => h.lead_id,
    );
    const firstOf = new Map<string, Move>();
    for (const m of moves) if (!firstOf.has(m.leadId)) firstOf.set(m.leadId, m);
    const corrections = new Map<string, string[]>();
    for (const [leadId, rows] of history) {
      const only = rows.length === 1 ? rows[0]! : undefined;
      const first = firstOf.get(leadId)!;
      if (only && only.kind === 'initial' && only.source === first.source && only.to_stage !== first.from) {
        const ids = corrections.get(first.from!);
        if (ids) ids.push(only.id);
        else corrections.set(first.from!, [only.id]);
      }
    }
    // One statement per stage the paths start from (a handful), not one per lead.
    for (const [to, ids] of corrections) await repo.setHistoryTo(tx, ids, to);
    await record(tx, moves, { events: false });
  }

  /**
   * Applies the active policy to these leads inside the caller's transaction: a subscriber, lead or
   * recycled lead that meets the MQL criteria becomes an MQL, with the criterion that matched.
   * Scoring calls it after every score change; touchpoints call it for hand-raises.
   */
  async function evaluate(tx: Tx, leadIds: string[], cause: EvaluationCause): Promise<TransitionMade[]> {
    if (leadIds.length === 0) return [];
    const rows = cause.leads
      ? cause.leads.map((l) => ({
          id: l.id,
          lifecycle_stage: l.lifecycleStage,
          score_total: l.scoreTotal,
          fit_grade: l.fitGrade,
          merged_into: null,
          erased_at: null,
        }))
      : await repo.leadStages(tx, [...new Set(leadIds)]);
    const candidates = rows.filter(
      (l) =>
        !l.merged_into &&
        l.erased_at === null &&
        qualifiableStages.includes(l.lifecycle_stage as LifecycleStage),
    );
    if (candidates.length === 0) return [];
    const { version, definition } = await policy.active(tx);
    const byLead = Map.groupBy(cause.touchpoints ?? [], (t) => t.leadId);
    const now = clock.now();
    const qualified: { leadId: string; from: LifecycleStage; explanation: Explanation }[] = [];
    for (const lead of candidates) {
      const explanation = qualificationOf(definition, lead, byLead.get(lead.id) ?? []);
      if (explanation)
        qualified.push({ leadId: lead.id, from: lead.lifecycle_stage as LifecycleStage, explanation });
    }
    // One conditional update per stage they come from (a handful), not one per lead; a lead that
    // someone moved meanwhile keeps its stage and gets no move.
    const moved = new Set<string>();
    for (const [from, group] of Map.groupBy(qualified, (q) => q.from))
      for (const id of await repo.setStages(
        tx,
        group.map((q) => q.leadId),
        from,
        'mql',
        now,
      ))
        moved.add(id);
    const moves: Move[] = [];
    for (const { leadId, from, explanation } of qualified)
      if (moved.has(leadId)) moves.push(mqlMove(leadId, from, explanation, version, now, cause.reason));
    return record(tx, moves);
  }

  function entryOf(r: HistoryRow): StageHistoryEntry {
    return {
      id: r.id,
      from: (r.from_stage ?? null) as LifecycleStage | null,
      to: r.to_stage as LifecycleStage,
      kind: r.kind as StageHistoryEntry['kind'],
      at: iso(Number(r.at)),
      actor: { type: r.actor_type, id: r.actor_id, label: r.actor_label },
      source: r.source,
      reason: r.reason,
      reasonCode: r.reason_code,
      policyVersion: r.policy_version === null ? null : Number(r.policy_version),
      details: fromJson<Record<string, unknown>>(r.details, {}),
    };
  }

  async function liveStage(tx: Tx, leadId: string) {
    const [lead] = await repo.leadStages(tx, [leadId]);
    if (!lead || lead.erased_at !== null) throw new AppError('LEAD_NOT_FOUND', `No lead ${leadId}`);
    if (lead.merged_into)
      throw new AppError('LEAD_MERGED', `Lead ${leadId} was merged into ${lead.merged_into}`, {
        details: [{ field: 'id', rule: 'merged', message: lead.merged_into }],
      });
    return lead;
  }

  /**
   * The lead's stage, the date it entered each stage, its full history and the moves allowed now
   * (those the caller may make, when a guard says which).
   */
  async function stagesOf(leadId: string, tx: Tx = db, guard?: StageGuard): Promise<LeadStages> {
    const lead = await liveStage(tx, leadId);
    const history = (await repo.historyOf(tx, leadId)).map(entryOf);
    const stageDates: Record<string, string> = {};
    for (const h of history) stageDates[h.to] = h.at;
    const stage = lead.lifecycle_stage as LifecycleStage;
    return {
      leadId,
      stage,
      stageDates,
      history,
      allowed: transitionsFrom(stage)
        .filter((t) => guard?.mayMove(stage, t.to) ?? true)
        .map((t) => ({ to: t.to, kind: t.kind, reasonRequired: t.reasonRequired })),
    };
  }

  /**
   * An explicit move by a person or an API call, checked against the table and the active policy,
   * and against the caller's role when a guard is given.
   */
  async function changeStage(
    leadId: string,
    input: StageChangeInput,
    ctx: WriteContext,
    guard?: StageGuard,
  ): Promise<LeadStages> {
    return db.transaction().execute(async (tx) => {
      await changeStageIn(tx, leadId, input, ctx, { guard });
      return stagesOf(leadId, tx, guard);
    });
  }

  /**
   * The same move inside the caller's transaction (sales commands and deals move leads as part of
   * their own write). `details` are kept on the history row (e.g. the deal that caused the move).
   */
  async function changeStageIn(
    tx: Tx,
    leadId: string,
    input: StageChangeInput,
    ctx: WriteContext,
    extra: { details?: Record<string, unknown>; guard?: StageGuard } = {},
  ): Promise<TransitionMade> {
    const lead = await liveStage(tx, leadId);
    const from = lead.lifecycle_stage as LifecycleStage;
    const to = input.to;
    extra.guard?.check(from, to);
    const fromTo: ErrorDetail[] = [
      { field: 'from', rule: 'stage', message: from },
      { field: 'to', rule: 'stage', message: to },
    ];
    const rule = transitionOf(from, to);
    if (!rule)
      throw new AppError('STAGE_TRANSITION_NOT_ALLOWED', `A lead cannot move from ${from} to ${to}`, {
        details: fromTo,
      });
    const { version, definition } = await policy.active(tx);
    let reason = input.reason?.trim() || null;
    let reasonCode: string | null = null;
    if (input.reasonCode) {
      const known = definition.rejectionReasons.find((r) => r.code === input.reasonCode);
      if (!known || known.outcome !== to)
        throw new AppError(
          'STAGE_REASON_CODE_UNKNOWN',
          `"${input.reasonCode}" is not a rejection reason of policy v${version} for moving to ${to}`,
          { details: [{ field: 'reasonCode', rule: 'policy', message: 'not a reason for this move' }] },
        );
      reasonCode = known.code;
      reason ??= known.label;
    }
    if (rule.reasonRequired && !reason)
      throw new AppError(
        'STAGE_REASON_REQUIRED',
        `Moving from ${from} to ${to} is a ${rule.kind} and needs a reason`,
        {
          details: [
            ...fromTo,
            { field: 'reason', rule: 'required', message: `a ${rule.kind} needs a reason` },
          ],
        },
      );
    const details: Record<string, unknown> = { ...extra.details };
    if (to === 'sql') {
      const missing = definition.sql.required.filter((f) => !input.qualification?.[f]?.trim());
      if (missing.length > 0)
        throw new AppError(
          'STAGE_REQUIREMENTS_MISSING',
          `Policy v${version} needs ${missing.join(', ')} to qualify a lead as SQL`,
          {
            details: missing.map((f) => ({
              field: `qualification.${f}`,
              rule: 'required',
              message: `policy v${version} requires it`,
            })),
          },
        );
      details.qualification = Object.fromEntries(
        bantFields
          .filter((f) => input.qualification?.[f]?.trim())
          .map((f) => [f, input.qualification![f]!.trim()]),
      );
    }
    const now = clock.now();
    if (!(await repo.setStage(tx, leadId, from, to, now)))
      throw new AppError(
        'STAGE_TRANSITION_NOT_ALLOWED',
        `The lead's stage changed meanwhile; reload and try again`,
        {
          details: fromTo,
        },
      );
    const [made] = await record(tx, [
      {
        leadId,
        from,
        to,
        at: now,
        actor: ctx.actor,
        source: ctx.source,
        reason,
        reasonCode,
        policyVersion: version || null,
        details,
      },
    ]);
    return made!;
  }

  /** Domain events after a cursor (an event id), oldest first: for handoff routing and webhooks. */
  async function eventsAfter(
    o: { after?: string; limit?: number; types?: string[]; leadId?: string },
    tx: Tx = db,
  ): Promise<{ data: DomainEvent[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(o.limit ?? 100, 1), 1000);
    const rows = await repo.eventsAfter(tx, { ...o, limit });
    const data = rows.map((r) => ({
      id: r.id,
      type: r.type,
      leadId: r.lead_id,
      payload: fromJson<Record<string, unknown>>(r.payload, {}),
      occurredAt: iso(Number(r.occurred_at)),
    }));
    return { data, nextCursor: rows.length === limit ? rows.at(-1)!.id : null };
  }

  /**
   * Applies a policy version that just took effect to every lead it could qualify, in batches of
   * their own transactions; stops when another version has taken over. Returns how many became MQLs.
   */
  async function reevaluateAll(
    version: number,
    ctx: { signal: AbortSignal; heartbeat(): Promise<void> },
    batchSize = 500,
  ): Promise<number> {
    let after = '';
    let promoted = 0;
    for (;;) {
      if (ctx.signal.aborted) throw new Error('Re-evaluation interrupted; the job runs again');
      const seen = await db.transaction().execute(async (tx) => {
        if ((await repo.activeVersion(tx)) !== version) return 0;
        const ids = await repo.leadIdsInStages(tx, qualifiableStages, after, batchSize);
        if (ids.length === 0) return 0;
        promoted += (await evaluate(tx, ids, { reason: 'policy' })).length;
        after = ids.at(-1)!;
        return ids.length;
      });
      if (seen < batchSize) return promoted;
      await ctx.heartbeat();
      // SQLite work is synchronous: let the web app in the same process answer between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  return {
    beforeLeadsInsert,
    onResolved,
    reconcile,
    evaluate,
    stagesOf,
    changeStage,
    changeStageIn,
    eventsAfter,
    reevaluateAll,
    onEvents,
  };
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;
