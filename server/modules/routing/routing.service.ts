/**
 * Handoff routing: every new MQL is routed in the transaction that made it an MQL. Rules are
 * ordered; the first active rule whose filter condition matches wins, else the default rule. The
 * rule's strategy picks a rep of its team (or its named owner, or the account's owner); the
 * assignment, its reason and an `assigned` touchpoint on the lead's timeline are written, the lead's
 * owner is set, `lead.assigned` is published and the SLA timer (a durable job) is enqueued.
 *
 * Round-robin is stride scheduling kept in the database: each member has a pass, the team a
 * virtual clock. The eligible member with the lowest effective pass — max(pass, clock), so a rep
 * back from leave or newly added joins at the current time instead of catching up in a burst — is
 * picked (ties: the one waiting longest); the clock moves to that value and the member's pass to
 * it plus 1,000,000 / weight. It
 * survives restarts and edits of the pool (members keep their pass; removed ones simply vanish).
 */
import type { Selectable } from 'kysely';
import type { Filter } from '../../../contracts/filters.ts';
import {
  type Assignment,
  type AssignmentStatus,
  type BusinessHours,
  defaultBusinessHours,
  openStages,
  type RoutingStrategy,
  type SlaAction,
} from '../../../contracts/routing.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { prepared } from '../../platform/db/prepared.ts';
import { fromJson, type LeadAssignmentsTable, type RoutingRulesTable } from '../../platform/db/schema.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { JobDefinition } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import type { LeadContext } from '../filters/index.ts';
import type { WrittenEvent } from '../lifecycle/lifecycle.service.ts';
import { humanTime, type NewNotification } from '../notifications/index.ts';
import { addBusinessMinutes, businessMinutesBetween } from './hours.ts';

export const STRIDE = 1_000_000;

type RuleRow = Selectable<RoutingRulesTable>;
export type AssignmentRow = Selectable<LeadAssignmentsTable>;

export type PublishedEvent = {
  type: 'lead.assigned' | 'lead.accepted' | 'lead.rejected';
  occurredAt: number;
  data: Record<string, unknown>;
};

type AssignmentJob = JobDefinition<import('typebox').TObject<{ assignmentId: import('typebox').TString }>>;

export type RoutingDeps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue' | 'cancel'>;
  filters: {
    contexts(tx: Tx, leadIds: string[], filters: Filter[]): Promise<Map<string, LeadContext>>;
    matches(filter: Filter, ctx: LeadContext, o?: { now?: number; tx?: Tx }): Promise<boolean>;
  };
  /** Webhook publishing in the caller's transaction. */
  publish?: (tx: Tx, events: PublishedEvent[]) => Promise<unknown>;
  /** In-app notification (and its email) in the caller's transaction: assignments, SLA warnings, escalations. */
  notify?: (tx: Tx, notification: NewNotification) => Promise<unknown>;
  slaJob: () => AssignmentJob;
  slaWarningJob: () => AssignmentJob;
  /** When the SLA warning goes out, in percent of the SLA window (0: no warning). */
  slaWarningPercent?: number;
};

type Member = { userId: string; weight: number; position: number; pass: number; last: number };
type TeamState = {
  id: string;
  name: string;
  managerId: string | null;
  clock: number;
  turns: number;
  members: Member[];
};
type Choice = { ownerId: string | null; why: string; strategy: RoutingStrategy };

export function assignmentView(r: AssignmentRow, names: Map<string, string> = new Map()): Assignment {
  return {
    id: r.id,
    leadId: r.lead_id,
    ownerId: r.owner_id,
    ownerName: r.owner_id ? (names.get(r.owner_id) ?? null) : null,
    teamId: r.team_id,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    strategy: r.strategy,
    reason: r.reason,
    status: r.status as AssignmentStatus,
    assignedAt: iso(Number(r.assigned_at)),
    slaDueAt: r.sla_due_at === null ? null : iso(Number(r.sla_due_at)),
    escalatedAt: r.escalated_at === null ? null : iso(Number(r.escalated_at)),
    closedAt: r.closed_at === null ? null : iso(Number(r.closed_at)),
    responseMs: r.response_ms === null ? null : Number(r.response_ms),
    reasonCode: r.reason_code,
    note: r.note,
    slaWarnedAt: r.sla_warned_at === null ? null : iso(Number(r.sla_warned_at)),
    firstTouchAt: r.first_touch_at === null ? null : iso(Number(r.first_touch_at)),
    firstTouchMinutes: r.first_touch_minutes === null ? null : Number(r.first_touch_minutes),
    firstTouchActivityId: r.first_touch_activity_id,
  };
}

