/**
 * The row-level rule for callers: who a principal is as a viewer of leads (its scope), and checks
 * that answer the way every lead route answers: LEAD_NOT_FOUND (404) for a lead outside the scope,
 * LEAD_ACTION_NOT_ALLOWED (403) for a lead in scope that the role may not do this to.
 */
import type { LifecycleStage } from '../../../contracts/leads.ts';
import { type LeadAction, mayMoveStage } from '../../../contracts/permissions.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/access.ts';
import type { PermissionsRepo } from './permissions.repo.ts';
import {
  allLeads,
  decide,
  type LeadFacts,
  type LeadScope,
  ownerProblem,
  scopeOf,
  type Verdict,
  type Viewer,
} from './permissions.rules.ts';

type Deps = { database: Database; repo: PermissionsRepo };

export function createPermissionsService({ database, repo }: Deps) {
  const db = database.db;

  /** The viewer a principal is: its role and, for sales people, the teams that make its scope. */
  async function viewerOf(principal: Principal, tx: Tx = db): Promise<Viewer> {
    if (principal.kind === 'apiKey') return { role: null, userId: null, scope: allLeads };
    const { role, userId } = principal;
    if (role === 'admin' || role === 'marketing') return { role, userId, scope: allLeads };
    return { role, userId, scope: scopeOf(role, userId, await repo.teamsOf(tx, userId)) };
  }

  /**
   * The viewer a user is, by id (for what is addressed to a person rather than asked by one: a
   * notification, a task's assignee); undefined when there is no such user.
   */
  async function viewerOfUser(tx: Tx, userId: string): Promise<Viewer | undefined> {
    const role = await repo.roleOf(tx, userId);
    if (!role) return undefined;
    if (role === 'admin' || role === 'marketing') return { role, userId, scope: allLeads };
    return { role, userId, scope: scopeOf(role, userId, await repo.teamsOf(tx, userId)) };
  }

  /** The leads a principal sees: `all`, or the owners and team queues it sees. */
  async function leadScope(principal: Principal, tx: Tx = db): Promise<LeadScope> {
    return (await viewerOf(principal, tx)).scope;
  }

  /** The verdict on one lead; reads its owner and queues only when the scope is not `all`. */
  async function verdict(tx: Tx, viewer: Viewer, leadId: string, action: LeadAction): Promise<Verdict> {
    // Every lead is in an `all` scope: no need to read it (the service answers 404 when it is missing).
    const facts: LeadFacts | undefined =
      viewer.scope.kind === 'all'
        ? { ownerId: null, queuedTeams: [] }
        : (await repo.factsOf(tx, [leadId])).get(leadId);
    return decide(viewer, facts, action);
  }

  async function canSeeLead(tx: Tx, viewer: Viewer, leadId: string): Promise<boolean> {
    return (await verdict(tx, viewer, leadId, 'see')).ok;
  }

  async function canWorkLead(
    tx: Tx,
    viewer: Viewer,
    leadId: string,
    action: 'edit' | 'sell',
  ): Promise<boolean> {
    return (await verdict(tx, viewer, leadId, action)).ok;
  }

  /**
   * Throws unless the viewer may do this to the lead: LEAD_NOT_FOUND outside its scope (the same
   * answer as for an id that does not exist), LEAD_ACTION_NOT_ALLOWED in scope but not for its role.
   * `field` names where the id came from (`id`, or `mergedId`, `leadId` in a body).
   */
  async function requireLead(
    tx: Tx,
    viewer: Viewer,
    leadId: string,
    action: LeadAction,
    field = 'id',
  ): Promise<void> {
    const v = await verdict(tx, viewer, leadId, action);
    if (v.ok) return;
    if (v.status === 'not_found')
      throw new AppError('LEAD_NOT_FOUND', `No lead ${leadId}`, {
        details: field === 'id' ? undefined : [{ field, rule: 'exists', message: `no lead ${leadId}` }],
      });
    throw new AppError('LEAD_ACTION_NOT_ALLOWED', v.reason, {
      details: [{ field, rule: 'role', message: v.reason }],
    });
  }

  /** The ids among these that the viewer sees (every id for an `all` scope, existing or not). */
  async function visibleIds(tx: Tx, viewer: Viewer, leadIds: readonly string[]): Promise<Set<string>> {
    if (viewer.scope.kind === 'all') return new Set(leadIds);
    const facts = await repo.factsOf(tx, leadIds);
    return new Set(leadIds.filter((id) => decide(viewer, facts.get(id), 'see').ok));
  }

  return {
    viewerOf,
    viewerOfUser,
    leadScope,
    verdict,
    canSeeLead,
    canWorkLead,
    requireLead,
    visibleIds,
    requireOwnerChange,
    requireStageMove,
  };
}

export type PermissionsService = ReturnType<typeof createPermissionsService>;

/** Throws LEAD_ACTION_NOT_ALLOWED (on `ownerId`) unless the viewer may give the lead to `next`. */
export function requireOwnerChange(
  viewer: Viewer,
  current: string | null,
  next: string | null,
  creating = false,
): void {
  const problem = ownerProblem(viewer, current, next, creating);
  if (problem)
    throw new AppError('LEAD_ACTION_NOT_ALLOWED', `ownerId: ${problem}`, {
      details: [{ field: 'ownerId', rule: 'role', message: problem }],
    });
}

/** The viewer's say over stage moves, for lifecycle: the moves its role may make, and the check. */
export function stageGuardOf(viewer: Viewer) {
  return {
    mayMove: (from: LifecycleStage, to: LifecycleStage) => mayMoveStage(viewer.role, from, to),
    check: (from: LifecycleStage, to: LifecycleStage) => requireStageMove(viewer, from, to),
  };
}

/** Throws LEAD_ACTION_NOT_ALLOWED (on `field`) unless the viewer's role may make this stage move. */
export function requireStageMove(
  viewer: Viewer,
  from: LifecycleStage,
  to: LifecycleStage,
  field = 'to',
): void {
  if (from === to || mayMoveStage(viewer.role, from, to)) return;
  const message = `marketing hands leads off at MQL; moving from ${from} to ${to} is sales' to do`;
  throw new AppError('LEAD_ACTION_NOT_ALLOWED', `${field}: ${message}`, {
    details: [{ field, rule: 'role', message }],
  });
}
