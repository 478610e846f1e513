/**
 * Sales actions on routed leads: accept (→ sal), reject with one of the active policy's reasons
 * (→ disqualified, or recycled when the reason means "not ready"), claim from the team's queue,
 * and the inbox. Stage moves go through lifecycle.changeStage, so history and events stay the
 * lifecycle's; the routing listener closes the assignment and publishes in that transaction.
 *
 * Qualify (→ sql) records the BANT answers the active policy requires, with the same rule of who
 * may act as accept.
 *
 * Who may act: reps on their own leads and their team's queue; managers on the leads of the teams
 * they manage (and their own); admins and API keys with `leads:write` on all.
 */
import { bantFields, type LeadStages, type StageChangeInput } from '../../../contracts/lifecycle.ts';
import type { Inbox, InboxItem, QualifyInput, RejectInput } from '../../../contracts/routing.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { fromJson } from '../../platform/db/schema.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/access.ts';
import { iso } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { WriteContext } from '../leads/index.ts';
import type { ActivePolicy } from '../lifecycle/index.ts';
import { type AssignmentRow, assignmentView, type RoutingService } from './routing.service.ts';

type Deps = {
  database: Database;
  routing: RoutingService;
  changeStage: (leadId: string, input: StageChangeInput, ctx: WriteContext) => Promise<LeadStages>;
  changeStageIn: (tx: Tx, leadId: string, input: StageChangeInput, ctx: WriteContext) => Promise<unknown>;
  stagesOf: (leadId: string, tx: Tx) => Promise<LeadStages>;
  activePolicy: (tx: Tx) => Promise<ActivePolicy>;
  clock: { now(): number };
};