/** The durable jobs that watch an assignment's SLA; idempotency keys make them findable to cancel. */
const slaKey = (assignmentId: string) => `routing.sla:${assignmentId}`;
const warningKey = (assignmentId: string) => `routing.sla_warning:${assignmentId}`;

// Read in every transaction that makes MQLs: compiled once (see prepared.ts), and put in order here
// (a handful of rules): ordering them in SQL set up a sorter each time (85 µs a batch measured,
// 2 µs sorted here).
const activeRuleRows = prepared(0, (tx) =>
  tx.selectFrom('routing_rules').selectAll().where('active', '=', 1),
);

export function createRoutingService(deps: RoutingDeps) {
  const { database, clock } = deps;
  const dialect = database.dialect;

  async function businessHours(tx: Tx = database.db): Promise<BusinessHours> {
    const row = await tx
      .selectFrom('routing_settings')
      .select('value')
      .where('id', '=', 'business_hours')
      .executeTakeFirst();
    return row ? fromJson<BusinessHours>(row.value, defaultBusinessHours) : defaultBusinessHours;
  }

  /** Per-batch view of reps: who is active, available, under capacity; counts move as leads are assigned. */
  function createRoster(tx: Tx, now: number) {
    const users = new Map<string, { active: boolean; name: string; email: string }>();
    const reps = new Map<string, { outUntil: number | null; capacity: number | null }>();
    const open = new Map<string, number>();
    async function load(ids: string[]) {
      const missing = [...new Set(ids)].filter((id) => !users.has(id));
      if (missing.length === 0) return;
      for (const u of await tx
        .selectFrom('users')
        .select(['id', 'active', 'name', 'email'])
        .where('id', 'in', missing)
        .execute())
        users.set(u.id, { active: Number(u.active) === 1, name: u.name, email: u.email });
      for (const r of await tx
        .selectFrom('routing_reps')
        .selectAll()
        .where('user_id', 'in', missing)
        .execute())
        reps.set(r.user_id, {
          outUntil: r.out_until === null ? null : Number(r.out_until),
          capacity: r.capacity === null ? null : Number(r.capacity),
        });
      // Open leads are counted only where they matter: reps with a capacity (load balancing asks itself).
      await loadOpen(missing.filter((id) => reps.get(id)?.capacity != null));
    }
    /** Counts open leads (stages mql…opportunity) of these users, once per batch. */
    async function loadOpen(ids: string[]) {
      const missing = [...new Set(ids)].filter((id) => !open.has(id));
      if (missing.length === 0) return;
      const counts = await tx
        .selectFrom('leads')
        .select(['owner_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('owner_id', 'in', missing)
        .where('lifecycle_stage', 'in', [...openStages])
        .where('merged_into', 'is', null)
        .where('erased_at', 'is', null)
        .groupBy('owner_id')
        .execute();
      for (const id of missing) open.set(id, 0);
      for (const c of counts) if (c.owner_id) open.set(c.owner_id, Number(c.n));
    }
    /** Why this user cannot take a lead now, or null when they can. */
    function blocked(id: string): string | null {
      const u = users.get(id);
      if (!u?.active) return 'inactive';
      const r = reps.get(id);
      if (r?.outUntil && r.outUntil > now) return `out of office until ${iso(r.outUntil)}`;
      if (r?.capacity !== null && r?.capacity !== undefined && (open.get(id) ?? 0) >= r.capacity)
        return `at capacity (${open.get(id)}/${r.capacity} open leads)`;
      return null;
    }
    return {
      load,
      loadOpen,
      blocked,
      open: (id: string) => open.get(id) ?? 0,
      name: (id: string) => users.get(id)?.name ?? id,
      email: (id: string) => users.get(id)?.email ?? null,
      took(id: string, delta = 1) {
        const n = open.get(id);
        if (n !== undefined) open.set(id, n + delta);
      },
    };
  }
  type Roster = ReturnType<typeof createRoster>;

  async function loadTeam(tx: Tx, teamId: string, roster: Roster): Promise<TeamState | null> {
    let q = tx.selectFrom('routing_teams').selectAll().where('id', '=', teamId);
    // Concurrent MQLs on PostgreSQL take turns on the team's cursor.
    if (dialect === 'postgres') q = q.forUpdate();
    const team = await q.executeTakeFirst();
    if (!team) return null;
    const members = (
      await tx
        .selectFrom('routing_team_members')
        .selectAll()
        .where('team_id', '=', teamId)
        .orderBy('position')
        .execute()
    ).map((m) => ({
      userId: m.user_id,
      weight: Number(m.weight),
      position: Number(m.position),
      pass: Number(m.rr_pass),
      last: Number(m.rr_last),
    }));
    await roster.load(members.map((m) => m.userId));
    return {
      id: team.id,
      name: team.name,
      managerId: team.manager_id,
      clock: Number(team.rr_clock),
      turns: Number(team.rr_turns),
      members,
    };
  }

  function eligible(team: TeamState, roster: Roster, exclude: Set<string>) {
    const skipped: string[] = [];
    const ok = team.members.filter((m) => {
      if (exclude.has(m.userId)) return false;
      const why = roster.blocked(m.userId);
      if (why) skipped.push(`${roster.name(m.userId)} ${why}`);
      return !why;
    });
    return { ok, skipped };
  }

  const effective = (team: TeamState, m: Member) => Math.max(m.pass, team.clock);
  const byTurn = (team: TeamState) => (a: Member, b: Member) =>
    effective(team, a) - effective(team, b) ||
    a.last - b.last ||
    a.position - b.position ||
    (a.userId < b.userId ? -1 : 1);

  async function advance(tx: Tx, team: TeamState, m: Member) {
    const at = effective(team, m);
    team.clock = at;
    m.pass = at + Math.floor(STRIDE / Math.max(1, m.weight));
    team.turns += 1;
    m.last = team.turns;
    await tx
      .updateTable('routing_teams')
      .set({ rr_clock: team.clock, rr_turns: team.turns })
      .where('id', '=', team.id)
      .execute();
    await tx
      .updateTable('routing_team_members')
      .set({ rr_pass: m.pass, rr_last: m.last })
      .where('team_id', '=', team.id)
      .where('user_id', '=', m.userId)
      .execute();
  }

  async function pickFromTeam(
    tx: Tx,
    team: TeamState,
    roster: Roster,
    strategy: 'round_robin' | 'load_balanced',
    exclude: Set<string> = new Set(),
  ): Promise<Choice> {
    const { ok, skipped } = eligible(team, roster, exclude);
    const skippedText = skipped.length > 0 ? `; skipped ${skipped.join(', ')}` : '';
    if (ok.length === 0)
      return {
        ownerId: null,
        strategy,
        why: `No rep of ${team.name} can take it now${skippedText}: in the team's unassigned queue`,
      };
    let chosen: Member;
    let why: string;
    if (strategy === 'load_balanced') {
      await roster.loadOpen(ok.map((m) => m.userId));
      const fewest = Math.min(...ok.map((m) => roster.open(m.userId)));
      chosen = ok.filter((m) => roster.open(m.userId) === fewest).sort(byTurn(team))[0]!;
      why = `fewest open leads in ${team.name} (${fewest})${skippedText}`;
    } else {
      chosen = [...ok].sort(byTurn(team))[0]!;
      why = `next in ${team.name}'s round-robin${chosen.weight > 1 ? ` (weight ${chosen.weight})` : ''}${skippedText}`;
    }
    await advance(tx, team, chosen);
    return { ownerId: chosen.userId, strategy, why };
  }

  async function accountOwner(
    tx: Tx,
    lead: Record<string, unknown>,
    roster: Roster,
  ): Promise<{ id: string; via: string } | null> {
    const companyId = lead.company_id as string | null;
    if (!companyId) return null;
    const company = await tx
      .selectFrom('companies')
      .select(['owner_id', 'name', 'domain'])
      .where('id', '=', companyId)
      .executeTakeFirst();
    const label = company?.name ?? company?.domain ?? 'the company';
    const candidates: { id: string; via: string }[] = [];
    if (company?.owner_id) candidates.push({ id: company.owner_id, via: `owner of ${label}` });
    const colleague = await tx
      .selectFrom('leads')
      .select(['owner_id'])
      .where('company_id', '=', companyId)
      .where('id', '!=', lead.id as string)
      .where('owner_id', 'is not', null)
      .where('merged_into', 'is', null)
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (colleague?.owner_id) candidates.push({ id: colleague.owner_id, via: `owns other leads of ${label}` });
    await roster.load(candidates.map((c) => c.id));
    return candidates.find((c) => roster.blocked(c.id) !== 'inactive') ?? null;
  }

  async function decide(
    tx: Tx,
    rule: RuleRow,
    lead: Record<string, unknown>,
    roster: Roster,
    teams: Map<string, TeamState | null>,
  ) {
    const teamOf = async () => {
      if (!rule.team_id) return null;
      if (!teams.has(rule.team_id)) teams.set(rule.team_id, await loadTeam(tx, rule.team_id, roster));
      return teams.get(rule.team_id) ?? null;
    };
    const strategy = rule.strategy as RoutingStrategy;
    const fallback = async (prefix: string): Promise<Choice> => {
      const team = await teamOf();
      if (!team) return { ownerId: null, strategy, why: `${prefix}; no team to fall back to: unassigned` };
      const p = await pickFromTeam(tx, team, roster, 'round_robin');
      return { ...p, strategy, why: `${prefix}; ${p.why}` };
    };
    if (strategy === 'owner') {
      if (rule.owner_id) {
        await roster.load([rule.owner_id]);
        const why = roster.blocked(rule.owner_id);
        if (!why)
          return { ownerId: rule.owner_id, strategy, why: `named owner ${roster.name(rule.owner_id)}` };
        return fallback(`named owner ${roster.name(rule.owner_id)} is ${why}`);
      }
      return fallback('no named owner');
    }
    if (strategy === 'account') {
      const owner = await accountOwner(tx, lead, roster);
      if (owner)
        return { ownerId: owner.id, strategy, why: `account owner: ${roster.name(owner.id)} ${owner.via}` };
      return fallback('the company has no owner yet');
    }
    const team = await teamOf();
    if (!team) return { ownerId: null, strategy, why: 'the rule has no team: unassigned' };
    return pickFromTeam(tx, team, roster, strategy);
  }

  async function touchpoint(
    tx: Tx,
    leadId: string,
    type: string,
    properties: Record<string, unknown>,
    now: number,
    actor?: { id: string | null; label: string },
  ) {
    await tx
      .insertInto('touchpoints')
      .values({
        id: newId('tp', now),
        lead_id: leadId,
        type,
        occurred_at: now,
        source: 'system',
        actor_type: actor?.id ? 'user' : 'system',
        actor_id: actor?.id ?? null,
        actor_label: actor?.label ?? 'routing',
        properties: JSON.stringify(properties),
        created_at: now,
      })
      .execute();
  }

  async function notify(tx: Tx, n: NewNotification) {
    await deps.notify?.(tx, n);
  }

  /** An assignment no longer waits for acceptance: its SLA timer and warning will not be needed. */
  async function cancelTimers(tx: Tx, assignmentIds: string[]) {
    for (const id of assignmentIds) {
      await deps.jobs.cancel(tx, { idempotencyKey: slaKey(id) });
      await deps.jobs.cancel(tx, { idempotencyKey: warningKey(id) });
    }
  }

  const leadName = (l: Record<string, unknown>) =>
    [l.first_name, l.last_name].filter(Boolean).join(' ') || (l.email as string | null) || (l.id as string);

  /** Writes an assignment (and everything that goes with it) for a decided pick. */
  async function assign(
    tx: Tx,
    o: {
      lead: Record<string, unknown>;
      rule: RuleRow | null;
      teamId: string | null;
      pick: Choice;
      roster: Roster;
      now: number;
      reasonPrefix?: string;
      /** Tell the new owner (not when they took it themselves). */
      notifyOwner?: boolean;
    },
  ): Promise<AssignmentRow> {
    const { lead, rule, pick, roster, now } = o;
    const leadId = lead.id as string;
    const hours = rule?.sla_minutes ? await businessHours(tx) : null;
    const due = rule?.sla_minutes && hours ? addBusinessMinutes(now, Number(rule.sla_minutes), hours) : null;
    const reason = `${o.reasonPrefix ?? (rule ? `Rule "${rule.name}"` : 'Routing')}: ${pick.why}`;
    const row: AssignmentRow = {
      id: newId('asg', now),
      lead_id: leadId,
      owner_id: pick.ownerId,
      team_id: o.teamId,
      rule_id: rule?.id ?? null,
      rule_name: rule?.name ?? null,
      strategy: pick.strategy,
      reason: reason.slice(0, 2000),
      status: pick.ownerId ? 'open' : 'queued',
      assigned_at: now,
      sla_due_at: due,
      escalated_at: null,
      closed_at: null,
      closed_by: null,
      response_ms: null,
      reason_code: null,
      note: null,
      sla_warned_at: null,
      first_touch_at: null,
      first_touch_activity_id: null,
      first_touch_minutes: null,
    };
    await tx.insertInto('lead_assignments').values(row).execute();
    if (pick.ownerId) {
      roster.took(pick.ownerId);
      await tx
        .updateTable('leads')
        .set({ owner_id: pick.ownerId, updated_at: now })
        .where('id', '=', leadId)
        .execute();
      if (o.notifyOwner ?? true)
        await notify(tx, {
          userId: pick.ownerId,
          kind: 'lead.assigned',
          leadId,
          title: `New lead: ${leadName(lead)}`,
          body: `${row.reason}${due === null ? '' : `\nAccept it by ${humanTime(due)}.`}`,
        });
    }
    await touchpoint(
      tx,
      leadId,
      'assigned',
      {
        assignmentId: row.id,
        ownerId: pick.ownerId,
        ownerName: pick.ownerId ? roster.name(pick.ownerId) : null,
        teamId: o.teamId,
        ruleId: rule?.id ?? null,
        ruleName: rule?.name ?? null,
        strategy: pick.strategy,
        reason: row.reason,
        slaDueAt: due === null ? null : iso(due),
      },
      now,
    );
    if (due !== null) {
      await deps.jobs.enqueue(
        tx,
        deps.slaJob(),
        { assignmentId: row.id },
        { runAt: due, idempotencyKey: slaKey(row.id) },
      );
      const percent = deps.slaWarningPercent ?? 0;
      const warnMinutes = Math.floor((Number(rule!.sla_minutes) * percent) / 100);
      const warnAt = percent > 0 && hours ? addBusinessMinutes(now, warnMinutes, hours) : null;
      if (warnAt !== null && warnAt < due)
        await deps.jobs.enqueue(
          tx,
          deps.slaWarningJob(),
          { assignmentId: row.id },
          { runAt: warnAt, idempotencyKey: warningKey(row.id) },
        );
    }
    await deps.publish?.(tx, [
      {
        type: 'lead.assigned',
        occurredAt: now,
        data: {
          leadId,
          assignmentId: row.id,
          ownerId: pick.ownerId,
          teamId: o.teamId,
          ruleId: rule?.id ?? null,
          strategy: pick.strategy,
          reason: row.reason,
          slaDueAt: due === null ? null : iso(due),
        },
      },
    ]);
    return row;
  }

  async function activeRules(tx: Tx): Promise<RuleRow[]> {
    const rows = (await activeRuleRows(tx)).rows.sort(
      (a, b) => Number(a.position) - Number(b.position) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    // The default rule is the last resort whatever its position.
    return [...rows.filter((r) => !Number(r.is_default)), ...rows.filter((r) => Number(r.is_default))];
  }

  /** Routes leads that just became MQLs (the lifecycle listener, in the MQL's transaction). */
  async function route(tx: Tx, leadIds: string[]): Promise<AssignmentRow[]> {
    const ids = [...new Set(leadIds)];
    if (ids.length === 0) return [];
    const rules = await activeRules(tx);
    if (rules.length === 0) return [];
    const conditions = new Map<string, Filter>();
    for (const r of rules)
      if (!Number(r.is_default) && r.condition) conditions.set(r.id, JSON.parse(r.condition) as Filter);
    const contexts = await deps.filters.contexts(tx, ids, [...conditions.values()]);
    const now = clock.now();
    const roster = createRoster(tx, now);
    const teams = new Map<string, TeamState | null>();
    const out: AssignmentRow[] = [];
    for (const id of ids) {
      const ctx = contexts.get(id);
      if (!ctx || ctx.lead.merged_into || ctx.lead.erased_at !== null) continue;
      let rule: RuleRow | undefined;
      for (const r of rules) {
        const c = conditions.get(r.id);
        if (Number(r.is_default) || !c || (await deps.filters.matches(c, ctx, { now, tx }))) {
          rule = r;
          break;
        }
      }
      if (!rule) continue;
      // A lead routed again (recycled, then MQL anew) starts a fresh assignment.
      await closeOpen(tx, id, 'closed', now, null);
      const pick = await decide(tx, rule, ctx.lead, roster, teams);
      out.push(await assign(tx, { lead: ctx.lead, rule, teamId: rule.team_id, pick, roster, now }));
    }
    return out;
  }

  async function currentAssignment(tx: Tx, leadId: string): Promise<AssignmentRow | undefined> {
    return tx
      .selectFrom('lead_assignments')
      .selectAll()
      .where('lead_id', '=', leadId)
      .where('status', 'in', ['open', 'queued'])
      .orderBy('assigned_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  async function closeOpen(tx: Tx, leadId: string, status: AssignmentStatus, now: number, by: string | null) {
    const open = await tx
      .selectFrom('lead_assignments')
      .select('id')
      .where('lead_id', '=', leadId)
      .where('status', 'in', ['open', 'queued'])
      .execute();
    if (open.length === 0) return;
    await cancelTimers(
      tx,
      open.map((a) => a.id),
    );
    await tx
      .updateTable('lead_assignments')
      .set({ status, closed_at: now, closed_by: by })
      .where('lead_id', '=', leadId)
      .where('status', 'in', ['open', 'queued'])
      .execute();
  }

  /**
   * Stage changes out of MQL close the open assignment: accepted (forward) or rejected (recycled,
   * disqualified), with the time from assignment to this first touch by sales, and publish
   * `lead.accepted` / `lead.rejected`.
   */
  async function onStageChanged(tx: Tx, events: WrittenEvent[]) {
    for (const e of events) {
      if (e.type !== 'lead.stage_changed' || !e.leadId || e.payload.from !== 'mql') continue;
      const to = e.payload.to as string;
      const rejected = to === 'recycled' || to === 'disqualified';
      const a = await currentAssignment(tx, e.leadId);
      if (!a && e.payload.source !== 'sales') continue;
      const history = e.payload.historyId
        ? await tx
            .selectFrom('lead_stage_history')
            .select(['actor_id', 'actor_label'])
            .where('id', '=', e.payload.historyId as string)
            .executeTakeFirst()
        : undefined;
      const by = history?.actor_id ?? null;
      const now = e.occurredAt;
      const reason = (e.payload.reason as string | null) ?? null;
      const reasonCode = (e.payload.reasonCode as string | null) ?? null;
      if (a) {
        const owner = a.owner_id ?? (!rejected && by && (await isUser(tx, by)) ? by : null);
        await tx
          .updateTable('lead_assignments')
          .set({
            status: rejected ? 'rejected' : 'accepted',
            closed_at: now,
            closed_by: by,
            owner_id: owner,
            response_ms: now - Number(a.assigned_at),
            reason_code: rejected ? reasonCode : null,
            note: rejected ? reason : null,
          })
          .where('id', '=', a.id)
          .execute();
        await cancelTimers(tx, [a.id]);
        if (owner && !a.owner_id)
          await tx
            .updateTable('leads')
            .set({ owner_id: owner, updated_at: now })
            .where('id', '=', e.leadId)
            .execute();
      }
      await deps.publish?.(tx, [
        {
          type: rejected ? 'lead.rejected' : 'lead.accepted',
          occurredAt: now,
          data: {
            leadId: e.leadId,
            assignmentId: a?.id ?? null,
            by,
            to,
            responseMs: a ? now - Number(a.assigned_at) : null,
            ...(rejected ? { reasonCode, reason } : {}),
          },
        },
      ]);
    }
  }

  async function isUser(tx: Tx, id: string) {
    return !!(await tx.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst());
  }

  /** The lifecycle listener: routes new MQLs and closes assignments that sales acted on. */
  async function onEvents(tx: Tx, events: WrittenEvent[]) {
    await onStageChanged(tx, events);
    const mqls = events.filter((e) => e.type === 'lead.mql' && e.leadId).map((e) => e.leadId!);
    if (mqls.length > 0) await route(tx, mqls);
  }

  /**
   * The SLA timer: the assignment is still open when it fires. Escalation notifies the team's
   * manager (in-app and by mail); reassignment hands the lead to the next rep of the team. Nothing
   * happens for an assignment accepted, rejected or replaced meanwhile.
   */
  async function slaExpired(tx: Tx, assignmentId: string): Promise<'ignored' | SlaAction> {
    const a = await tx
      .selectFrom('lead_assignments')
      .selectAll()
      .where('id', '=', assignmentId)
      .executeTakeFirst();
    if (!a || (a.status !== 'open' && a.status !== 'queued') || a.escalated_at !== null) return 'ignored';
    const lead = await tx.selectFrom('leads').selectAll().where('id', '=', a.lead_id).executeTakeFirst();
    const now = clock.now();
    if (lead?.lifecycle_stage !== 'mql' || lead.merged_into || lead.erased_at !== null) {
      await tx
        .updateTable('lead_assignments')
        .set({ status: 'closed', closed_at: now })
        .where('id', '=', a.id)
        .execute();
      await cancelTimers(tx, [a.id]);
      return 'ignored';
    }
    const rule = a.rule_id
      ? await tx.selectFrom('routing_rules').selectAll().where('id', '=', a.rule_id).executeTakeFirst()
      : undefined;
    const action = (rule?.sla_action ?? 'escalate') as SlaAction;
    const roster = createRoster(tx, now);
    const team = a.team_id ? await loadTeam(tx, a.team_id, roster) : null;
    if (a.owner_id) await roster.load([a.owner_id]);
    const holder = a.owner_id ? roster.name(a.owner_id) : `${team?.name ?? 'the'} queue`;
    const minutes = rule?.sla_minutes ?? null;
    const what = `Not accepted within ${minutes ?? 'the agreed'} business minutes by ${holder}`;
    await tx.updateTable('lead_assignments').set({ escalated_at: now }).where('id', '=', a.id).execute();
    const l = lead as unknown as Record<string, unknown>;
    if (action === 'escalate' || action === 'escalate_reassign') {
      const managerId = team?.managerId ?? null;
      if (managerId) {
        await roster.load([managerId]);
        await notify(tx, {
          userId: managerId,
          kind: 'sla.escalated',
          leadId: a.lead_id,
          title: `SLA breached: ${leadName(l)}`,
          body: `${what}.\nAssignment: ${a.reason}`,
        });
      }
      await touchpoint(
        tx,
        a.lead_id,
        'sla_escalated',
        {
          assignmentId: a.id,
          ownerId: a.owner_id,
          managerId,
          managerName: managerId ? roster.name(managerId) : null,
          reason: what,
        },
        now,
      );
    }
    if ((action === 'reassign' || action === 'escalate_reassign') && team) {
      const exclude = new Set(a.owner_id ? [a.owner_id] : []);
      const pick = await pickFromTeam(tx, team, roster, 'round_robin', exclude);
      if (pick.ownerId) {
        await tx
          .updateTable('lead_assignments')
          .set({ status: 'reassigned', closed_at: now })
          .where('id', '=', a.id)
          .execute();
        await cancelTimers(tx, [a.id]);
        if (a.owner_id) roster.took(a.owner_id, -1);
        await assign(tx, {
          lead: l,
          rule: rule ?? null,
          teamId: team.id,
          pick,
          roster,
          now,
          reasonPrefix: `Reassigned (${what})`,
        });
      }
    }
    return action;
  }

  async function assignmentsOf(leadId: string): Promise<Assignment[]> {
    const rows = await database.db
      .selectFrom('lead_assignments')
      .selectAll()
      .where('lead_id', '=', leadId)
      .orderBy('assigned_at')
      .orderBy('id')
      .execute();
    const ids = [...new Set(rows.map((r) => r.owner_id).filter((x): x is string => !!x))];
    const names = new Map(
      ids.length > 0
        ? (await database.db.selectFrom('users').select(['id', 'name']).where('id', 'in', ids).execute()).map(
            (u) => [u.id, u.name],
          )
        : [],
    );
    return rows.map((r) => assignmentView(r, names));
  }

  /**
   * The SLA warning: the assignment still waits for acceptance and its deadline is near. The owner
   * is told (the team's manager when the lead waits in the queue), once, in the job's transaction.
   */
  async function slaWarning(tx: Tx, assignmentId: string): Promise<'warned' | 'ignored'> {
    const a = await tx
      .selectFrom('lead_assignments')
      .selectAll()
      .where('id', '=', assignmentId)
      .executeTakeFirst();
    if (
      !a ||
      (a.status !== 'open' && a.status !== 'queued') ||
      a.escalated_at !== null ||
      a.sla_warned_at !== null ||
      a.sla_due_at === null
    )
      return 'ignored';
    const lead = await tx.selectFrom('leads').selectAll().where('id', '=', a.lead_id).executeTakeFirst();
    if (lead?.lifecycle_stage !== 'mql' || lead.merged_into || lead.erased_at !== null) return 'ignored';
    const now = clock.now();
    const managerId = a.team_id
      ? ((
          await tx
            .selectFrom('routing_teams')
            .select('manager_id')
            .where('id', '=', a.team_id)
            .executeTakeFirst()
        )?.manager_id ?? null)
      : null;
    const to = a.owner_id ?? managerId;
    await tx.updateTable('lead_assignments').set({ sla_warned_at: now }).where('id', '=', a.id).execute();
    if (!to) return 'ignored';
    const due = Number(a.sla_due_at);
    const l = lead as unknown as Record<string, unknown>;
    const act = a.owner_id ? 'Accept or reject' : 'Someone of the team must claim';
    await notify(tx, {
      userId: to,
      kind: 'sla.warning',
      leadId: a.lead_id,
      title: `SLA ends soon: ${leadName(l)}`,
      // A warning that comes late (the worker was down) says so rather than count down.
      body:
        due > now
          ? `${act} ${leadName(l)} by ${humanTime(due)} (${Math.round((due - now) / 60_000)} minutes from now).`
          : `The SLA for ${leadName(l)} ended at ${humanTime(due)}. ${act} it now.`,
    });
    return 'warned';
  }

  /**
   * Records, on each of a lead's assignments, the first touch by sales: the earliest of the given
   * touches (sales activities) at or after the assignment and before the lead's next assignment,
   * with the business minutes it took. Recomputed from all touches, so edits and deletions count.
   */
  async function recordFirstTouches(tx: Tx, leadId: string, touches: { at: number; activityId: string }[]) {
    const rows = await tx
      .selectFrom('lead_assignments')
      .selectAll()
      .where('lead_id', '=', leadId)
      .orderBy('assigned_at')
      .orderBy('id')
      .execute();
    if (rows.length === 0) return;
    const sorted = [...touches].sort((x, y) => x.at - y.at || (x.activityId < y.activityId ? -1 : 1));
    let hours: BusinessHours | undefined;
    for (const [i, a] of rows.entries()) {
      const from = Number(a.assigned_at);
      const until = rows[i + 1] ? Number(rows[i + 1]!.assigned_at) : Number.POSITIVE_INFINITY;
      const first = sorted.find((t) => t.at >= from && t.at < until) ?? null;
      const at = first?.at ?? null;
      if (
        (a.first_touch_at === null ? null : Number(a.first_touch_at)) === at &&
        a.first_touch_activity_id === (first?.activityId ?? null)
      )
        continue;
      hours ??= await businessHours(tx);
      await tx
        .updateTable('lead_assignments')
        .set({
          first_touch_at: at,
          first_touch_activity_id: first?.activityId ?? null,
          first_touch_minutes: at === null ? null : businessMinutesBetween(from, at, hours),
        })
        .where('id', '=', a.id)
        .execute();
    }
  }

  /** The latest assignment of each lead (for work lists). */
  async function latestAssignments(tx: Tx, leadIds: string[]): Promise<Map<string, Assignment>> {
    const out = new Map<string, Assignment>();
    if (leadIds.length === 0) return out;
    const rows = await tx
      .selectFrom('lead_assignments')
      .selectAll()
      .where('lead_id', 'in', leadIds)
      .orderBy('assigned_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    for (const r of rows) if (!out.has(r.lead_id)) out.set(r.lead_id, assignmentView(r));
    return out;
  }

  /** A rep takes a lead from their team's queue. */
  async function claim(tx: Tx, a: AssignmentRow, userId: string) {
    const now = clock.now();
    const lead = await tx
      .selectFrom('leads')
      .selectAll()
      .where('id', '=', a.lead_id)
      .executeTakeFirstOrThrow();
    const roster = createRoster(tx, now);
    await roster.load([userId]);
    await tx
      .updateTable('lead_assignments')
      .set({ status: 'reassigned', closed_at: now, closed_by: userId })
      .where('id', '=', a.id)
      .execute();
    await cancelTimers(tx, [a.id]);
    const rule = a.rule_id
      ? ((await tx.selectFrom('routing_rules').selectAll().where('id', '=', a.rule_id).executeTakeFirst()) ??
        null)
      : null;
    return assign(tx, {
      lead: lead as unknown as Record<string, unknown>,
      rule,
      teamId: a.team_id,
      pick: {
        ownerId: userId,
        strategy: a.strategy as RoutingStrategy,
        why: `claimed from the queue by ${roster.name(userId)}`,
      },
      roster,
      now,
      reasonPrefix: 'Claimed',
      notifyOwner: false,
    });
  }

  return {
    onEvents,
    route,
    slaExpired,
    currentAssignment,
    assignmentsOf,
    slaWarning,
    recordFirstTouches,
    latestAssignments,
    claim,
    businessHours,
    touchpoint,
  };
}

export type RoutingService = ReturnType<typeof createRoutingService>;
