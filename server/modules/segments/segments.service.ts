/**
 * Segments: dynamic (a saved filter) and static (a list). Membership of dynamic segments follows
 * events, not a schedule: whenever leads are created or change, or touchpoints are recorded, the
 * leads module calls `onLeadsChanged` inside the same transaction, which evaluates every dynamic
 * segment for those leads in memory and records who entered and who left (segment_members plus
 * segment_history, and in-process listeners for other modules). Filters with a time window
 * ("within 30 days") can change with no event at all: a recurring job re-checks only those.
 */
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import type { Expression, SqlBool } from 'kysely';
import type { Filter } from '../../../contracts/filters.ts';
import type {
  Segment,
  SegmentHistoryEntry,
  SegmentInput,
  SegmentPatch,
} from '../../../contracts/segments.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { SegmentsTable } from '../../platform/db/schema.ts';
import { AppError, validationError } from '../../platform/errors.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { JobDefinition } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import type { Actor, AuditService } from '../audit/index.ts';
import { evaluate, type FiltersApi, hasTimeWindow } from '../filters/index.ts';
import type { LeadScope, PermissionsService, Viewer } from '../permissions/index.ts';
import type { SegmentsRepo } from './segments.repo.ts';

export type MembershipChange = {
  segmentId: string;
  leadId: string;
  change: 'entered' | 'left';
  reason: string;
};
/** Told, in the same transaction, about leads entering and leaving segments. */
export type MembershipListener = (tx: Tx, changes: MembershipChange[]) => Promise<void>;

type Deps = {
  database: Database;
  repo: SegmentsRepo;
  clock: Clock;
  filters: FiltersApi;
  audit: Pick<AuditService, 'record'>;
  jobs: Pick<JobQueue, 'enqueue'>;
  refreshJob: () => JobDefinition;
  /** The CSV export of the lead list (imports module), given list parameters and a scope. */
  exportCsv?: (
    query: Record<string, string | undefined>,
    scope: LeadScope,
  ) => Promise<{ stream: NodeJS.ReadableStream; filename: string }>;
  /** Who sees which lead (static list changes skip the others). */
  permissions: Pick<PermissionsService, 'visibleIds'>;
  /** Leads per transaction while refreshing a segment. */
  batchSize?: number;
};

type Dynamic = { id: string; filter: Filter };

