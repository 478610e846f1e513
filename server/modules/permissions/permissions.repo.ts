/**
 * The facts the rule judges (a user's teams, a lead's owner and queue) and the rule as SQL. Teams,
 * members and assignments are the routing module's tables; this module only reads them.
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import type { Role } from '../../../contracts/auth.ts';
import type { Dialect, Tx } from '../../platform/db/db.ts';
import type { LeadFacts, LeadScope, TeamFacts } from './permissions.rules.ts';

/** The leads waiting in the scope's team queues (the partial index `lead_assignments_queue_idx`). */
function queuedIn(teams: readonly string[]) {
  return sql`select scope_queue.lead_id from lead_assignments scope_queue where scope_queue.status = 'queued' and scope_queue.team_id in (${sql.join(teams)})`;
}

/**
 * The scope as a condition on the leads table itself (its lists, counts, stage counts, exports), or
 * null for `all`: `owner_id in (…)` through the owner index, or the lead waiting in one of the
 * queues. Both dialects plan it from the indexes, not by reading every lead: SQLite as a
 * multi-index OR, PostgreSQL as a BitmapOr of the owner index and the primary key, which takes the
 * queue as an array (an `in (subquery)` there would make it a filter over a scan of every lead).
 */
export function leadsScopeCondition(scope: LeadScope, dialect: Dialect): Expression<SqlBool> | null {
  if (scope.kind === 'all') return null;
  const owned = sql<SqlBool>`leads.owner_id in (${sql.join(scope.owners)})`;
  if (scope.queueTeams.length === 0) return owned;
  const queued = queuedIn(scope.queueTeams);
  return dialect === 'postgres'
    ? sql<SqlBool>`(${owned} or leads.id = any(array(${queued})))`
    : sql<SqlBool>`(${owned} or leads.id in (${queued}))`;
}

/**
 * The scope as a condition on any lead id column (a segment history's, a deal's or a task's
 * `lead_id`), or null for `all`: `lead_id in (owned leads union all queued leads)`, which both
 * dialects run from the owner index and the queue index, so its cost follows the size of the
 * caller's scope, never the size of the table.
 */
export function scopeCondition(scope: LeadScope, leadId: string): Expression<SqlBool> | null {
  if (scope.kind === 'all') return null;
  const owned = sql`select scope_leads.id from leads scope_leads where scope_leads.owner_id in (${sql.join(scope.owners)})`;
  if (scope.queueTeams.length === 0) return sql<SqlBool>`${sql.ref(leadId)} in (${owned})`;
  return sql<SqlBool>`${sql.ref(leadId)} in (${owned} union all ${queuedIn(scope.queueTeams)})`;
}

export function createPermissionsRepo() {
  async function teamsOf(tx: Tx, userId: string): Promise<TeamFacts> {
    const member = await tx
      .selectFrom('routing_team_members')
      .select('team_id')
      .where('user_id', '=', userId)
      .execute();
    const managed = await tx
      .selectFrom('routing_teams')
      .select('id')
      .where('manager_id', '=', userId)
      .execute();
    const managedIds = managed.map((t) => t.id);
    const managedMembers =
      managedIds.length === 0
        ? []
        : await tx
            .selectFrom('routing_team_members')
            .select('user_id')
            .where('team_id', 'in', managedIds)
            .execute();
    return {
      member: member.map((m) => m.team_id),
      managed: managedIds,
      managedMembers: managedMembers.map((m) => m.user_id),
    };
  }

  /** Owner and queues of each lead that exists (erased and merged leads included: callers say why). */
  async function factsOf(tx: Tx, leadIds: readonly string[]): Promise<Map<string, LeadFacts>> {
    const ids = [...new Set(leadIds)];
    const out = new Map<string, LeadFacts>();
    // Chunks stay far below both dialects' parameter limits.
    for (let i = 0; i < ids.length; i += 1000) {
      const part = ids.slice(i, i + 1000);
      const leads = await tx.selectFrom('leads').select(['id', 'owner_id']).where('id', 'in', part).execute();
      for (const l of leads) out.set(l.id, { ownerId: l.owner_id, queuedTeams: [] });
      const queued = await tx
        .selectFrom('lead_assignments')
        .select(['lead_id', 'team_id'])
        .where('lead_id', 'in', part)
        .where('status', '=', 'queued')
        .execute();
      for (const q of queued) {
        const f = out.get(q.lead_id);
        if (f && q.team_id) f.queuedTeams = [...f.queuedTeams, q.team_id];
      }
    }
    return out;
  }

  /** A user's role, or undefined when there is no such user. */
  async function roleOf(tx: Tx, userId: string): Promise<Role | undefined> {
    const u = await tx.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
    return u?.role as Role | undefined;
  }

  return { teamsOf, factsOf, roleOf };
}

export type PermissionsRepo = ReturnType<typeof createPermissionsRepo>;
