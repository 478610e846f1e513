import { hash } from 'node:crypto';
import { scopes as allScopes, type Role, roles, type Scope } from '../../../contracts/auth.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Config } from '../../platform/config.ts';
import { type Database, isUniqueViolation, type Tx } from '../../platform/db/db.ts';
import { AppError, validationError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/access.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId, newToken } from '../../platform/ids.ts';
import { keyedHash, type Secrets } from '../../platform/secrets.ts';
import { type Actor, type AuditService, actorOf } from '../audit/index.ts';
import type { AuthRepo, UserRow } from './auth.repo.ts';
import { decoyHash, hashPassword, passwordRules, verifyPassword } from './passwords.ts';

export type RequestInfo = { ip: string | null; userAgent: string | null };

export type UserView = {
  id: string;
  email: string;
  name: string;
  role: Role;
  active: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
};

export type ApiKeyView = {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

export type NewSession = { token: string; csrfToken: string; expiresAt: number; user: UserView };

type Deps = {
  database: Database;
  repo: AuthRepo;
  audit: Pick<AuditService, 'record'>;
  clock: Clock;
  secrets: Secrets;
  config: Pick<Config, 'sessionTtlHours' | 'loginMaxFailures' | 'loginLockMinutes'>;
  /** Enqueues loading the demo dataset inside the given transaction (first-run setup's checkbox). */
  loadDemo?: (tx: Tx) => Promise<void>;
};

const apiKeyPrefix = 'llk_';
const touchEveryMs = 5 * 60_000;
const lastUsedEveryMs = 60_000;
/** How long a resolved API key is trusted without reading it again (revocations elsewhere: at most this late). */
export const apiKeyCacheTtlMs = 5_000;
const apiKeyCacheMax = 1_000;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

function checkPassword(field: string, password: string): void {
  if (password.length < passwordRules.minLength) {
    throw validationError(field, 'minLength', `must be at least ${passwordRules.minLength} characters`);
  }
  if (password.length > passwordRules.maxLength) {
    throw validationError(field, 'maxLength', `must be at most ${passwordRules.maxLength} characters`);
  }
}

export function toUserView(u: UserRow): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role as Role,
    active: u.active === 1,
    lastLoginAt: iso(u.last_login_at),
    createdAt: iso(u.created_at),
    updatedAt: iso(u.updated_at),
  };
}

