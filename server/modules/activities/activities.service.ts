/**
 * Activities sales logs on a lead: calls, emails, meetings and demos with their outcome, notes.
 * Each write recomputes, in its transaction, the first touch by sales of the lead's assignments
 * (routing keeps it on the assignment with the business minutes it took). Also the "my leads"
 * work list: the leads a person owns with their SLA state, next open task and last activity.
 */
import {
  type Activity,
  type ActivityInput,
  type ActivityList,
  type ActivityOutcome,
  type ActivityPatch,
  type ActivityType,
  activityTypeLabels,
  type MyLeadsPage,
  type MyLeadsQuery,
  outcomesByType,
  type SlaState,
} from '../../../contracts/activities.ts';
import type { Assignment } from '../../../contracts/routing.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { ActivitiesTable } from '../../platform/db/schema.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/access.ts';
import { decodeCursor, encodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import { type LeadDataListener, movedIds, rowsOfLeads } from '../leads/index.ts';
import type { PermissionsService, Viewer } from '../permissions/index.ts';
import type { ActivitiesRepo } from './activities.repo.ts';

type Deps = {
  database: Database;
  repo: ActivitiesRepo;
  clock: Clock;
  routing: {
    recordFirstTouches(tx: Tx, leadId: string, touches: { at: number; activityId: string }[]): Promise<void>;
    latestAssignments(tx: Tx, leadIds: string[]): Promise<Map<string, Assignment>>;
  };
  tasks: {
    nextOpenTasks(
      tx: Tx,
      leadIds: string[],
    ): Promise<Map<string, { id: string; title: string; dueAt: string }>>;
  };
  /** The lead rule: an activity of a lead outside the caller's scope does not exist for it. */
  permissions: Pick<PermissionsService, 'canSeeLead'>;
};

/** Clocks of phones and laptops differ a little: "now" may arrive a few minutes ahead. */
const futureSlackMs = 5 * 60_000;
/** An SLA with this little time left shows as due soon (as it does once the warning went out). */
const dueSoonMs = 60 * 60_000;
const openStages = ['mql', 'sal', 'sql', 'opportunity'] as const;

const invalid = (field: string, rule: string, message: string) =>
  new AppError('ACTIVITY_INVALID', `${field}: ${message}`, { details: [{ field, rule, message }] });

function view(r: ActivitiesTable): Activity {
  return {
    id: r.id,
    leadId: r.lead_id,
    dealId: r.deal_id,
    type: r.type as ActivityType,
    outcome: r.outcome as ActivityOutcome | null,
    occurredAt: iso(Number(r.occurred_at)),
    durationMinutes: r.duration_minutes === null ? null : Number(r.duration_minutes),
    body: r.body,
    author: { id: r.author_id, label: r.author_label },
    createdAt: iso(Number(r.created_at)),
    updatedAt: iso(Number(r.updated_at)),
  };
}

/** Checks an activity against the rules of its type; throws ACTIVITY_INVALID naming the field. */
export function checkActivity(
  a: { type: ActivityType; outcome: string | null; duration_minutes: number | null; occurred_at: number },
  now: number,
): void {
  const allowed = outcomesByType[a.type];
  if (a.outcome !== null && !allowed.includes(a.outcome as ActivityOutcome))
    throw invalid(
      'outcome',
      'fits_type',
      allowed.length === 0
        ? `a ${activityTypeLabels[a.type].toLowerCase()} has no outcome`
        : `a ${activityTypeLabels[a.type].toLowerCase()} ends ${allowed.map((o) => `"${o}"`).join(', ')}, not "${a.outcome}"`,
    );
  if (a.type === 'note' && a.duration_minutes !== null)
    throw invalid('durationMinutes', 'no_duration', 'a note has no duration');
  if (a.occurred_at > now + futureSlackMs) throw invalid('occurredAt', 'past', 'must not be in the future');
}

export function createActivitiesService({ database, repo, clock, routing, tasks, permissions }: Deps) {
  const db = database.db;

  async function liveLead(tx: Tx, id: string): Promise<string> {
    const l = await repo.lead(tx, id);
    if (!l || l.erased_at !== null) throw new AppError('LEAD_NOT_FOUND', `No lead ${id}`);
    if (l.merged_into)
      throw new AppError('LEAD_MERGED', `Lead ${id} was merged into ${l.merged_into}`, {
        details: [{ field: 'id', rule: 'merged', message: l.merged_into }],
      });
    return l.id;
  }

  /** The lead's assignments learn their first touch by sales from its activities as they are now. */
  async function refreshFirstTouch(tx: Tx, leadId: string) {
    const touches = (await repo.salesTouches(tx, leadId)).map((t) => ({
      at: Number(t.occurred_at),
      activityId: t.id,
    }));
    await routing.recordFirstTouches(tx, leadId, touches);
  }

  async function list(leadId: string, q: { limit?: number; cursor?: string }): Promise<ActivityList> {
    await liveLead(db, leadId);
    const limit = q.limit ?? 50;
    const before = q.cursor
      ? (([at, id]) => ({ at: Number(at), id: String(id) }))(decodeCursor(q.cursor, 2))
      : undefined;
    const rows = await repo.listByLead(db, leadId, limit + 1, before);
    return pageOf(rows, limit, view, (r) => encodeCursor([Number(r.occurred_at), r.id]));
  }

  async function create(leadId: string, input: ActivityInput, p: Principal): Promise<Activity> {
    const now = clock.now();
    const row: ActivitiesTable = {
      id: newId('act', now),
      lead_id: leadId,
      deal_id: null,
      type: input.type,
      outcome: input.outcome ?? null,
      occurred_at: input.occurredAt ? Date.parse(input.occurredAt) : now,
      duration_minutes: input.durationMinutes ?? null,
      body: input.body ?? '',
      author_id: p.kind === 'user' ? p.userId : p.keyId,
      author_label: p.name,
      by_sales: p.kind === 'apiKey' || p.role !== 'marketing' ? 1 : 0,
      created_at: now,
      updated_at: now,
    };
    checkActivity({ ...row, type: input.type }, now);
    return db.transaction().execute(async (tx) => {
      await liveLead(tx, leadId);
      await repo.insert(tx, row);
      await refreshFirstTouch(tx, leadId);
      return view(row);
    });
  }

  /**
   * The activity, if the caller sees its lead (otherwise it does not exist for them: 404, as the
   * lead) and logged it (or is an admin).
   */
  async function own(tx: Tx, id: string, p: Principal, viewer: Viewer): Promise<ActivitiesTable> {
    const row = await repo.get(tx, id);
    if (!row || !(await permissions.canSeeLead(tx, viewer, row.lead_id)))
      throw new AppError('ACTIVITY_NOT_FOUND', `No activity ${id}`);
    const mine = p.kind === 'user' ? row.author_id === p.userId : row.author_id === p.keyId;
    const admin = p.kind === 'user' ? p.role === 'admin' : p.scopes.includes('admin');
    if (!mine && !admin)
      throw new AppError('ACTIVITY_NOT_YOURS', `Activity ${id} was logged by ${row.author_label}`, {
        details: [{ field: 'id', rule: 'author', message: 'only its author or an admin' }],
      });
    return row;
  }

  async function update(id: string, patch: ActivityPatch, p: Principal, viewer: Viewer): Promise<Activity> {
    return db.transaction().execute(async (tx) => {
      const row = await own(tx, id, p, viewer);
      const now = clock.now();
      const type = (patch.type ?? row.type) as ActivityType;
      const next: ActivitiesTable = {
        ...row,
        type,
        // A new type without a new outcome drops an outcome that no longer fits.
        outcome:
          patch.outcome !== undefined
            ? patch.outcome
            : outcomesByType[type].includes(row.outcome as ActivityOutcome)
              ? row.outcome
              : null,
        occurred_at: patch.occurredAt !== undefined ? Date.parse(patch.occurredAt) : Number(row.occurred_at),
        duration_minutes:
          patch.durationMinutes !== undefined
            ? patch.durationMinutes
            : type === 'note'
              ? null
              : row.duration_minutes,
        body: patch.body ?? row.body,
        updated_at: now,
      };
      checkActivity(next as ActivitiesTable & { type: ActivityType }, now);
      const { id: _id, ...changes } = next;
      await repo.update(tx, id, changes);
      await refreshFirstTouch(tx, row.lead_id);
      return view(next);
    });
  }

  async function remove(id: string, p: Principal, viewer: Viewer): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const row = await own(tx, id, p, viewer);
      await repo.remove(tx, id);
      await refreshFirstTouch(tx, row.lead_id);
    });
  }

  function slaOf(a: Assignment | undefined, now: number): SlaState {
    if (!a) return 'none';
    switch (a.status) {
      case 'open':
      case 'queued': {
        if (!a.slaDueAt) return 'waiting';
        const due = Date.parse(a.slaDueAt);
        if (due <= now) return 'overdue';
        return a.slaWarnedAt || due - now <= dueSoonMs ? 'due_soon' : 'waiting';
      }
      case 'accepted':
        return 'accepted';
      case 'rejected':
        return 'rejected';
      case 'reassigned':
      case 'closed':
        return 'closed';
      default: {
        const never: never = a.status;
        return never;
      }
    }
  }

  /** The leads a person owns, with what they need to work them. */
  async function myLeads(userId: string, q: MyLeadsQuery): Promise<MyLeadsPage> {
    const limit = q.limit ?? 50;
    const before = q.cursor
      ? (([at, id]) => ({ at: Number(at), id: String(id) }))(decodeCursor(q.cursor, 2))
      : undefined;
    const rows = await repo.ownedLeads(db, {
      ownerId: userId,
      stages: q.scope === 'all' ? undefined : openStages,
      q: q.q,
      limit: limit + 1,
      before,
    });
    const page = pageOf(
      rows,
      limit,
      (r) => r,
      (r) => encodeCursor([Number(r.updated_at), r.id]),
    );
    const ids = page.data.map((r) => r.id);
    const [assignments, next, latest] = await Promise.all([
      routing.latestAssignments(db, ids),
      tasks.nextOpenTasks(db, ids),
      repo.latestOf(db, ids),
    ]);
    const last = new Map<string, (typeof latest)[number]>();
    for (const a of latest) if (!last.has(a.lead_id)) last.set(a.lead_id, a);
    const now = clock.now();
    return {
      nextCursor: page.nextCursor,
      data: page.data.map((l) => {
        const a = assignments.get(l.id);
        const act = last.get(l.id);
        return {
          id: l.id,
          name: [l.first_name, l.last_name].filter(Boolean).join(' ') || l.email || l.id,
          email: l.email,
          companyName: l.company_name,
          stage: l.lifecycle_stage,
          score:
            l.score_total === undefined || l.score_total === null
              ? null
              : { total: Number(l.score_total), grade: l.fit_grade ?? null },
          sla: {
            state: slaOf(a, now),
            dueAt: a?.slaDueAt ?? null,
            assignedAt: a?.assignedAt ?? null,
            firstTouchAt: a?.firstTouchAt ?? null,
            firstTouchMinutes: a?.firstTouchMinutes ?? null,
          },
          nextTask: next.get(l.id) ?? null,
          lastActivity: act
            ? {
                id: act.id,
                type: act.type as ActivityType,
                outcome: act.outcome as ActivityOutcome | null,
                occurredAt: iso(Number(act.occurred_at)),
              }
            : null,
          updatedAt: iso(Number(l.updated_at)),
        };
      }),
    };
  }

  /**
   * Activities follow their lead: a merge moves them to the survivor (un-merge moves them back) and
   * both leads' assignments learn their first touch again; an erasure empties their text (what was
   * said to a person is personal data; that a call happened is not); a deletion removes them.
   */
  const leadData: LeadDataListener = {
    name: 'activities',
    async merged(tx, m) {
      const moved = await repo.moveAll(tx, m.mergedId, m.survivorId);
      if (moved.length > 0) {
        await refreshFirstTouch(tx, m.survivorId);
        await refreshFirstTouch(tx, m.mergedId);
      }
      return moved;
    },
    async unmerged(tx, m, moved) {
      const ids = movedIds(moved);
      if (ids.length === 0) return;
      await repo.moveBack(tx, ids, m.survivorId, m.mergedId);
      await refreshFirstTouch(tx, m.survivorId);
      await refreshFirstTouch(tx, m.mergedId);
    },
    async erased(tx, leadIds) {
      await repo.clearText(tx, leadIds, clock.now());
    },
    async deleted(tx, leadIds) {
      await repo.removeOfLeads(tx, leadIds);
    },
    async exported(tx, leadIds) {
      const rows = await rowsOfLeads(tx, 'activities', leadIds, 'occurred_at');
      return {
        activities: rows.map((a) => ({
          type: a.type,
          outcome: a.outcome,
          at: iso(a.occurred_at),
          durationMinutes: a.duration_minutes,
          text: a.body,
          by: a.author_label,
        })),
      };
    },
  };

  return { list, create, update, remove, myLeads, leadData };
}

export type ActivitiesService = ReturnType<typeof createActivitiesService>;
