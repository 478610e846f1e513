/**
 * The row-level rule, as pure functions: which leads a caller sees (its scope), and what it may do
 * to one lead. The repo turns a scope into SQL; the service gathers the facts these functions judge.
 */
import type { Role } from '../../../contracts/auth.ts';
import type { LeadAction } from '../../../contracts/permissions.ts';
import { assertNever } from '../../platform/errors.ts';

/**
 * The leads a caller sees. `all`: admins, marketing and API keys. `team`: sales people, who see the
 * leads owned by `owners` and the leads waiting in the queues of `queueTeams`.
 */
export type LeadScope =
  | { readonly kind: 'all' }
  | {
      readonly kind: 'team';
      readonly userId: string;
      readonly owners: readonly string[];
      readonly queueTeams: readonly string[];
    };

export const allLeads: LeadScope = Object.freeze({ kind: 'all' });

/** A caller as the rule sees it. API keys have no role: their scopes are checked per route. */
export type Viewer = {
  readonly role: Role | null;
  readonly userId: string | null;
  readonly scope: LeadScope;
};

/** The viewer internal work runs as (jobs, the CLI): every lead. */
export const systemViewer: Viewer = Object.freeze({ role: null, userId: null, scope: allLeads });

/** A user's teams: those they belong to, those they manage, and the members of the managed ones. */
export type TeamFacts = {
  member: readonly string[];
  managed: readonly string[];
  managedMembers: readonly string[];
};

/** What the rule needs to know about one lead. */
export type LeadFacts = {
  ownerId: string | null;
  /** Teams whose unassigned queue holds the lead (its open assignment has status `queued`). */
  queuedTeams: readonly string[];
};

const unique = (xs: readonly string[]) => [...new Set(xs)].sort();

/**
 * A user's scope. Reps: their own leads and their teams' queues. Managers: their own leads, the
 * leads owned by members of the teams they manage, the queues of those teams, and the queues of
 * teams they belong to (as any member). Admins and marketing: every lead.
 */
export function scopeOf(role: Role, userId: string, teams: TeamFacts): LeadScope {
  switch (role) {
    case 'admin':
    case 'marketing':
      return allLeads;
    case 'sales_manager':
      return {
        kind: 'team',
        userId,
        owners: unique([userId, ...teams.managedMembers]),
        queueTeams: unique([...teams.managed, ...teams.member]),
      };
    case 'sales_rep':
      return { kind: 'team', userId, owners: [userId], queueTeams: unique(teams.member) };
    default:
      return assertNever(role, 'role');
  }
}

/** Does the scope hold this lead? */
export function inScope(scope: LeadScope, lead: LeadFacts): boolean {
  if (scope.kind === 'all') return true;
  if (lead.ownerId !== null && scope.owners.includes(lead.ownerId)) return true;
  return lead.queuedTeams.some((t) => scope.queueTeams.includes(t));
}

export type Verdict =
  | { ok: true }
  | { ok: false; status: 'not_found' }
  | { ok: false; status: 'forbidden'; reason: string };

/**
 * May the viewer do this to the lead? A lead outside the scope does not exist for the viewer (404,
 * whatever the action: reads and writes alike, so nobody learns which ids exist). A lead in scope
 * may be refused by role (403): marketing sees every lead but does not sell.
 */
export function decide(viewer: Viewer, lead: LeadFacts | undefined, action: LeadAction): Verdict {
  if (!lead || !inScope(viewer.scope, lead)) return { ok: false, status: 'not_found' };
  switch (action) {
    case 'see':
    case 'edit':
      return { ok: true };
    case 'sell':
      if (viewer.role === 'marketing')
        return {
          ok: false,
          status: 'forbidden',
          reason: 'Sales accepts, rejects, qualifies and sells leads; marketing hands them off at MQL',
        };
      return { ok: true };
    default:
      return assertNever(action, 'lead action');
  }
}

/**
 * Why the viewer may not give a lead to `next` (null: it may). Reps do not reassign (they claim
 * from their team's queue), but own the leads they create; managers give leads to themselves or members of the teams they manage,
 * never to nobody, since an unowned lead outside a queue would drop out of their sight; marketing,
 * admins and API keys give leads to anyone.
 */
export function ownerProblem(
  viewer: Viewer,
  current: string | null,
  next: string | null,
  /** The lead is being created: a rep may own what they create. */
  creating = false,
): string | null {
  if (viewer.scope.kind === 'all' || next === current) return null;
  if (creating && next !== null && next === viewer.userId) return null;
  if (viewer.role === 'sales_manager') {
    return next !== null && viewer.scope.owners.includes(next)
      ? null
      : 'must be you or a member of a team you manage';
  }
  return "reps do not reassign leads; claim one from your team's queue, or ask your manager";
}
