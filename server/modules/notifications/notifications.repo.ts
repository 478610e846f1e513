import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Tx } from '../../platform/db/db.ts';
import type { DB, NotificationsTable } from '../../platform/db/schema.ts';
import { type LeadScope, scopeCondition } from '../permissions/index.ts';

/**
 * The notifications a scope still sees: those about no lead, and those about a lead in it (a lead
 * given to someone else since takes its notifications out of sight with it).
 */
function visible(eb: ExpressionBuilder<DB, 'notifications'>, scope: LeadScope): Expression<SqlBool> {
  const inScope = scopeCondition(scope, 'notifications.lead_id');
  return inScope ? eb.or([eb('notifications.lead_id', 'is', null), inScope]) : eb.lit(true);
}

export function createNotificationsRepo() {
  async function insert(tx: Tx, row: NotificationsTable): Promise<void> {
    await tx.insertInto('notifications').values(row).execute();
  }

  /** A user's notifications, newest first, after the cursor position when given. */
  async function list(
    tx: Tx,
    userId: string,
    scope: LeadScope,
    f: { limit: number; before?: { at: number; id: string }; unread?: boolean },
  ) {
    let q = tx
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .where((eb) => visible(eb, scope))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit);
    if (f.unread) q = q.where('read_at', 'is', null);
    const before = f.before;
    if (before)
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', before.at),
          eb.and([eb('created_at', '=', before.at), eb('id', '<', before.id)]),
        ]),
      );
    return q.execute();
  }

  async function unreadCount(tx: Tx, userId: string, scope: LeadScope): Promise<number> {
    const r = await tx
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where((eb) => visible(eb, scope))
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async function get(tx: Tx, userId: string, scope: LeadScope, id: string) {
    return tx
      .selectFrom('notifications')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where((eb) => visible(eb, scope))
      .executeTakeFirst();
  }

  async function markRead(
    tx: Tx,
    userId: string,
    scope: LeadScope,
    ids: string[] | 'all',
    now: number,
  ): Promise<number> {
    let q = tx
      .updateTable('notifications')
      .set({ read_at: now })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .where((eb) => visible(eb, scope));
    if (ids !== 'all') {
      if (ids.length === 0) return 0;
      q = q.where('id', 'in', ids);
    }
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async function preferences(tx: Tx, userId: string) {
    return tx.selectFrom('notification_preferences').selectAll().where('user_id', '=', userId).execute();
  }

  async function setPreference(tx: Tx, userId: string, kind: string, email: boolean, now: number) {
    await tx
      .insertInto('notification_preferences')
      .values({ user_id: userId, kind, email: email ? 1 : 0, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['user_id', 'kind']).doUpdateSet({ email: email ? 1 : 0, updated_at: now }),
      )
      .execute();
  }

  /** Where a notification's email goes: the user's address, when they are active. */
  async function recipient(tx: Tx, userId: string) {
    return tx
      .selectFrom('users')
      .select(['id', 'email', 'name', 'active', 'role'])
      .where('id', '=', userId)
      .executeTakeFirst();
  }

  // Following their lead: merges move notifications to the survivor (and back), erasure replaces
  // their texts, deletion removes them.

  async function idsOfLead(tx: Tx, leadId: string): Promise<string[]> {
    return (await tx.selectFrom('notifications').select('id').where('lead_id', '=', leadId).execute()).map(
      (r) => r.id,
    );
  }

  /** Moves these notifications to lead `to`, those still about `from`. */
  async function moveTo(tx: Tx, ids: readonly string[], from: string, to: string): Promise<void> {
    for (let i = 0; i < ids.length; i += 1000)
      await tx
        .updateTable('notifications')
        .set({ lead_id: to })
        .where('id', 'in', ids.slice(i, i + 1000))
        .where('lead_id', '=', from)
        .execute();
  }

  async function ofLeads(tx: Tx, leadIds: string[]) {
    if (leadIds.length === 0) return [];
    return tx.selectFrom('notifications').select(['id', 'kind']).where('lead_id', 'in', leadIds).execute();
  }

  async function setText(tx: Tx, id: string, title: string, body: string): Promise<void> {
    await tx.updateTable('notifications').set({ title, body }).where('id', '=', id).execute();
  }

  async function removeOfLeads(tx: Tx, leadIds: string[]): Promise<void> {
    if (leadIds.length > 0) await tx.deleteFrom('notifications').where('lead_id', 'in', leadIds).execute();
  }

  return {
    insert,
    list,
    unreadCount,
    get,
    markRead,
    preferences,
    setPreference,
    recipient,
    idsOfLead,
    moveTo,
    ofLeads,
    setText,
    removeOfLeads,
  };
}

export type NotificationsRepo = ReturnType<typeof createNotificationsRepo>;