export function createSalesService({
  database,
  routing,
  changeStage,
  changeStageIn,
  stagesOf,
  activePolicy,
  clock,
}: Deps) {
  const db = database.db;

  async function teamsOf(tx: Tx, userId: string) {
    const member = (
      await tx.selectFrom('routing_team_members').select('team_id').where('user_id', '=', userId).execute()
    ).map((m) => m.team_id);
    const managed = (
      await tx.selectFrom('routing_teams').select('id').where('manager_id', '=', userId).execute()
    ).map((t) => t.id);
    return { member: new Set(member), managed: new Set(managed) };
  }

  /** The lead's open assignment, after checking the caller may act on it. */
  async function authorize(
    tx: Tx,
    leadId: string,
    principal: Principal,
    action: 'act' | 'claim',
  ): Promise<AssignmentRow | undefined> {
    const lead = await tx
      .selectFrom('leads')
      .select(['id', 'owner_id', 'erased_at', 'merged_into'])
      .where('id', '=', leadId)
      .executeTakeFirst();
    if (!lead || lead.erased_at !== null) throw new AppError('LEAD_NOT_FOUND', `No lead ${leadId}`);
    const a = await routing.currentAssignment(tx, leadId);
    if (principal.kind === 'apiKey' || principal.role === 'admin') return a;
    const me = principal.userId;
    const { member, managed } = await teamsOf(tx, me);
    const deny = () =>
      new AppError('SALES_NOT_YOUR_LEAD', `Lead ${leadId} is neither yours nor in your team's queue`, {
        details: [{ field: 'id', rule: 'ownership', message: 'not your lead' }],
      });
    if (principal.role === 'sales_manager') {
      if (lead.owner_id === me) return a;
      if (a?.team_id && managed.has(a.team_id)) return a;
      if (lead.owner_id) {
        const ownerTeams = (
          await tx
            .selectFrom('routing_team_members')
            .select('team_id')
            .where('user_id', '=', lead.owner_id)
            .execute()
        ).map((m) => m.team_id);
        if (ownerTeams.some((t) => managed.has(t))) return a;
      }
      throw deny();
    }
    if (principal.role === 'sales_rep') {
      if (action === 'act' && lead.owner_id === me) return a;
      // The team's unassigned queue: any member may take (and act on) a queued lead.
      if (a && a.status === 'queued' && a.team_id && member.has(a.team_id)) return a;
      throw deny();
    }
    throw deny();
  }

  const ctxOf = (principal: Principal): WriteContext => ({
    actor: actorOf(principal),
    source: 'sales' as WriteContext['source'],
  });

  async function accept(leadId: string, principal: Principal): Promise<LeadStages> {
    const a = await db.transaction().execute(async (tx) => {
      const found = await authorize(tx, leadId, principal, 'act');
      // A rep accepting from the queue claims it first (the lead becomes theirs).
      if (found?.status === 'queued' && principal.kind === 'user')
        await routing.claim(tx, found, principal.userId);
      return found;
    });
    void a;
    return changeStage(leadId, { to: 'sal' }, ctxOf(principal));
  }

  async function reject(leadId: string, input: RejectInput, principal: Principal): Promise<LeadStages> {
    const outcome = await db.transaction().execute(async (tx) => {
      await authorize(tx, leadId, principal, 'act');
      const { version, definition } = await activePolicy(tx);
      const reason = definition.rejectionReasons.find((r) => r.code === input.reasonCode);
      if (!reason)
        throw new AppError(
          'SALES_REASON_UNKNOWN',
          `"${input.reasonCode}" is not a rejection reason of policy v${version}`,
          {
            details: [
              {
                field: 'reasonCode',
                rule: 'policy',
                message: `one of ${definition.rejectionReasons.map((r) => r.code).join(', ')}`,
              },
            ],
          },
        );
      return reason;
    });
    return changeStage(
      leadId,
      { to: outcome.outcome, reasonCode: outcome.code, reason: input.note?.trim() || outcome.label },
      ctxOf(principal),
    );
  }

  /**
   * Sales-qualifies a lead (→ sql) with its BANT answers, in one transaction with the check of who
   * may act; the answers also go on the lead's timeline.
   */
  async function qualify(leadId: string, input: QualifyInput, principal: Principal): Promise<LeadStages> {
    return db.transaction().execute(async (tx) => {
      await authorize(tx, leadId, principal, 'act');
      const { version, definition } = await activePolicy(tx);
      const missing = definition.sql.required.filter((f) => !input[f]?.trim());
      if (missing.length > 0)
        throw new AppError(
          'STAGE_REQUIREMENTS_MISSING',
          `Policy v${version} needs ${missing.join(', ')} to qualify a lead as SQL`,
          {
            details: missing.map((f) => ({
              field: f,
              rule: 'required',
              message: `policy v${version} requires it`,
            })),
          },
        );
      const answers = Object.fromEntries(
        bantFields.filter((f) => input[f]?.trim()).map((f) => [f, input[f]!.trim()]),
      );
      const ctx = ctxOf(principal);
      await changeStageIn(tx, leadId, { to: 'sql', qualification: answers }, ctx);
      await routing.touchpoint(tx, leadId, 'qualified', { ...answers, policyVersion: version }, clock.now(), {
        id: 'id' in ctx.actor ? ctx.actor.id : null,
        label: ctx.actor.label ?? 'sales',
      });
      return stagesOf(leadId, tx);
    });
  }

  /** The ids of the members of every team this user manages. */
  async function managedMembers(tx: Tx, managerId: string): Promise<Set<string>> {
    const rows = await tx
      .selectFrom('routing_team_members')
      .innerJoin('routing_teams', 'routing_teams.id', 'routing_team_members.team_id')
      .select('routing_team_members.user_id')
      .where('routing_teams.manager_id', '=', managerId)
      .execute();
    return new Set(rows.map((r) => r.user_id));
  }

  async function claim(leadId: string, principal: Principal) {
    return db.transaction().execute(async (tx) => {
      const a = await authorize(tx, leadId, principal, 'claim');
      if (a?.status !== 'queued' || principal.kind !== 'user')
        throw new AppError('SALES_NOT_ASSIGNED', `Lead ${leadId} is not waiting in a queue`, {
          details: [{ field: 'id', rule: 'queued', message: 'not in a queue' }],
        });
      return assignmentView(await routing.claim(tx, a, principal.userId));
    });
  }

  /** New assignments waiting for acceptance, and the caller's teams' queues. */
  async function inbox(principal: Principal): Promise<Inbox> {
    const tx = db;
    const all = principal.kind === 'apiKey' || principal.role === 'admin';
    const me = principal.kind === 'user' ? principal.userId : '';
    const { member, managed } = await teamsOf(tx, me);
    let q = tx.selectFrom('lead_assignments').selectAll().where('status', 'in', ['open', 'queued']);
    if (!all) {
      const teams = [...new Set([...member, ...managed])];
      q = q.where((eb) =>
        eb.or([
          eb('owner_id', '=', me),
          ...(managed.size > 0 ? [eb('team_id', 'in', [...managed])] : []),
          ...(teams.length > 0 ? [eb.and([eb('status', '=', 'queued'), eb('team_id', 'in', teams)])] : []),
        ]),
      );
    }
    const rows = await q.orderBy('assigned_at', 'desc').limit(200).execute();
    const items = await itemsOf(tx, rows);
    const { definition } = await activePolicy(tx);
    return {
      assigned: items.filter((i) => i.assignment.status === 'open'),
      queue: items.filter((i) => i.assignment.status === 'queued'),
      rejectionReasons: definition.rejectionReasons.map((r) => ({
        code: r.code,
        label: r.label,
        outcome: r.outcome,
      })),
    };
  }

  async function itemsOf(tx: Tx, rows: AssignmentRow[]): Promise<InboxItem[]> {
    if (rows.length === 0) return [];
    const leadIds = rows.map((r) => r.lead_id);
    const leads = new Map(
      (await tx.selectFrom('leads').selectAll().where('id', 'in', leadIds).execute()).map((l) => [l.id, l]),
    );
    const owners = [...new Set(rows.map((r) => r.owner_id).filter((x): x is string => !!x))];
    const names = new Map(
      owners.length > 0
        ? (await tx.selectFrom('users').select(['id', 'name']).where('id', 'in', owners).execute()).map(
            (u) => [u.id, u.name],
          )
        : [],
    );
    const mqls = await tx
      .selectFrom('lead_stage_history')
      .select(['lead_id', 'at', 'reason', 'details'])
      .where('lead_id', 'in', leadIds)
      .where('to_stage', '=', 'mql')
      .orderBy('at', 'desc')
      .execute();
    const mqlOf = new Map<string, (typeof mqls)[number]>();
    for (const m of mqls) if (!mqlOf.has(m.lead_id)) mqlOf.set(m.lead_id, m);
    const tps = await tx
      .selectFrom('touchpoints')
      .select(['id', 'lead_id', 'type', 'occurred_at', 'source'])
      .where('lead_id', 'in', leadIds)
      .orderBy('occurred_at', 'desc')
      .limit(leadIds.length * 20)
      .execute();
    const tpsOf = Map.groupBy(tps, (t) => t.lead_id);
    const out: InboxItem[] = [];
    for (const r of rows) {
      const l = leads.get(r.lead_id);
      if (!l) continue;
      const m = mqlOf.get(r.lead_id);
      out.push({
        assignment: assignmentView(r, names),
        lead: {
          id: l.id,
          name: [l.first_name, l.last_name].filter(Boolean).join(' ') || l.email || l.id,
          email: l.email,
          companyName: l.company_name,
          jobTitle: l.job_title,
          stage: l.lifecycle_stage,
        },
        qualified: m
          ? {
              at: iso(Number(m.at)),
              reason: m.reason,
              explanation: fromJson<Record<string, unknown>>(m.details, {}).explanation ?? null,
            }
          : null,
        touchpoints: (tpsOf.get(r.lead_id) ?? []).slice(0, 5).map((t) => ({
          id: t.id,
          type: t.type,
          occurredAt: iso(Number(t.occurred_at)),
          source: t.source,
        })),
      });
    }
    return out;
  }

  return {
    accept,
    reject,
    qualify,
    claim,
    inbox,
    /** Checks, in the caller's transaction, that the principal may act on the lead (deals use it). */
    authorize,
    managedMembers,
  };
}

export type SalesService = ReturnType<typeof createSalesService>;
