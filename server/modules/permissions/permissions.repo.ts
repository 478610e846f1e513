/**
 * The facts the rule judges (a user's teams, a lead's owner and queue) and the rule as SQL. Teams,
 * members and assignments are the routing module's tables; this module only reads them.
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import type { Tx } from '../../platform/db/db.ts';
import type { LeadFacts, LeadScope, TeamFacts } from './permissions.rules.ts';

/**
 * The scope as a condition on a lead id column (default `leads.id`; a deal or task passes its
 * `lead_id`), or null for `all`. Written as `id in (owned leads union all queued leads)` so that both
 * dialects start from the caller's own leads, through the owner index (`leads_owner_idx`) and the
 * queued assignments, and look the rest up by primary key: its cost follows the size of the
 * caller's scope, never the size of the table. (An `owner_id in (…) or id in (…)` reads well too,
 * but PostgreSQL plans it as a filter over a scan of every lead.)
 */
export function scopeCondition(scope: LeadScope, leadId = 'leads.id'): Expression<SqlBool> | null {
  if (scope.kind === 'all') return null;
  const owned = sql`select scope_leads.id from leads scope_leads where scope_leads.owner_id in (${sql.join(scope.owners)})`;
  if (scope.queueTeams.length === 0) return sql<SqlBool>`${sql.ref(leadId)} in (${owned})`;
  return sql<SqlBool>`${sql.ref(leadId)} in (${owned} union all select scope_queue.lead_id from lead_assignments scope_queue where scope_queue.status = 'queued' and scope_queue.team_id in (${sql.join(scope.queueTeams)}))`;
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

  return { teamsOf, factsOf };
}

export type PermissionsRepo = ReturnType<typeof createPermissionsRepo>;