export function createSegmentsService(deps: Deps) {
  const { database, repo, clock, filters, audit } = deps;
  const db = database.db;
  const batchSize = deps.batchSize ?? 2000;
  const listeners: MembershipListener[] = [];

  function view(row: SegmentsTable, memberCount: number): Segment {
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      kind: row.kind as Segment['kind'],
      filter: row.filter ? JSON.parse(row.filter) : null,
      timeWindow: row.time_window === 1,
      memberCount,
      createdBy: row.created_by,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
      refreshedAt: iso(row.refreshed_at),
    };
  }

  async function rowOf(tx: Tx, id: string): Promise<SegmentsTable> {
    const row = await repo.byId(tx, id);
    if (!row) throw new AppError('SEGMENT_NOT_FOUND', `No segment has id ${id}`);
    return row;
  }

  // Dynamic segments are read on every lead write: cached briefly, dropped at once on local changes.
  let cached: { list: Dynamic[]; at: number } | undefined;
  async function dynamic(tx: Tx): Promise<Dynamic[]> {
    if (cached && performance.now() - cached.at < 5000) return cached.list;
    const rows = await repo.dynamicSegments(tx);
    const list: Dynamic[] = [];
    for (const r of rows) {
      try {
        list.push({ id: r.id, filter: await filters.validate(JSON.parse(r.filter ?? '{}'), 'filter', tx) });
      } catch {
        // A filter that no longer checks (a field it named is gone) matches nobody until it is fixed.
      }
    }
    cached = { list, at: performance.now() };
    return list;
  }
  const forget = () => {
    cached = undefined;
  };

  async function list(): Promise<Segment[]> {
    return (await repo.list(db)).map((r) => view(r, Number(r.member_count ?? 0)));
  }

  async function get(id: string): Promise<Segment> {
    const row = await rowOf(db, id);
    return view(row, await repo.memberCount(db, id));
  }

  async function create(input: SegmentInput, actor: Actor): Promise<Segment> {
    let filter: Filter | null = null;
    if (input.kind === 'dynamic') {
      if (input.filter === undefined)
        throw validationError('filter', 'required', 'a dynamic segment needs a filter');
      filter = await filters.validate(input.filter);
    } else if (input.filter !== undefined && input.filter !== null)
      throw validationError('filter', 'absent', 'a static segment has no filter; add leads to it instead');
    const now = clock.now();
    const row: SegmentsTable = {
      id: newId('seg', now),
      name: input.name.trim(),
      description: input.description?.trim() || null,
      kind: input.kind,
      filter: filter ? JSON.stringify(filter) : null,
      time_window: filter && hasTimeWindow(filter) ? 1 : 0,
      created_by: 'id' in actor ? actor.id : null,
      created_at: now,
      updated_at: now,
      refreshed_at: null,
    };
    await db.transaction().execute(async (tx) => {
      await repo.insert(tx, row);
      if (filter) await deps.jobs.enqueue(tx, deps.refreshJob(), { segmentId: row.id });
      await audit.record(tx, {
        actor,
        action: 'segment.created',
        target: { type: 'segment', id: row.id },
        details: { name: row.name, kind: row.kind },
      });
    });
    forget();
    return view(row, 0);
  }

  async function update(id: string, patch: SegmentPatch, actor: Actor): Promise<Segment> {
    const row = await rowOf(db, id);
    const next: Partial<SegmentsTable> = { updated_at: clock.now() };
    if (patch.name !== undefined) next.name = patch.name.trim();
    if (patch.description !== undefined) next.description = patch.description?.trim() || null;
    let filterChanged = false;
    if (patch.filter !== undefined) {
      if (row.kind !== 'dynamic') throw validationError('filter', 'absent', 'a static segment has no filter');
      const filter = await filters.validate(patch.filter);
      next.filter = JSON.stringify(filter);
      next.time_window = hasTimeWindow(filter) ? 1 : 0;
      filterChanged = next.filter !== row.filter;
    }
    await db.transaction().execute(async (tx) => {
      await repo.update(tx, id, next);
      if (filterChanged) await deps.jobs.enqueue(tx, deps.refreshJob(), { segmentId: id });
      await audit.record(tx, {
        actor,
        action: 'segment.updated',
        target: { type: 'segment', id },
        details: { fields: Object.keys(patch) },
      });
    });
    forget();
    return get(id);
  }

  async function remove(id: string, actor: Actor): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const row = await rowOf(tx, id);
      await repo.remove(tx, id);
      await audit.record(tx, {
        actor,
        action: 'segment.deleted',
        target: { type: 'segment', id },
        details: { name: row.name },
      });
    });
    forget();
  }

  /** The where-clause of a segment's members: a dynamic one's filter (live), a static one's list. */
  async function whereOf(id: string, tx: Tx = db): Promise<Expression<SqlBool>> {
    const row = await repo.byId(tx, id);
    if (!row) throw validationError('segment', 'known', `no segment has id ${id}`);
    if (row.kind === 'static') return repo.memberOf(id);
    const filter = await filters.validate(JSON.parse(row.filter ?? '{}'), 'segment.filter', tx);
    return filters.compile(filter, { tx });
  }

  /** How many leads a segment holds now: a dynamic one counted live from its filter. */
  async function count(id: string): Promise<{ count: number; recorded: number }> {
    const row = await rowOf(db, id);
    const recorded = await repo.memberCount(db, id);
    if (row.kind === 'static') return { count: recorded, recorded };
    return { count: await repo.countMatching(db, await whereOf(id)), recorded };
  }

  /** Who entered and left, newest first: only the leads in the scope are named. */
  async function history(
    id: string,
    limit: number | undefined,
    scope: LeadScope,
  ): Promise<SegmentHistoryEntry[]> {
    await rowOf(db, id);
    return (await repo.history(db, id, Math.min(Math.max(limit ?? 50, 1), 200), scope)).map((r) => ({
      leadId: r.lead_id,
      change: r.change as 'entered' | 'left',
      reason: r.reason as 'event' | 'refresh' | 'manual',
      at: iso(r.at),
      lead:
        r.email === undefined
          ? null
          : { email: r.email, firstName: r.first_name ?? null, lastName: r.last_name ?? null },
    }));
  }

  async function record(tx: Tx, changes: MembershipChange[], at: number): Promise<void> {
    if (changes.length === 0) return;
    const bySegment = Map.groupBy(changes, (c) => c.segmentId);
    for (const [segmentId, list] of bySegment) {
      const entered = list.filter((c) => c.change === 'entered').map((c) => c.leadId);
      const left = list.filter((c) => c.change === 'left').map((c) => c.leadId);
      if (entered.length > 0) await repo.addMembers(tx, segmentId, entered, at);
      if (left.length > 0) await repo.removeMembers(tx, segmentId, left);
    }
    await repo.insertHistory(
      tx,
      changes.map((c) => ({
        id: newId('sgh', at),
        segment_id: c.segmentId,
        lead_id: c.leadId,
        change: c.change,
        reason: c.reason,
        at,
      })),
    );
    for (const l of listeners) await l(tx, changes);
  }

  /**
   * Static lists: adds live leads (unknown or merged ids, and leads outside the viewer's scope, are
   * named in `skipped`).
   */
  async function addMembers(id: string, leadIds: string[], actor: Actor, viewer: Viewer) {
    return db.transaction().execute(async (tx) => {
      const row = await rowOf(tx, id);
      if (row.kind !== 'static')
        throw new AppError(
          'SEGMENT_NOT_STATIC',
          'This segment follows its filter; add leads to a static list',
        );
      const unique = [...new Set(leadIds)];
      const visible = await deps.permissions.visibleIds(tx, viewer, unique);
      const live = await repo.liveLeadIds(
        tx,
        unique.filter((l) => visible.has(l)),
      );
      const current = new Set((await repo.membershipsOf(tx, [...live], [id])).map((m) => m.lead_id));
      const added = [...live].filter((l) => !current.has(l));
      await record(
        tx,
        added.map((leadId) => ({ segmentId: id, leadId, change: 'entered' as const, reason: 'manual' })),
        clock.now(),
      );
      await audit.record(tx, {
        actor,
        action: 'segment.members_added',
        target: { type: 'segment', id },
        details: { added: added.length },
      });
      return { added: added.length, skipped: unique.filter((l) => !live.has(l)) };
    });
  }

  /** Static lists: removes the members among these that the viewer sees. */
  async function removeMembers(id: string, leadIds: string[], actor: Actor, viewer: Viewer) {
    return db.transaction().execute(async (tx) => {
      const row = await rowOf(tx, id);
      if (row.kind !== 'static')
        throw new AppError(
          'SEGMENT_NOT_STATIC',
          'This segment follows its filter; leads leave it when they no longer match',
        );
      const visible = await deps.permissions.visibleIds(tx, viewer, [...new Set(leadIds)]);
      const current = (await repo.membershipsOf(tx, [...visible], [id])).map((m) => m.lead_id);
      await record(
        tx,
        current.map((leadId) => ({ segmentId: id, leadId, change: 'left' as const, reason: 'manual' })),
        clock.now(),
      );
      await audit.record(tx, {
        actor,
        action: 'segment.members_removed',
        target: { type: 'segment', id },
        details: { removed: current.length },
      });
      return { removed: current.length };
    });
  }

  /**
   * The event hook: re-evaluates every dynamic segment for these leads, in memory, inside the
   * caller's transaction, and records who entered and who left.
   */
  async function onLeadsChanged(tx: Tx, leadIds: string[]): Promise<void> {
    const segments = await dynamic(tx);
    if (segments.length === 0 || leadIds.length === 0) return;
    const ids = [...new Set(leadIds)];
    const now = clock.now();
    const catalog = await filters.catalog(tx);
    const contexts = await filters.contexts(
      tx,
      ids,
      segments.map((s) => s.filter),
    );
    const current = new Set(
      (
        await repo.membershipsOf(
          tx,
          ids,
          segments.map((s) => s.id),
        )
      ).map((m) => `${m.segment_id}\u0000${m.lead_id}`),
    );
    const changes: MembershipChange[] = [];
    for (const leadId of ids) {
      const ctx = contexts.get(leadId);
      const live = !!ctx && ctx.lead.merged_into == null && ctx.lead.erased_at == null;
      for (const s of segments) {
        const should = live && evaluate(s.filter, ctx!, catalog, now);
        const has = current.has(`${s.id}\u0000${leadId}`);
        if (should !== has)
          changes.push({ segmentId: s.id, leadId, change: should ? 'entered' : 'left', reason: 'event' });
      }
    }
    await record(tx, changes, now);
  }

  /**
   * Brings a dynamic segment's recorded members in line with its filter: one read of the matching
   * ids, then the differences written a batch at a time (each its own short transaction).
   */
  async function refresh(id: string, signal?: AbortSignal): Promise<{ entered: number; left: number }> {
    const row = await repo.byId(db, id);
    if (row?.kind !== 'dynamic') return { entered: 0, left: 0 };
    const now = clock.now();
    const matched = await repo.matchingIds(db, await whereOf(id));
    let after = '';
    let entered = 0;
    let left = 0;
    for (let i = 0; i <= matched.length; i += batchSize) {
      signal?.throwIfAborted();
      const chunk = matched.slice(i, i + batchSize);
      const upTo = i + batchSize >= matched.length ? undefined : chunk.at(-1);
      await db.transaction().execute(async (tx) => {
        const members = new Set(await repo.memberIdsBetween(tx, id, after, upTo));
        const want = new Set(chunk);
        const changes: MembershipChange[] = [];
        for (const l of chunk)
          if (!members.has(l))
            changes.push({ segmentId: id, leadId: l, change: 'entered', reason: 'refresh' });
        for (const l of members)
          if (!want.has(l)) changes.push({ segmentId: id, leadId: l, change: 'left', reason: 'refresh' });
        const e = changes.filter((c) => c.change === 'entered').length;
        entered += e;
        left += changes.length - e;
        await record(tx, changes, now);
        if (upTo === undefined) await repo.update(tx, id, { refreshed_at: now });
      });
      if (upTo === undefined) break;
      after = upTo;
      await yieldToOthers();
    }
    return { entered, left };
  }

  /** The recurring re-check: refreshes only segments whose filters have a time window. */
  async function recheckTimeWindows(signal?: AbortSignal): Promise<number> {
    const rows = (await repo.dynamicSegments(db)).filter((r) => r.time_window === 1);
    for (const r of rows) await refresh(r.id, signal);
    return rows.length;
  }

  /** The segment's members in the scope, as CSV. */
  async function exportCsv(id: string, scope: LeadScope) {
    await rowOf(db, id);
    if (!deps.exportCsv) throw new Error('export is not wired');
    return deps.exportCsv({ segment: id }, scope);
  }

  return {
    list,
    get,
    create,
    update,
    remove,
    whereOf,
    count,
    history,
    addMembers,
    removeMembers,
    onLeadsChanged,
    refresh,
    recheckTimeWindows,
    exportCsv,
    onMembershipChanged(listener: MembershipListener) {
      listeners.push(listener);
    },
  };
}

export type SegmentsService = ReturnType<typeof createSegmentsService>;