export function createAuthService({ database, repo, audit, clock, secrets, config, loadDemo }: Deps) {
  const db = database.db;
  const ttlMs = config.sessionTtlHours * 3600_000;

  async function startSession(tx: Database['db'], user: UserRow, info: RequestInfo): Promise<NewSession> {
    const now = clock.now();
    const token = newToken(32);
    const csrfToken = newToken(24);
    const expiresAt = now + ttlMs;
    await repo.insertSession(tx, {
      id: keyedHash(secrets, token),
      user_id: user.id,
      csrf_token: csrfToken,
      ip: info.ip,
      user_agent: info.userAgent?.slice(0, 500) ?? null,
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
      revoked_at: null,
    });
    return { token, csrfToken, expiresAt, user: toUserView(user) };
  }

  async function setupNeeded(): Promise<boolean> {
    return (await repo.countUsers(db)) === 0;
  }

  /** Creates the first admin and signs them in (and queues demo data if asked); refused once any user exists. */
  async function setup(
    input: { email: string; name: string; password: string; loadDemo?: boolean },
    info: RequestInfo,
  ): Promise<NewSession> {
    checkPassword('password', input.password);
    const passwordHash = await hashPassword(input.password);
    return db.transaction().execute(async (tx) => {
      if ((await repo.countUsers(tx)) > 0)
        throw new AppError('SETUP_ALREADY_DONE', 'Leadloop is already set up.');
      const now = clock.now();
      // The flag row makes two simultaneous setups collide on its primary key (PostgreSQL runs them in parallel).
      try {
        await tx.insertInto('app_flags').values({ name: 'setup_done', created_at: now }).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('SETUP_ALREADY_DONE', 'Leadloop is already set up.');
        throw error;
      }
      const user: UserRow = {
        id: newId('usr', now),
        email: normaliseEmail(input.email),
        name: input.name.trim(),
        role: 'admin',
        password_hash: passwordHash,
        active: 1,
        failed_logins: 0,
        locked_until: null,
        last_login_at: now,
        created_at: now,
        updated_at: now,
      };
      await repo.insertUser(tx, user);
      await audit.record(tx, {
        actor: { type: 'user', id: user.id, label: user.email },
        action: 'setup.completed',
        target: { type: 'user', id: user.id },
        ip: info.ip,
      });
      if (input.loadDemo && loadDemo) await loadDemo(tx);
      return startSession(tx, user, info);
    });
  }

  async function login(input: { email: string; password: string }, info: RequestInfo): Promise<NewSession> {
    const email = normaliseEmail(input.email);
    const user = await repo.userByEmail(db, email);
    const now = clock.now();
    const failed = async (reason: string, extra: Record<string, unknown> = {}, tx = db) => {
      await audit.record(tx, {
        actor: user ? { type: 'user', id: user.id, label: user.email } : { type: 'anonymous', label: email },
        action: 'auth.login_failed',
        ...(user ? { target: { type: 'user', id: user.id } } : {}),
        ip: info.ip,
        details: { email, reason, ...extra },
      });
    };
    if (!user) {
      await verifyPassword(input.password, decoyHash);
      await failed('unknown_email');
      throw new AppError('INVALID_CREDENTIALS', 'The email or password is wrong.');
    }
    if (user.locked_until !== null && user.locked_until > now) {
      await failed('locked');
      const seconds = Math.ceil((user.locked_until - now) / 1000);
      throw new AppError(
        'ACCOUNT_LOCKED',
        `Too many failed logins. Try again in ${Math.ceil(seconds / 60)} minutes.`,
        {
          headers: { 'retry-after': String(seconds) },
        },
      );
    }
    const ok = await verifyPassword(input.password, user.password_hash);
    if (!ok || user.active !== 1) {
      if (!ok) {
        const failures = user.failed_logins + 1;
        const lock = failures >= config.loginMaxFailures;
        await db.transaction().execute(async (tx) => {
          await repo.updateUser(tx, user.id, {
            failed_logins: lock ? 0 : failures,
            locked_until: lock ? now + config.loginLockMinutes * 60_000 : user.locked_until,
          });
          await failed('wrong_password', { failures }, tx);
          if (lock) {
            await audit.record(tx, {
              actor: { type: 'system', label: 'login protection' },
              action: 'auth.locked',
              target: { type: 'user', id: user.id },
              ip: info.ip,
              details: { minutes: config.loginLockMinutes },
            });
          }
        });
      } else {
        await failed('deactivated');
      }
      throw new AppError('INVALID_CREDENTIALS', 'The email or password is wrong.');
    }
    return db.transaction().execute(async (tx) => {
      await repo.updateUser(tx, user.id, { failed_logins: 0, locked_until: null, last_login_at: now });
      await audit.record(tx, {
        actor: { type: 'user', id: user.id, label: user.email },
        action: 'auth.login',
        target: { type: 'user', id: user.id },
        ip: info.ip,
      });
      return startSession(tx, { ...user, last_login_at: now }, info);
    });
  }

  async function logout(principal: Principal, info: RequestInfo): Promise<void> {
    if (principal.kind !== 'user') return;
    await db.transaction().execute(async (tx) => {
      await repo.revokeSession(tx, principal.sessionId, clock.now());
      await audit.record(tx, { actor: actorOf(principal), action: 'auth.logout', ip: info.ip });
    });
  }

  /** The signed-in user behind a session cookie, or null; slides the expiry now and then. */
  async function resolveSession(token: string): Promise<Principal | null> {
    if (token.length > 200) return null;
    const now = clock.now();
    const id = keyedHash(secrets, token);
    const s = await repo.liveSession(db, id, now);
    if (!s) return null;
    if (now - s.last_seen_at > touchEveryMs) await repo.touchSession(db, id, now, now + ttlMs);
    return {
      kind: 'user',
      userId: s.user_id,
      email: s.email,
      name: s.name,
      role: s.role as Role,
      sessionId: s.session_id,
      csrfToken: s.csrf_token,
    };
  }

  /**
   * Recently resolved API keys, keyed by a plain SHA-256 of the key (the secret itself is never a
   * map key). An entry lives `apiKeyCacheTtlMs`: a revoke in this process drops it at once, one in
   * another process (or the CLI) takes effect here within the TTL.
   */
  type CachedKey = { principal: Principal; keyId: string; lastUsedAt: number | null; expires: number };
  const apiKeyCache = new Map<string, CachedKey>();

  async function resolveApiKey(key: string): Promise<Principal | null> {
    if (!key.startsWith(apiKeyPrefix) || key.length > 200) return null;
    const cacheKey = hash('sha256', key);
    const now = clock.now();
    let entry = apiKeyCache.get(cacheKey);
    if (!entry || entry.expires <= now || entry.expires - apiKeyCacheTtlMs > now) {
      if (entry) apiKeyCache.delete(cacheKey);
      const row = await repo.apiKeyByHash(db, keyedHash(secrets, key));
      if (!row || row.revoked_at !== null) return null;
      entry = {
        principal: {
          kind: 'apiKey',
          keyId: row.id,
          name: row.name,
          scopes: JSON.parse(row.scopes) as Scope[],
        },
        keyId: row.id,
        lastUsedAt: row.last_used_at,
        expires: now + apiKeyCacheTtlMs,
      };
      if (apiKeyCache.size >= apiKeyCacheMax) apiKeyCache.clear();
      apiKeyCache.set(cacheKey, entry);
    }
    if (entry.lastUsedAt === null || now - entry.lastUsedAt > lastUsedEveryMs) {
      entry.lastUsedAt = now;
      await repo.updateApiKey(db, entry.keyId, { last_used_at: now });
    }
    return { ...entry.principal } as Principal;
  }

  function forgetApiKey(id: string): void {
    for (const [k, v] of apiKeyCache) if (v.keyId === id) apiKeyCache.delete(k);
  }

  async function sessionUser(principal: Principal): Promise<UserView> {
    if (principal.kind !== 'user') throw new AppError('FORBIDDEN', 'Only signed-in users have a session.');
    return getUser(principal.userId);
  }

  /** Changes one's own password; ends every other session of that user. */
  async function changePassword(
    principal: Principal,
    input: { currentPassword: string; newPassword: string },
    info: RequestInfo,
  ): Promise<void> {
    if (principal.kind !== 'user') throw new AppError('FORBIDDEN', 'Only signed-in users have a password.');
    checkPassword('newPassword', input.newPassword);
    const user = await repo.userById(db, principal.userId);
    if (!user || !(await verifyPassword(input.currentPassword, user.password_hash))) {
      throw new AppError('CURRENT_PASSWORD_WRONG', 'The current password is wrong.');
    }
    const hash = await hashPassword(input.newPassword);
    await db.transaction().execute(async (tx) => {
      const now = clock.now();
      await repo.updateUser(tx, user.id, { password_hash: hash, updated_at: now });
      const ended = await repo.revokeUserSessions(tx, user.id, now, principal.sessionId);
      await audit.record(tx, {
        actor: actorOf(principal),
        action: 'auth.password_changed',
        target: { type: 'user', id: user.id },
        ip: info.ip,
        details: { otherSessionsEnded: ended },
      });
    });
  }

  async function listUsers(): Promise<UserView[]> {
    return (await repo.listUsers(db)).map(toUserView);
  }

  async function getUser(id: string): Promise<UserView> {
    const u = await repo.userById(db, id);
    if (!u) throw new AppError('USER_NOT_FOUND', `No user ${id}`);
    return toUserView(u);
  }

  async function createUser(
    actor: Actor,
    input: { email: string; name: string; role: Role; password: string },
    info: RequestInfo,
  ): Promise<UserView> {
    checkPassword('password', input.password);
    const hash = await hashPassword(input.password);
    const now = clock.now();
    const user: UserRow = {
      id: newId('usr', now),
      email: normaliseEmail(input.email),
      name: input.name.trim(),
      role: input.role,
      password_hash: hash,
      active: 1,
      failed_logins: 0,
      locked_until: null,
      last_login_at: null,
      created_at: now,
      updated_at: now,
    };
    try {
      await db.transaction().execute(async (tx) => {
        await repo.insertUser(tx, user);
        await audit.record(tx, {
          actor,
          action: 'user.created',
          target: { type: 'user', id: user.id },
          ip: info.ip,
          details: { email: user.email, role: user.role },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError('USER_EMAIL_TAKEN', `A user with ${user.email} already exists.`);
      throw error;
    }
    return toUserView(user);
  }

  /** Renames, changes role, deactivates or reactivates a user. Deactivating ends their sessions. */
  async function updateUser(
    actor: Actor,
    id: string,
    patch: { name?: string; role?: Role; active?: boolean },
    info: RequestInfo,
  ): Promise<UserView> {
    return db.transaction().execute(async (tx) => {
      const user = await repo.userById(tx, id);
      if (!user) throw new AppError('USER_NOT_FOUND', `No user ${id}`);
      const now = clock.now();
      const next = {
        name: patch.name?.trim() ?? user.name,
        role: patch.role ?? (user.role as Role),
        active: patch.active === undefined ? user.active : patch.active ? 1 : 0,
      };
      const losesAdmin =
        user.role === 'admin' && user.active === 1 && (next.role !== 'admin' || next.active !== 1);
      if (losesAdmin && (await repo.countActiveAdmins(tx)) <= 1) {
        throw new AppError('LAST_ADMIN', 'This is the last active admin; make someone else admin first.');
      }
      await repo.updateUser(tx, id, { ...next, updated_at: now });
      const ip = info.ip;
      const target = { type: 'user', id };
      if (next.role !== user.role) {
        await audit.record(tx, {
          actor,
          action: 'user.role_changed',
          target,
          ip,
          details: { from: user.role, to: next.role },
        });
      }
      if (next.name !== user.name) {
        await audit.record(tx, {
          actor,
          action: 'user.renamed',
          target,
          ip,
          details: { from: user.name, to: next.name },
        });
      }
      if (next.active !== user.active) {
        const ended = next.active === 0 ? await repo.revokeUserSessions(tx, id, now) : 0;
        await audit.record(tx, {
          actor,
          action: next.active === 0 ? 'user.deactivated' : 'user.reactivated',
          target,
          ip,
          ...(next.active === 0 ? { details: { sessionsEnded: ended } } : {}),
        });
      }
      return toUserView({ ...user, ...next, updated_at: now });
    });
  }

  async function listApiKeys(): Promise<ApiKeyView[]> {
    return (await repo.listApiKeys(db)).map(toApiKeyView);
  }

  /** Creates an API key; the secret is returned here and never again. */
  async function createApiKey(
    actor: Actor,
    input: { name: string; scopes: Scope[] },
    info: RequestInfo,
  ): Promise<{ apiKey: ApiKeyView; secret: string }> {
    const unknown = input.scopes.find((s) => !(allScopes as readonly string[]).includes(s));
    if (unknown)
      throw validationError('scopes', 'enum', `"${unknown}" is not a scope (${allScopes.join(', ')})`);
    if (input.scopes.length === 0)
      throw validationError('scopes', 'minItems', 'must list at least one scope');
    const now = clock.now();
    const secret = apiKeyPrefix + newToken(32);
    const row = {
      id: newId('key', now),
      name: input.name.trim(),
      key_hash: keyedHash(secrets, secret),
      prefix: secret.slice(0, apiKeyPrefix.length + 6),
      scopes: JSON.stringify([...new Set(input.scopes)]),
      created_by: 'id' in actor ? actor.id : null,
      created_at: now,
      last_used_at: null,
      revoked_at: null,
    };
    await db.transaction().execute(async (tx) => {
      await repo.insertApiKey(tx, row);
      await audit.record(tx, {
        actor,
        action: 'api_key.created',
        target: { type: 'api_key', id: row.id },
        ip: info.ip,
        details: { name: row.name, scopes: JSON.parse(row.scopes) },
      });
    });
    return { apiKey: toApiKeyView(row), secret };
  }

  async function revokeApiKey(actor: Actor, id: string, info: RequestInfo): Promise<ApiKeyView> {
    return db.transaction().execute(async (tx) => {
      const row = await repo.apiKeyById(tx, id);
      if (!row) throw new AppError('API_KEY_NOT_FOUND', `No API key ${id}`);
      if (row.revoked_at !== null) return toApiKeyView(row);
      const now = clock.now();
      await repo.updateApiKey(tx, id, { revoked_at: now });
      forgetApiKey(id);
      await audit.record(tx, {
        actor,
        action: 'api_key.revoked',
        target: { type: 'api_key', id },
        ip: info.ip,
        details: { name: row.name },
      });
      return toApiKeyView({ ...row, revoked_at: now });
    });
  }

  /** Which of these ids are active users (inside the caller's transaction). */
  async function activeUserIds(tx: Database['db'], ids: string[]): Promise<Set<string>> {
    return repo.activeIds(tx, ids);
  }

  /** The active admins' ids, read in the caller's transaction. */
  async function activeAdminIds(tx: Database['db']): Promise<string[]> {
    return repo.activeIdsOfRole(tx, 'admin');
  }

  /** Removes sessions that ended more than a day ago (a maintenance job). */
  async function purgeSessions(): Promise<number> {
    return repo.deleteDeadSessions(db, clock.now() - 86_400_000);
  }

  return {
    setupNeeded,
    setup,
    login,
    logout,
    resolveSession,
    resolveApiKey,
    sessionUser,
    changePassword,
    listUsers,
    getUser,
    createUser,
    updateUser,
    listApiKeys,
    createApiKey,
    revokeApiKey,
    activeUserIds,
    activeAdminIds,
    purgeSessions,
  };
}

function toApiKeyView(r: {
  id: string;
  name: string;
  prefix: string;
  scopes: string;
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}): ApiKeyView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: JSON.parse(r.scopes) as Scope[],
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
export { roles };
