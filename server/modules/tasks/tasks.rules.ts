/**
 * What a task list filter means, as plain code: the repository compiles the same filter to SQL,
 * and the property test checks that both agree.
 */
import type { TaskStatus } from '../../../contracts/tasks.ts';

export type TaskFilter = {
  /** Only this assignee (undefined: anyone). */
  assigneeId?: string;
  leadId?: string;
  status?: TaskStatus;
  /** due_at < dueBefore */
  dueBefore?: number;
  /** due_at >= dueAfter */
  dueAfter?: number;
  /** true: open and past due at `now`; false: every other task. */
  overdue?: boolean;
  now: number;
};

export type TaskFacts = {
  assignee_id: string;
  lead_id: string | null;
  status: string;
  due_at: number;
};

export const isOverdue = (t: Pick<TaskFacts, 'status' | 'due_at'>, now: number) =>
  t.status === 'open' && Number(t.due_at) < now;

/** True when the task belongs in the filtered list. */
export function taskMatches(t: TaskFacts, f: TaskFilter): boolean {
  if (f.assigneeId !== undefined && t.assignee_id !== f.assigneeId) return false;
  if (f.leadId !== undefined && t.lead_id !== f.leadId) return false;
  if (f.status !== undefined && t.status !== f.status) return false;
  if (f.dueBefore !== undefined && !(Number(t.due_at) < f.dueBefore)) return false;
  if (f.dueAfter !== undefined && !(Number(t.due_at) >= f.dueAfter)) return false;
  if (f.overdue !== undefined && isOverdue(t, f.now) !== f.overdue) return false;
  return true;
}
