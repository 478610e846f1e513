import type { Dialect, Tx } from '../../platform/db/db.ts';
import type { TasksTable } from '../../platform/db/schema.ts';
import type { TaskFilter } from './tasks.rules.ts';

export function createTasksRepo(dialect: Dialect) {
  async function insert(tx: Tx, row: TasksTable): Promise<void> {
    await tx.insertInto('tasks').values(row).execute();
  }

  /** One task; `lock` holds its row until the transaction ends (PostgreSQL; SQLite has one writer). */
  async function get(tx: Tx, id: string, options: { lock?: boolean } = {}) {
    let q = tx.selectFrom('tasks').selectAll().where('id', '=', id);
    if (options.lock && dialect === 'postgres') q = q.forUpdate();
    return q.executeTakeFirst();
  }

  async function update(tx: Tx, id: string, patch: Partial<TasksTable>): Promise<void> {
    await tx.updateTable('tasks').set(patch).where('id', '=', id).execute();
  }

  async function remove(tx: Tx, id: string): Promise<void> {
    await tx.deleteFrom('tasks').where('id', '=', id).execute();
  }

  /** The filtered list in due order, after the cursor position when given (the SQL form of taskMatches). */
  async function list(
    tx: Tx,
    f: TaskFilter & { desc: boolean; limit: number; after?: { due: number; id: string } },
  ) {
    let q = tx.selectFrom('tasks').selectAll();
    if (f.assigneeId !== undefined) q = q.where('assignee_id', '=', f.assigneeId);
    if (f.leadId !== undefined) q = q.where('lead_id', '=', f.leadId);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.dueBefore !== undefined) q = q.where('due_at', '<', f.dueBefore);
    if (f.dueAfter !== undefined) q = q.where('due_at', '>=', f.dueAfter);
    if (f.overdue === true) q = q.where('status', '=', 'open').where('due_at', '<', f.now);
    if (f.overdue === false)
      q = q.where((eb) => eb.or([eb('status', '!=', 'open'), eb('due_at', '>=', f.now)]));
    const after = f.after;
    if (after) {
      const op = f.desc ? '<' : '>';
      q = q.where((eb) =>
        eb.or([eb('due_at', op, after.due), eb.and([eb('due_at', '=', after.due), eb('id', op, after.id)])]),
      );
    }
    const dir = f.desc ? 'desc' : 'asc';
    return q.orderBy('due_at', dir).orderBy('id', dir).limit(f.limit).execute();
  }

  /** Each lead's open task due first. */
  async function nextOpen(tx: Tx, leadIds: string[]) {
    if (leadIds.length === 0) return [];
    return tx
      .selectFrom('tasks')
      .select(['id', 'lead_id', 'title', 'due_at'])
      .where('lead_id', 'in', leadIds)
      .where('status', '=', 'open')
      .orderBy('due_at')
      .orderBy('id')
      .execute();
  }

  async function users(tx: Tx, ids: string[]) {
    if (ids.length === 0) return [];
    return tx.selectFrom('users').select(['id', 'name', 'active']).where('id', 'in', ids).execute();
  }

  async function leads(tx: Tx, ids: string[]) {
    if (ids.length === 0) return [];
    return tx
      .selectFrom('leads')
      .select(['id', 'first_name', 'last_name', 'email', 'merged_into', 'erased_at'])
      .where('id', 'in', ids)
      .execute();
  }

  return { insert, get, update, remove, list, nextOpen, users, leads };
}

export type TasksRepo = ReturnType<typeof createTasksRepo>;
