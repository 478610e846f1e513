/**
 * Sales actions on routed leads: accept (→ sal), reject with one of the active policy's reasons
 * (→ disqualified, or recycled when the reason means "not ready"), claim from the team's queue,
 * and the inbox. Stage moves go through lifecycle.changeStage, so history and events stay the
 * lifecycle's; the routing listener closes the assignment and publishes in that transaction.
 *
 * Qualify (→ sql) records the BANT answers the active policy requires, with the same rule of who
 * may act as accept.
 *
 * Who may act is the permissions module's rule (docs/permissions.md): reps on their own leads and
 * their teams' queues; managers on the leads of the teams they manage, those teams' queues and their
 * own; admins and API keys with `leads:write` on all; marketing never. Claiming takes a queued lead.
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
import type { PermissionsService } from '../permissions/index.ts';
import { type AssignmentRow, assignmentView, type RoutingService } from './routing.service.ts';

type Deps = {
  database: Database;
  routing: RoutingService;
  permissions: Pick<PermissionsService, 'viewerOf' | 'requireLead'>;
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
  permissions,
  clock,
}: Deps) {
  const db = database.db;

  /**
   * The lead's open assignment, after checking the caller may sell it (the permissions rule: reps
   * their own leads and their teams' queues, managers their teams' leads and queues, admins and API
   * keys all; outside that the lead does not exist for the caller).
   */
  async function authorize(tx: Tx, leadId: string, principal: Principal): Promise<AssignmentRow | undefined> {
    const viewer = await permissions.viewerOf(principal, tx);
    await permissions.requireLead(tx, viewer, leadId, 'sell');
    const lead = await tx
      .selectFrom('leads')
      .select(['id', 'erased_at'])
      .where('id', '=', leadId)
      .executeTakeFirst();
    if (!lead || lead.erased_at !== null) throw new AppError('LEAD_NOT_FOUND', `No lead ${leadId}`);
    return routing.currentAssignment(tx, leadId);
  }

  const ctxOf = (principal: Principal): WriteContext => ({
    actor: actorOf(principal),
    source: 'sales' as WriteContext['source'],
  });

  async function accept(leadId: string, principal: Principal): Promise<LeadStages> {
    const a = await db.transaction().execute(async (tx) => {
      const found = await authorize(tx, leadId, principal);
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
      await authorize(tx, leadId, principal);
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
      await authorize(tx, leadId, principal);
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

  async function claim(leadId: string, principal: Principal) {
    return db.transaction().execute(async (tx) => {
      const a = await authorize(tx, leadId, principal);
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
    const { scope } = await permissions.viewerOf(principal, tx);
    let q = tx.selectFrom('lead_assignments').selectAll().where('status', 'in', ['open', 'queued']);
    // The same rule as every lead list: assignments to the owners the caller sees, and the queues.
    if (scope.kind === 'team') {
      const { owners, queueTeams } = scope;
      q = q.where((eb) =>
        eb.or([
          eb('owner_id', 'in', owners),
          ...(queueTeams.length > 0
            ? [eb.and([eb('status', '=', 'queued'), eb('team_id', 'in', queueTeams)])]
            : []),
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
  };
}

export type SalesService = ReturnType<typeof createSalesService>;
