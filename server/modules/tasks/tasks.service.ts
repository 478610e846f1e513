/**
 * Tasks: things to do by a time, for a person, optionally about a lead. A task's reminder is a
 * durable job enqueued in the task's transaction; changing the reminder, completing or deleting
 * the task cancels that job (and enqueues a new one when a reminder is still due), and the job
 * itself checks that it is still the task's reminder before it notifies, so a reminder fires once.
 *
 * A task about a lead follows the lead rule (docs/permissions.md): it exists only for those who see
 * its lead, its lead must be one the caller and the assignee see, and it follows its lead through
 * merges, erasures and deletions.
 */
import type { Task, TaskInput, TaskPage, TaskPatch, TasksQuery } from '../../../contracts/tasks.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { TasksTable } from '../../platform/db/schema.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/access.ts';
import { decodeCursor, encodeCursor, pageOf } from '../../platform/http/pagination.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { JobDefinition } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { type LeadDataListener, movedIds, rowsOfLeads } from '../leads/index.ts';
import { humanTime, type NewNotification } from '../notifications/index.ts';
import type { PermissionsService, Viewer } from '../permissions/index.ts';
import type { TasksRepo } from './tasks.repo.ts';
import { isOverdue, type TaskFilter } from './tasks.rules.ts';

type RemindJob = JobDefinition<import('typebox').TObject<{ taskId: import('typebox').TString }>>;

type Deps = {
  database: Database;
  repo: TasksRepo;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue' | 'cancel'>;
  remindJob: () => RemindJob;
  notify: (tx: Tx, notification: NewNotification) => Promise<unknown>;
  /** The lead rule: who sees a task's lead (the caller, the assignee). */
  permissions: Pick<PermissionsService, 'canSeeLead' | 'viewerOfUser'>;
};

/** The title a task about an erased lead keeps (its own may have named the person). */
export const erasedTaskTitle = 'Task about an erased lead';

/** A reminder set a little in the past (the minute being picked) still counts as now. */
const reminderSlackMs = 60_000;

const invalid = (field: string, rule: string, message: string) =>
  new AppError('TASK_INVALID', `${field}: ${message}`, { details: [{ field, rule, message }] });

const nameOf = (l: {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
}) => [l.first_name, l.last_name].filter(Boolean).join(' ') || l.email || l.id;

