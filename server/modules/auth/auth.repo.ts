import type { Tx } from '../../platform/db/db.ts';
import type { ApiKeysTable, SessionsTable, UsersTable } from '../../platform/db/schema.ts';

export type UserRow = UsersTable;

export function createAuthRepo() {
  // Users
  async function countUsers(tx: Tx): Promise<number> {
    const r = await tx
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async function insertUser(tx: Tx, row: UsersTable): Promise<void> {
    await tx.insertInto('users').values(row).execute();
  }

  async function userById(tx: Tx, id: string): Promise<UserRow | undefined> {
    return tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function userByEmail(tx: Tx, email: string): Promise<UserRow | undefined> {
    return tx.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async function listUsers(tx: Tx): Promise<UserRow[]> {
    return tx.selectFrom('users').selectAll().orderBy('email').execute();
  }

  async function updateUser(tx: Tx, id: string, patch: Partial<UsersTable>): Promise<void> {
    await tx.updateTable('users').set(patch).where('id', '=', id).execute();
  }

  async function countActiveAdmins(tx: Tx): Promise<number> {
    const r = await tx
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('active', '=', 1)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async function activeIds(tx: Tx, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await tx
      .selectFrom('users')
      .select('id')
      .where('id', 'in', ids)
      .where('active', '=', 1)
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** Active users of a role, with their roles' ids (e.g. the admins to tell about a failure). */
  async function activeIdsOfRole(tx: Tx, role: string): Promise<string[]> {
    const rows = await tx
      .selectFrom('users')
      .select('id')
      .where('role', '=', role)
      .where('active', '=', 1)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  }

  // Sessions
  async function insertSession(tx: Tx, row: SessionsTable): Promise<void> {
    await tx.insertInto('sessions').values(row).execute();
  }

  async function liveSession(tx: Tx, id: string, now: number) {
    return tx
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id as session_id',
        'sessions.csrf_token',
        'sessions.last_seen_at',
        'users.id as user_id',
        'users.email',
        'users.name',
        'users.role',
      ])
      .where('sessions.id', '=', id)
      .where('sessions.revoked_at', 'is', null)
      .where('sessions.expires_at', '>', now)
      .where('users.active', '=', 1)
      .executeTakeFirst();
  }

  async function touchSession(tx: Tx, id: string, now: number, expiresAt: number): Promise<void> {
    await tx
      .updateTable('sessions')
      .set({ last_seen_at: now, expires_at: expiresAt })
      .where('id', '=', id)
      .execute();
  }

  async function revokeSession(tx: Tx, id: string, now: number): Promise<void> {
    await tx
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Revokes a user's sessions, except one when given; returns how many ended. */
  async function revokeUserSessions(tx: Tx, userId: string, now: number, except?: string): Promise<number> {
    let q = tx
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (except) q = q.where('id', '!=', except);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async function deleteDeadSessions(tx: Tx, before: number): Promise<number> {
    const r = await tx
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  // API keys
  async function insertApiKey(tx: Tx, row: ApiKeysTable): Promise<void> {
    await tx.insertInto('api_keys').values(row).execute();
  }

  async function apiKeyByHash(tx: Tx, hash: string) {
    return tx.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst();
  }

  async function apiKeyById(tx: Tx, id: string) {
    return tx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function listApiKeys(tx: Tx) {
    return tx.selectFrom('api_keys').selectAll().orderBy('id', 'desc').execute();
  }

  async function updateApiKey(tx: Tx, id: string, patch: Partial<ApiKeysTable>): Promise<void> {
    await tx.updateTable('api_keys').set(patch).where('id', '=', id).execute();
  }

  return {
    countUsers,
    insertUser,
    userById,
    userByEmail,
    listUsers,
    updateUser,
    countActiveAdmins,
    activeIds,
    activeIdsOfRole,
    insertSession,
    liveSession,
    touchSession,
    revokeSession,
    revokeUserSessions,
    deleteDeadSessions,
    insertApiKey,
    apiKeyByHash,
    apiKeyById,
    listApiKeys,
    updateApiKey,
  };
}

export type AuthRepo = ReturnType<typeof createAuthRepo>;
