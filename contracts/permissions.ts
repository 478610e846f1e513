/**
 * Who sees and works which lead: the parts of the rule the web app needs too (which stage moves a
 * role may make, which role may use which lead action), and the error codes of row-level checks.
 * The row-level scope itself (own leads, team leads, team queues) is decided on the server:
 * server/modules/permissions. docs/permissions.md has the whole matrix.
 */
import type { Role } from './auth.ts';
import type { ErrorSpec } from './errors.ts';
import type { LifecycleStage } from './leads.ts';

/**
 * What a caller does to a lead: `see` it (reads, sub-resources), `edit` it (fields, consent,
 * custom fields, merges, visitors), `sell` it (accept, reject, claim, qualify, deals).
 */
export const leadActions = ['see', 'edit', 'sell'] as const;
export type LeadAction = (typeof leadActions)[number];

/** Stages that belong to sales: a lead gets there by being accepted, qualified or sold. */
export const salesStages: readonly LifecycleStage[] = ['sal', 'sql', 'opportunity', 'customer'];

/**
 * May this role make this stage move (the transition table decides whether the move exists at
 * all)? Marketing keeps the top of the funnel and hands off at MQL: from then on accepting,
 * rejecting (recycle or disqualify an MQL), qualifying and winning are sales' moves. Everyone else
 * with access to the lead may make any move the table allows.
 */
export function mayMoveStage(role: Role | null, from: LifecycleStage, to: LifecycleStage): boolean {
  if (role !== 'marketing') return true;
  if (salesStages.includes(to) || salesStages.includes(from)) return false;
  return from !== 'mql';
}

/**
 * Lead capabilities by role, beyond reading and editing the leads in one's scope. Admins have
 * every capability; the server's route declarations use these lists, the web app hides what a
 * role may not use.
 */
export const leadCapabilities = {
  /** CSV imports write across the whole database, so they are marketing's (and admins'). */
  importLeads: ['marketing'],
  /** Delete leads for good (within one's scope). */
  deleteLeads: ['marketing', 'sales_manager'],
  /** Subject-access export and erasure of a person. */
  privacy: ['marketing'],
  /** The sales inbox: accept, reject, claim from the team's queue. */
  inbox: ['sales_rep', 'sales_manager'],
  /** Form submissions (every person who filled in a form, whoever owns them). */
  formSubmissions: ['marketing'],
  /** Give a lead to another owner (managers: within the teams they manage). */
  reassign: ['marketing', 'sales_manager'],
} as const satisfies Record<string, readonly Role[]>;
export type LeadCapability = keyof typeof leadCapabilities;

/** Whether a role has a lead capability; admins have them all. */
export function roleCan(role: Role | null | undefined, capability: LeadCapability): boolean {
  if (!role) return false;
  return role === 'admin' || (leadCapabilities[capability] as readonly Role[]).includes(role);
}

/** Which leads a role works with, in words for page titles (the server decides the rows). */
export function leadScopeLabel(role: Role | null | undefined): { title: string; description: string } {
  switch (role) {
    case 'sales_rep':
      return {
        title: 'My leads',
        description: "The leads you own and the ones waiting in your teams' queues.",
      };
    case 'sales_manager':
      return {
        title: "My teams' leads",
        description: "Leads owned by you and the members of the teams you manage, and those teams' queues.",
      };
    default:
      return {
        title: 'Leads',
        description: 'Everyone Leadloop knows about: one person, one lead, whichever way they came in.',
      };
  }
}

export const permissionErrors = {
  LEAD_ACTION_NOT_ALLOWED: {
    status: 403,
    kind: 'auth',
    description:
      "The caller may see this lead but its role may not do this to it (marketing accepting, rejecting or qualifying; a rep reassigning a lead); `details` names the field. Leads outside the caller's scope answer LEAD_NOT_FOUND instead.",
  },
  LEAD_OUT_OF_SCOPE: {
    status: 409,
    kind: 'conflict',
    description:
      'The email or external id sent belongs to a lead outside your leads, so nothing was written; ask a manager or an admin to assign that lead to you.',
  },
} as const satisfies Record<string, ErrorSpec>;
