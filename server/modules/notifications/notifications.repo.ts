import type { Tx } from '../../platform/db/db.ts';
import type { NotificationsTable } from '../../platform/db/schema.ts';

export function createNotificationsRepo() {
  async function insert(tx: Tx, row: NotificationsTable): Promise<void> {
    await tx.insertInto('notifications').values(row).execute();
  }

  /** A user's notifications, newest first, after the cursor position when given. */
  async function list(
    tx: Tx,
    userId: string,
    f: { limit: number; before?: { at: number; id: string }; unread?: boolean },
  ) {
    let q = tx
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', userId)
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

  async function unreadCount(tx: Tx, userId: string): Promise<number> {
    const r = await tx
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async function get(tx: Tx, userId: string, id: string) {
    return tx
      .selectFrom('notifications')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  async function markRead(tx: Tx, userId: string, ids: string[] | 'all', now: number): Promise<number> {
    let q = tx
      .updateTable('notifications')
      .set({ read_at: now })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null);
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
      .select(['id', 'email', 'name', 'active'])
      .where('id', '=', userId)
      .executeTakeFirst();
  }

  return { insert, list, unreadCount, get, markRead, preferences, setPreference, recipient };
}

export type NotificationsRepo = ReturnType<typeof createNotificationsRepo>;
