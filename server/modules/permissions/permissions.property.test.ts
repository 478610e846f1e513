/**
 * Property: for random teams (members, managers), random leads (owned by anyone or nobody, queued
 * in a team or not, with closed assignments besides) and any rep or manager, the two paths of the
 * rule agree on every dialect: both SQL conditions (`leadsScopeCondition` on the leads table, what
 * lists, counts and exports add; `scopeCondition` on a lead id column, what other tables use)
 * select exactly the leads the one-lead check (`factsOf` + `decide`, what every `/leads/:id` route
 * asks) lets the caller see, and all three agree with the rule stated here in plain terms.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase, testDialects } from '../../test-support/db.ts';
import { createPermissionsRepo, leadsScopeCondition, scopeCondition } from './permissions.repo.ts';
import { decide, scopeOf } from './permissions.rules.ts';

const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
const teamIds = ['t0', 't1', 't2'];

const world = fc.record({
  teams: fc.tuple(
    ...teamIds.map(() =>
      fc.record({
        manager: fc.option(fc.constantFrom(...users), { nil: null }),
        members: fc.subarray(users),
      }),
    ),
  ),
  leads: fc.array(
    fc.record({
      owner: fc.option(fc.constantFrom(...users), { nil: null }),
      queue: fc.option(fc.constantFrom(...teamIds), { nil: null }),
      closedIn: fc.option(fc.constantFrom(...teamIds), { nil: null }),
    }),
    { maxLength: 25 },
  ),
  viewer: fc.record({
    role: fc.constantFrom('sales_rep' as const, 'sales_manager' as const),
    user: fc.constantFrom(...users),
  }),
});
type World = typeof world extends fc.Arbitrary<infer W> ? W : never;

/** The rule in plain terms, straight from the data. */
function expected(w: World): Set<number> {
  const { role, user } = w.viewer;
  const managed = teamIds.filter((_, k) => w.teams[k]!.manager === user);
  const memberOf = teamIds.filter((_, k) => w.teams[k]!.members.includes(user));
  const owners = new Set([user]);
  if (role === 'sales_manager')
    for (const t of managed) for (const m of w.teams[teamIds.indexOf(t)]!.members) owners.add(m);
  const queues = new Set(role === 'sales_manager' ? [...managed, ...memberOf] : memberOf);
  const out = new Set<number>();
  w.leads.forEach((l, i) => {
    if ((l.owner !== null && owners.has(l.owner)) || (l.queue !== null && queues.has(l.queue))) out.add(i);
  });
  return out;
}

for (const dialect of testDialects) {
  describe(`permissions: the SQL scope and the one-lead check agree (${dialect})`, () => {
    let tdb: TestDatabase & { cleanup(): Promise<void> };
    const repo = createPermissionsRepo();
    before(async () => {
      tdb = await createTestDatabase(dialect);
    });
    after(async () => tdb.cleanup());

    it('selects exactly the leads the caller may see, for any teams and leads', async () => {
      const db = tdb.db;
      const now = Date.UTC(2026, 10, 22);
      await fc.assert(
        fc.asyncProperty(world, async (w) => {
          await db.deleteFrom('lead_assignments').execute();
          await db.deleteFrom('touchpoints').execute();
          await db.deleteFrom('leads').execute();
          await db.deleteFrom('routing_team_members').execute();
          await db.deleteFrom('routing_teams').execute();
          for (const [k, team] of w.teams.entries()) {
            await db
              .insertInto('routing_teams')
              .values({
                id: teamIds[k]!,
                name: teamIds[k]!,
                manager_id: team.manager,
                rr_clock: 0,
                rr_turns: 0,
                created_at: now,
                updated_at: now,
              })
              .execute();
            for (const [p, user] of team.members.entries())
              await db
                .insertInto('routing_team_members')
                .values({
                  team_id: teamIds[k]!,
                  user_id: user,
                  weight: 1,
                  position: p,
                  rr_pass: 0,
                  rr_last: 0,
                })
                .execute();
          }
          for (const [i, l] of w.leads.entries()) {
            const id = `lead_${i}`;
            await db
              .insertInto('leads')
              .values({
                id,
                email: `p${i}@example.test`,
                lifecycle_stage: 'lead',
                owner_id: l.owner,
                custom_fields: '{}',
                consent: '{}',
                field_times: '{}',
                search_text: '',
                source: 'api',
                created_at: now + i,
                updated_at: now + i,
              })
              .execute();
            await db
              .insertInto('touchpoints')
              .values({
                id: `tp_${i}`,
                lead_id: id,
                type: 'note',
                occurred_at: now,
                source: 'api',
                actor_type: null,
                actor_id: null,
                actor_label: null,
                properties: '{}',
                created_at: now,
              })
              .execute();
            const assignment = (status: string, team: string) => ({
              id: `asg_${status}_${i}`,
              lead_id: id,
              owner_id: null,
              team_id: team,
              strategy: 'round_robin',
              reason: 'test',
              status,
              assigned_at: now,
            });
            if (l.queue)
              await db.insertInto('lead_assignments').values(assignment('queued', l.queue)).execute();
            // A closed assignment in a team's name gives no sight of the lead.
            if (l.closedIn)
              await db.insertInto('lead_assignments').values(assignment('closed', l.closedIn)).execute();
          }
          const { role, user } = w.viewer;
          const scope = scopeOf(role, user, await repo.teamsOf(db, user));
          const onLeads = leadsScopeCondition(scope, dialect)!;
          const listed = await db.selectFrom('leads').select('id').where(onLeads).execute();
          const bySql = new Set(listed.map((r) => Number(r.id.slice(5))));
          // The same leads through a lead id column of another table (here: their touchpoints).
          const viaColumn = await db
            .selectFrom('touchpoints')
            .select('lead_id')
            .where(scopeCondition(scope, 'touchpoints.lead_id')!)
            .execute();
          const byColumn = new Set(viaColumn.map((r) => Number(r.lead_id.slice(5))));
          const facts = await repo.factsOf(
            db,
            w.leads.map((_, i) => `lead_${i}`),
          );
          const byCheck = new Set(
            w.leads.flatMap((_, i) =>
              decide({ role, userId: user, scope }, facts.get(`lead_${i}`), 'see').ok ? [i] : [],
            ),
          );
          const want = expected(w);
          assert.deepEqual(bySql, want, 'SQL scope on leads');
          assert.deepEqual(byColumn, want, 'SQL scope on a lead id column');
          assert.deepEqual(byCheck, want, 'one-lead check');
          // Counting through the same condition agrees with listing (no duplicates from the union).
          const counted = await db
            .selectFrom('leads')
            .select(sql<number>`count(*)`.as('n'))
            .where(onLeads)
            .executeTakeFirstOrThrow();
          assert.equal(Number(counted.n), want.size);
        }),
        { numRuns: dialect === 'postgres' ? 40 : 80 },
      );
    });
  });
}