export function createTasksService({ database, repo, clock, jobs, remindJob, notify, permissions }: Deps) {
  const db = database.db;

  async function views(tx: Tx, rows: TasksTable[]): Promise<Task[]> {
    const now = clock.now();
    const users = new Map(
      (await repo.users(tx, [...new Set(rows.map((r) => r.assignee_id))])).map((u) => [u.id, u.name]),
    );
    const leadIds = [...new Set(rows.map((r) => r.lead_id).filter((x): x is string => !!x))];
    const leads = new Map((await repo.leads(tx, leadIds)).map((l) => [l.id, l]));
    return rows.map((r) => {
      const lead = r.lead_id ? leads.get(r.lead_id) : undefined;
      return {
        id: r.id,
        title: r.title,
        notes: r.notes,
        dueAt: iso(Number(r.due_at)),
        reminderAt: r.remind_at === null ? null : iso(Number(r.remind_at)),
        remindedAt: r.reminded_at === null ? null : iso(Number(r.reminded_at)),
        status: r.status as Task['status'],
        overdue: isOverdue(r, now),
        assignee: { id: r.assignee_id, name: users.get(r.assignee_id) ?? r.assignee_id },
        lead: r.lead_id
          ? {
              id: r.lead_id,
              name: lead ? (lead.erased_at !== null ? 'Erased lead' : nameOf(lead)) : 'Deleted lead',
            }
          : null,
        doneAt: r.done_at === null ? null : iso(Number(r.done_at)),
        doneBy: r.done_by,
        createdBy: r.created_by,
        createdAt: iso(Number(r.created_at)),
        updatedAt: iso(Number(r.updated_at)),
      };
    });
  }

  const view = async (tx: Tx, row: TasksTable) => (await views(tx, [row]))[0]!;

  const actorId = (p: Principal) => (p.kind === 'user' ? p.userId : p.keyId);
  /** Admins, managers and integrations (API keys) see and plan other people's work. */
  const oversees = (p: Principal) => p.kind === 'apiKey' || p.role === 'admin' || p.role === 'sales_manager';
  const mayChange = (t: TasksTable, p: Principal) =>
    p.kind === 'apiKey' || p.role === 'admin' || t.assignee_id === p.userId || t.created_by === p.userId;

  async function checkAssignee(tx: Tx, id: string) {
    const [u] = await repo.users(tx, [id]);
    if (!u || Number(u.active) !== 1) throw invalid('assigneeId', 'active_user', 'is not an active user');
  }

  /**
   * The lead a task is about (a merged lead's survivor): 422 when there is no such lead or the
   * caller does not see it (the same answer), or when the assignee does not see it (they could
   * neither open the task nor be reminded of a person outside their leads).
   */
  async function checkLead(tx: Tx, viewer: Viewer, id: string, assigneeId: string): Promise<string> {
    const [l] = await repo.leads(tx, [id]);
    const leadId = l ? (l.merged_into ?? l.id) : null;
    if (!l || !leadId || l.erased_at !== null || !(await permissions.canSeeLead(tx, viewer, leadId)))
      throw invalid('leadId', 'exists', 'is not a lead');
    await checkAssigneeSees(tx, assigneeId, leadId);
    return leadId;
  }

  async function checkAssigneeSees(tx: Tx, assigneeId: string, leadId: string): Promise<void> {
    const assignee = await permissions.viewerOfUser(tx, assigneeId);
    if (!assignee || !(await permissions.canSeeLead(tx, assignee, leadId)))
      throw invalid('assigneeId', 'sees_lead', "does not see the task's lead (it is not among their leads)");
  }

  /** Whether the viewer sees the task: one about no lead, or about a lead the viewer sees. */
  async function sees(tx: Tx, viewer: Viewer, t: TasksTable): Promise<boolean> {
    return t.lead_id === null || permissions.canSeeLead(tx, viewer, t.lead_id);
  }

  function checkReminder(at: number | null, now: number) {
    if (at !== null && at < now - reminderSlackMs)
      throw invalid('reminderAt', 'future', 'must be in the future');
  }

  /** Cancels the task's pending reminder and enqueues one when a reminder is still due; returns its job id. */
  async function schedule(tx: Tx, t: TasksTable): Promise<string | null> {
    if (t.reminder_job_id) await jobs.cancel(tx, { id: t.reminder_job_id });
    if (t.status !== 'open' || t.remind_at === null || t.reminded_at !== null) return null;
    const { id } = await jobs.enqueue(tx, remindJob(), { taskId: t.id }, { runAt: Number(t.remind_at) });
    return id;
  }

  async function create(input: TaskInput, p: Principal, viewer: Viewer): Promise<Task> {
    const now = clock.now();
    const remindAt = input.reminderAt ? Date.parse(input.reminderAt) : null;
    checkReminder(remindAt, now);
    const assignee = input.assigneeId ?? (p.kind === 'user' ? p.userId : null);
    if (!assignee) throw invalid('assigneeId', 'required', 'API keys name the assignee');
    return db.transaction().execute(async (tx) => {
      await checkAssignee(tx, assignee);
      const row: TasksTable = {
        id: newId('tsk', now),
        title: input.title.trim(),
        notes: input.notes ?? '',
        due_at: Date.parse(input.dueAt),
        remind_at: remindAt,
        reminder_job_id: null,
        reminded_at: null,
        assignee_id: assignee,
        lead_id: input.leadId ? await checkLead(tx, viewer, input.leadId, assignee) : null,
        status: 'open',
        done_at: null,
        done_by: null,
        created_by: actorId(p),
        created_at: now,
        updated_at: now,
      };
      await repo.insert(tx, row);
      row.reminder_job_id = await schedule(tx, row);
      if (row.reminder_job_id) await repo.update(tx, row.id, { reminder_job_id: row.reminder_job_id });
      return view(tx, row);
    });
  }

  async function rowFor(tx: Tx, id: string, p: Principal, viewer: Viewer, lock = false): Promise<TasksTable> {
    const row = await repo.get(tx, id, { lock });
    // A task about a lead outside the caller's scope does not exist for it (404, as the lead).
    if (!row || !(await sees(tx, viewer, row))) throw new AppError('TASK_NOT_FOUND', `No task ${id}`);
    if (!mayChange(row, p))
      throw new AppError('TASK_NOT_YOURS', `Task ${id} is not yours to change`, {
        details: [{ field: 'id', rule: 'assignee_or_creator', message: 'not your task' }],
      });
    return row;
  }

  async function update(id: string, patch: TaskPatch, p: Principal, viewer: Viewer): Promise<Task> {
    return db.transaction().execute(async (tx) => {
      const row = await rowFor(tx, id, p, viewer, true);
      const now = clock.now();
      const next: TasksTable = { ...row, updated_at: now };
      if (patch.title !== undefined) next.title = patch.title.trim();
      if (patch.notes !== undefined) next.notes = patch.notes;
      if (patch.dueAt !== undefined) next.due_at = Date.parse(patch.dueAt);
      if (patch.reminderAt !== undefined) {
        const at = patch.reminderAt === null ? null : Date.parse(patch.reminderAt);
        if (at !== (row.remind_at === null ? null : Number(row.remind_at))) {
          checkReminder(at, now);
          next.remind_at = at;
          next.reminded_at = null;
        }
      }
      if (patch.assigneeId !== undefined && patch.assigneeId !== row.assignee_id) {
        await checkAssignee(tx, patch.assigneeId);
        next.assignee_id = patch.assigneeId;
      }
      if (patch.leadId !== undefined && patch.leadId !== null)
        next.lead_id = await checkLead(tx, viewer, patch.leadId, next.assignee_id);
      else if (patch.leadId === null) next.lead_id = null;
      else if (next.lead_id !== null && next.assignee_id !== row.assignee_id)
        await checkAssigneeSees(tx, next.assignee_id, next.lead_id);
      if (patch.status === 'done' && row.status !== 'done') {
        next.status = 'done';
        next.done_at = now;
        next.done_by = actorId(p);
      } else if (patch.status === 'open' && row.status !== 'open') {
        next.status = 'open';
        next.done_at = null;
        next.done_by = null;
      }
      if (
        next.status !== row.status ||
        next.remind_at !== row.remind_at ||
        next.reminded_at !== row.reminded_at
      )
        next.reminder_job_id = await schedule(tx, next);
      const { id: _id, ...changes } = next;
      await repo.update(tx, id, changes);
      return view(tx, next);
    });
  }

  async function remove(id: string, p: Principal, viewer: Viewer): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const row = await rowFor(tx, id, p, viewer, true);
      if (row.reminder_job_id) await jobs.cancel(tx, { id: row.reminder_job_id });
      await repo.remove(tx, id);
    });
  }

  async function get(id: string, p: Principal, viewer: Viewer): Promise<Task> {
    const row = await repo.get(db, id);
    if (!row || !(mayChange(row, p) || oversees(p) || row.lead_id !== null) || !(await sees(db, viewer, row)))
      throw new AppError('TASK_NOT_FOUND', `No task ${id}`);
    return view(db, row);
  }

  async function list(q: TasksQuery, p: Principal, viewer: Viewer): Promise<TaskPage> {
    const me = p.kind === 'user' ? p.userId : null;
    const who = q.assigneeId ?? (q.leadId || !me ? 'any' : 'me');
    if (who === 'me' && !me) throw invalid('assigneeId', 'user', 'API keys have no tasks of their own');
    const assigneeId = who === 'any' ? undefined : who === 'me' ? me! : who;
    if (assigneeId !== me && !q.leadId && !oversees(p))
      throw new AppError('TASK_NOT_YOURS', "Other people's task lists are for managers and admins", {
        details: [{ field: 'assigneeId', rule: 'role', message: 'managers and admins only' }],
      });
    const filter: TaskFilter = {
      assigneeId,
      leadId: q.leadId,
      status: q.status === 'all' ? undefined : q.status,
      dueBefore: q.dueBefore ? Date.parse(q.dueBefore) : undefined,
      dueAfter: q.dueAfter ? Date.parse(q.dueAfter) : undefined,
      overdue: q.overdue,
      now: clock.now(),
    };
    const limit = q.limit ?? 50;
    const after = q.cursor
      ? (([due, id]) => ({ due: Number(due), id: String(id) }))(decodeCursor(q.cursor, 2))
      : undefined;
    const rows = await repo.list(db, {
      ...filter,
      scope: viewer.scope,
      desc: q.sort === '-dueAt',
      limit: limit + 1,
      after,
    });
    const page = pageOf(
      rows,
      limit,
      (r) => r,
      (r) => encodeCursor([Number(r.due_at), r.id]),
    );
    return { data: await views(db, page.data), nextCursor: page.nextCursor };
  }

  /** The reminder job: notifies the assignee once, if it is still this task's reminder. */
  async function remind(tx: Tx, taskId: string, jobId: string): Promise<'reminded' | 'ignored'> {
    const t = await repo.get(tx, taskId, { lock: true });
    if (t?.status !== 'open' || t.reminder_job_id !== jobId || t.reminded_at !== null) return 'ignored';
    const now = clock.now();
    await repo.update(tx, t.id, { reminded_at: now });
    const [lead] = t.lead_id ? await repo.leads(tx, [t.lead_id]) : [];
    const about = lead && lead.erased_at === null ? ` (${nameOf(lead)})` : '';
    await notify(tx, {
      userId: t.assignee_id,
      kind: 'task.reminder',
      taskId: t.id,
      leadId: t.lead_id,
      title: `Reminder: ${t.title}`,
      body: [`${t.title}${about} is due ${humanTime(Number(t.due_at))}.`, t.notes]
        .filter(Boolean)
        .join('\n\n'),
    });
    return 'reminded';
  }

  /** Each lead's open task due first (work lists). */
  async function nextOpenTasks(tx: Tx, leadIds: string[]) {
    const out = new Map<string, { id: string; title: string; dueAt: string }>();
    for (const t of await repo.nextOpen(tx, leadIds))
      if (t.lead_id && !out.has(t.lead_id))
        out.set(t.lead_id, { id: t.id, title: t.title, dueAt: iso(Number(t.due_at)) });
    return out;
  }

  /**
   * Tasks follow their lead: a merge moves them to the survivor (un-merge moves them back), an
   * erasure replaces their title and empties their notes (both may name the person), a deletion
   * removes them with their pending reminders.
   */
  const leadData: LeadDataListener = {
    name: 'tasks',
    async merged(tx, m) {
      const ids = (await repo.ofLeads(tx, [m.mergedId])).map((t) => t.id);
      await repo.moveTo(tx, ids, m.mergedId, m.survivorId);
      return ids;
    },
    async unmerged(tx, m, moved) {
      const ids = movedIds(moved);
      await repo.moveTo(tx, ids, m.survivorId, m.mergedId);
    },
    async erased(tx, leadIds) {
      await repo.clearText(tx, leadIds, erasedTaskTitle, clock.now());
    },
    async deleted(tx, leadIds) {
      for (const t of await repo.ofLeads(tx, leadIds))
        if (t.reminder_job_id) await jobs.cancel(tx, { id: t.reminder_job_id });
      await repo.removeOfLeads(tx, leadIds);
    },
    async exported(tx, leadIds) {
      const rows = await rowsOfLeads(tx, 'tasks', leadIds, 'due_at');
      return {
        tasks: rows.map((x) => ({ title: x.title, notes: x.notes, due: iso(x.due_at), status: x.status })),
      };
    },
  };

  return { create, update, remove, get, list, remind, nextOpenTasks, leadData };
}

export type TasksService = ReturnType<typeof createTasksService>;
