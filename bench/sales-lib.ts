/** The sales side the handoff and routing benchmarks share. */
import type { Runtime } from '../server/runtime.ts';

const actor = { type: 'system', label: 'bench' } as const;

/**
 * A `lead.mql` + `lead.assigned` webhook subscription (its deliveries are written, never sent:
 * the benchmarks run no job worker) and seven reps; with `route`, a team of them behind one
 * default round-robin rule with a 30-minute SLA that escalates and reassigns. Returns the reps' ids.
 */
export async function salesTeam(runtime: Runtime, o: { route: boolean }): Promise<string[]> {
  await runtime.api.webhooks.create(
    { url: 'https://hooks.example.com/in', events: ['lead.mql', 'lead.assigned'] },
    { actor, admin: true },
  );
  const reps: string[] = [];
  for (let i = 0; i < 7; i++)
    reps.push(
      (
        await runtime.api.auth.createUser(
          actor,
          {
            email: `rep${i}@bench.example`,
            name: `Rep ${i}`,
            role: 'sales_rep',
            password: 'bench password here',
          },
          { ip: null, userAgent: null },
        )
      ).id,
    );
  if (!o.route) return reps;
  const team = await runtime.api.routing.settings.createTeam(
    { name: 'Inbound', members: reps.map((userId) => ({ userId })) },
    actor,
  );
  await runtime.api.routing.settings.replaceRules(
    [
      {
        name: 'All',
        isDefault: true,
        teamId: team.id,
        strategy: 'round_robin',
        slaMinutes: 30,
        slaAction: 'escalate_reassign',
      },
    ],
    actor,
  );
  return reps;
}
