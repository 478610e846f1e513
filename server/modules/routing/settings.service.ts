/**
 * Routing settings: teams and their members, the ordered rules, reps' availability and capacity,
 * and business hours. Every write is checked whole before anything is written.
 */
import type { Filter } from '../../../contracts/filters.ts';
import {
  type BusinessHours,
  openStages,
  type Rep,
  type RepPatch,
  type RoutingStrategy,
  type Rule,
  type RuleInput,
  type SlaAction,
  type Team,
  type TeamInput,
  weekdays,
} from '../../../contracts/routing.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { AppError, type ErrorDetail } from '../../platform/errors.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { Actor, AuditService } from '../audit/index.ts';
import { isTimeZone } from './hours.ts';
import type { RoutingService } from './routing.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  audit: Pick<AuditService, 'record'>;
  validateFilter: (raw: unknown, root: string, tx?: Tx) => Promise<Filter>;
  routing: Pick<RoutingService, 'businessHours'>;
};

const salesRoles = ['sales_rep', 'sales_manager', 'admin'];

export function createSettingsService({ database, clock, audit, validateFilter, routing }: Deps) {
  const db = database.db;

  async function checkUsers(tx: Tx, refs: { field: string; id: string }[]) {
    if (refs.length === 0) return;
    const found = new Set(
      (
        await tx
          .selectFrom('users')
          .select('id')
          .where('id', 'in', [...new Set(refs.map((r) => r.id))])
          .where('active', '=', 1)
          .execute()
      ).map((u) => u.id),
    );
    const bad: ErrorDetail[] = refs
      .filter((r) => !found.has(r.id))
      .map((r) => ({ field: r.field, rule: 'active_user', message: `${r.id} is not an active user` }));
    if (bad.length > 0)
      throw new AppError('ROUTING_USER_UNKNOWN', bad.map((b) => b.message).join('; '), { details: bad });
  }

  async function listTeams(tx: Tx = db): Promise<Team[]> {
    const teams = await tx.selectFrom('routing_teams').selectAll().orderBy('name').execute();
    const members = await tx
      .selectFrom('routing_team_members')
      .innerJoin('users', 'users.id', 'routing_team_members.user_id')
      .select(['team_id', 'user_id', 'weight', 'position', 'users.name'])
      .orderBy('position')
      .execute();
    const managers = await tx
      .selectFrom('users')
      .select(['id', 'name'])
      .where('id', 'in', [...teams.map((t) => t.manager_id ?? ''), ''])
      .execute();
    const names = new Map(managers.map((m) => [m.id, m.name]));
    const byTeam = Map.groupBy(members, (m) => m.team_id);
    return teams.map((t) => ({
      id: t.id,
      name: t.name,
      managerId: t.manager_id,
      managerName: t.manager_id ? (names.get(t.manager_id) ?? null) : null,
      members: (byTeam.get(t.id) ?? []).map((m) => ({
        userId: m.user_id,
        name: m.name,
        weight: Number(m.weight),
      })),
      createdAt: iso(Number(t.created_at)),
      updatedAt: iso(Number(t.updated_at)),
    }));
  }

  async function getTeam(id: string, tx: Tx = db): Promise<Team> {
    const t = (await listTeams(tx)).find((x) => x.id === id);
    if (!t) throw new AppError('ROUTING_TEAM_NOT_FOUND', `No team ${id}`);
    return t;
  }

  async function checkTeam(tx: Tx, input: TeamInput) {
    const dupes = input.members.filter((m, i) => input.members.findIndex((x) => x.userId === m.userId) !== i);
    if (dupes.length > 0)
      throw new AppError('ROUTING_RULE_INVALID', `A member is listed twice: ${dupes[0]!.userId}`, {
        details: [{ field: 'members', rule: 'unique', message: `${dupes[0]!.userId} twice` }],
      });
    await checkUsers(tx, [
      ...(input.managerId ? [{ field: 'managerId', id: input.managerId }] : []),
      ...input.members.map((m, i) => ({ field: `members.${i}.userId`, id: m.userId })),
    ]);
  }

  /** Replaces the members: those who stay keep their round-robin pass; new ones join at the team's clock. */
  async function writeMembers(tx: Tx, teamId: string, members: TeamInput['members']) {
    const old = new Map(
      (await tx.selectFrom('routing_team_members').selectAll().where('team_id', '=', teamId).execute()).map(
        (m) => [m.user_id, m],
      ),
    );
    await tx.deleteFrom('routing_team_members').where('team_id', '=', teamId).execute();
    if (members.length > 0)
      await tx
        .insertInto('routing_team_members')
        .values(
          members.map((m, i) => ({
            team_id: teamId,
            user_id: m.userId,
            weight: m.weight ?? 1,
            position: i,
            rr_pass: Number(old.get(m.userId)?.rr_pass ?? 0),
            rr_last: Number(old.get(m.userId)?.rr_last ?? 0),
          })),
        )
        .execute();
  }

  async function createTeam(input: TeamInput, actor: Actor): Promise<Team> {
    return db.transaction().execute(async (tx) => {
      await checkTeam(tx, input);
      const now = clock.now();
      const id = newId('team', now);
      await tx
        .insertInto('routing_teams')
        .values({
          id,
          name: input.name.trim(),
          manager_id: input.managerId ?? null,
          rr_clock: 0,
          rr_turns: 0,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await writeMembers(tx, id, input.members);
      await audit.record(tx, {
        actor,
        action: 'routing.team.create',
        target: { type: 'routing_team', id },
        details: { name: input.name },
      });
      return getTeam(id, tx);
    });
  }

  async function updateTeam(id: string, input: TeamInput, actor: Actor): Promise<Team> {
    return db.transaction().execute(async (tx) => {
      await getTeam(id, tx);
      await checkTeam(tx, input);
      const now = clock.now();
      await tx
        .updateTable('routing_teams')
        .set({ name: input.name.trim(), manager_id: input.managerId ?? null, updated_at: now })
        .where('id', '=', id)
        .execute();
      await writeMembers(tx, id, input.members);
      await audit.record(tx, {
        actor,
        action: 'routing.team.update',
        target: { type: 'routing_team', id },
        details: { members: input.members.length },
      });
      return getTeam(id, tx);
    });
  }

  function ruleView(r: Awaited<ReturnType<typeof ruleRows>>[number]): Rule {
    return {
      id: r.id,
      position: Number(r.position),
      name: r.name,
      condition: r.condition ? JSON.parse(r.condition) : null,
      isDefault: Number(r.is_default) === 1,
      active: Number(r.active) === 1,
      teamId: r.team_id,
      strategy: r.strategy as RoutingStrategy,
      ownerId: r.owner_id,
      slaMinutes: r.sla_minutes === null ? null : Number(r.sla_minutes),
      slaAction: r.sla_action as SlaAction,
    };
  }
  const ruleRows = (tx: Tx) => tx.selectFrom('routing_rules').selectAll().orderBy('position').execute();

  async function listRules(tx: Tx = db): Promise<Rule[]> {
    return (await ruleRows(tx)).map(ruleView);
  }

  /** Replaces the ordered rule list (ids given keep their identity: assignments refer to them). */
  async function replaceRules(inputs: RuleInput[], actor: Actor): Promise<Rule[]> {
    return db.transaction().execute(async (tx) => {
      const teams = new Set((await tx.selectFrom('routing_teams').select('id').execute()).map((t) => t.id));
      const problems: ErrorDetail[] = [];
      const conditions: (string | null)[] = [];
      const defaults = inputs.filter((r) => r.isDefault);
      if (defaults.length > 1)
        problems.push({ field: 'rules', rule: 'one_default', message: 'only one default rule' });
      for (const [i, r] of inputs.entries()) {
        const at = `rules.${i}`;
        if (r.isDefault && r.condition)
          problems.push({
            field: `${at}.condition`,
            rule: 'default',
            message: 'the default rule has no condition',
          });
        if (!r.isDefault && !r.condition)
          problems.push({
            field: `${at}.condition`,
            rule: 'required',
            message: 'a rule other than the default needs a condition',
          });
        if (r.teamId && !teams.has(r.teamId))
          problems.push({ field: `${at}.teamId`, rule: 'exists', message: `no team ${r.teamId}` });
        const needsTeam = r.strategy === 'round_robin' || r.strategy === 'load_balanced';
        if (needsTeam && !r.teamId)
          problems.push({ field: `${at}.teamId`, rule: 'required', message: `${r.strategy} needs a team` });
        if (r.strategy === 'owner' && !r.ownerId)
          problems.push({
            field: `${at}.ownerId`,
            rule: 'required',
            message: 'a named-owner rule needs an owner',
          });
        conditions.push(
          r.condition && !r.isDefault
            ? JSON.stringify(await validateFilter(r.condition, `${at}.condition`, tx))
            : null,
        );
      }
      if (problems.length > 0)
        throw new AppError(
          'ROUTING_RULE_INVALID',
          problems.map((p) => `${p.field}: ${p.message}`).join('; '),
          { details: problems },
        );
      await checkUsers(
        tx,
        inputs.flatMap((r, i) => (r.ownerId ? [{ field: `rules.${i}.ownerId`, id: r.ownerId }] : [])),
      );
      const now = clock.now();
      const existing = new Map((await ruleRows(tx)).map((r) => [r.id, r]));
      await tx.deleteFrom('routing_rules').execute();
      // The default rule goes last whatever its place in the list.
      const ordered = [...inputs.map((r, i) => ({ r, c: conditions[i]! }))].sort(
        (a, b) => Number(!!a.r.isDefault) - Number(!!b.r.isDefault),
      );
      if (ordered.length > 0)
        await tx
          .insertInto('routing_rules')
          .values(
            ordered.map(({ r, c }, position) => ({
              id: r.id && existing.has(r.id) ? r.id : newId('rule', now),
              position,
              name: r.name.trim(),
              condition: c,
              is_default: r.isDefault ? 1 : 0,
              active: r.active === false ? 0 : 1,
              team_id: r.teamId ?? null,
              strategy: r.strategy,
              owner_id: r.ownerId ?? null,
              sla_minutes: r.slaMinutes ?? null,
              sla_action: r.slaAction ?? 'escalate',
              created_at: (r.id && existing.get(r.id)?.created_at) || now,
              updated_at: now,
            })),
          )
          .execute();
      await audit.record(tx, {
        actor,
        action: 'routing.rules.replace',
        target: { type: 'routing_rules', id: 'all' },
        details: { count: inputs.length },
      });
      return listRules(tx);
    });
  }

  async function listReps(tx: Tx = db): Promise<Rep[]> {
    const now = clock.now();
    const users = await tx
      .selectFrom('users')
      .select(['id', 'name', 'email', 'role'])
      .where('active', '=', 1)
      .where('role', 'in', salesRoles)
      .orderBy('name')
      .execute();
    const ids = users.map((u) => u.id);
    if (ids.length === 0) return [];
    const reps = new Map(
      (await tx.selectFrom('routing_reps').selectAll().where('user_id', 'in', ids).execute()).map((r) => [
        r.user_id,
        r,
      ]),
    );
    const counts = new Map(
      (
        await tx
          .selectFrom('leads')
          .select(['owner_id', (eb) => eb.fn.countAll<number>().as('n')])
          .where('owner_id', 'in', ids)
          .where('lifecycle_stage', 'in', [...openStages])
          .where('merged_into', 'is', null)
          .where('erased_at', 'is', null)
          .groupBy('owner_id')
          .execute()
      ).map((c) => [c.owner_id!, Number(c.n)]),
    );
    const teams = await tx
      .selectFrom('routing_team_members')
      .innerJoin('routing_teams', 'routing_teams.id', 'routing_team_members.team_id')
      .select(['user_id', 'routing_teams.name'])
      .where('user_id', 'in', ids)
      .execute();
    const teamsOf = Map.groupBy(teams, (t) => t.user_id);
    return users.map((u) => {
      const r = reps.get(u.id);
      const outUntil = r?.out_until == null ? null : Number(r.out_until);
      const capacity = r?.capacity == null ? null : Number(r.capacity);
      const open = counts.get(u.id) ?? 0;
      return {
        userId: u.id,
        name: u.name,
        email: u.email,
        role: u.role,
        outUntil: outUntil && outUntil > now ? iso(outUntil) : null,
        capacity,
        openLeads: open,
        available: !(outUntil && outUntil > now) && (capacity === null || open < capacity),
        teams: (teamsOf.get(u.id) ?? []).map((t) => t.name),
      };
    });
  }

  /** Availability (the rep themself or a manager) and capacity (managers only: checked by the route). */
  async function patchRep(userId: string, patch: RepPatch, actor: Actor): Promise<Rep> {
    return db.transaction().execute(async (tx) => {
      await checkUsers(tx, [{ field: 'userId', id: userId }]);
      const now = clock.now();
      const current = await tx
        .selectFrom('routing_reps')
        .selectAll()
        .where('user_id', '=', userId)
        .executeTakeFirst();
      const row = {
        user_id: userId,
        out_until:
          patch.outUntil !== undefined
            ? patch.outUntil
              ? Date.parse(patch.outUntil)
              : null
            : (current?.out_until ?? null),
        capacity: patch.capacity !== undefined ? patch.capacity : (current?.capacity ?? null),
        updated_at: now,
      };
      if (current) await tx.updateTable('routing_reps').set(row).where('user_id', '=', userId).execute();
      else await tx.insertInto('routing_reps').values(row).execute();
      await audit.record(tx, {
        actor,
        action: 'routing.rep.update',
        target: { type: 'user', id: userId },
        details: { ...patch },
      });
      const rep = (await listReps(tx)).find((r) => r.userId === userId);
      if (!rep)
        throw new AppError('ROUTING_USER_UNKNOWN', `${userId} is not a sales user`, {
          details: [{ field: 'userId', rule: 'sales_role', message: 'not a sales user' }],
        });
      return rep;
    });
  }

  async function setHours(hours: BusinessHours, actor: Actor): Promise<BusinessHours> {
    if (!isTimeZone(hours.timeZone))
      throw new AppError('ROUTING_TIMEZONE_UNKNOWN', `Unknown time zone ${hours.timeZone}`, {
        details: [{ field: 'timeZone', rule: 'iana', message: 'not a known time zone' }],
      });
    const bad = weekdays.filter((d) => {
      const w = hours.days[d];
      return w && w.end <= w.start;
    });
    if (bad.length > 0)
      throw new AppError(
        'ROUTING_HOURS_INVALID',
        `Business hours end before they start on ${bad.join(', ')}`,
        {
          details: bad.map((d) => ({
            field: `days.${d}`,
            rule: 'order',
            message: 'end must be after start',
          })),
        },
      );
    return db.transaction().execute(async (tx) => {
      const now = clock.now();
      const value = JSON.stringify(hours);
      const exists = await tx
        .selectFrom('routing_settings')
        .select('id')
        .where('id', '=', 'business_hours')
        .executeTakeFirst();
      if (exists)
        await tx
          .updateTable('routing_settings')
          .set({ value, updated_at: now })
          .where('id', '=', 'business_hours')
          .execute();
      else
        await tx
          .insertInto('routing_settings')
          .values({ id: 'business_hours', value, updated_at: now })
          .execute();
      await audit.record(tx, {
        actor,
        action: 'routing.hours.update',
        target: { type: 'routing_settings', id: 'business_hours' },
        details: { timeZone: hours.timeZone },
      });
      return routing.businessHours(tx);
    });
  }

  return {
    listTeams,
    getTeam,
    createTeam,
    updateTeam,
    listRules,
    replaceRules,
    listReps,
    patchRep,
    setHours,
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
