import { touchTypes } from '../../../contracts/activities.ts';
import type { Tx } from '../../platform/db/db.ts';
import type { ActivitiesTable } from '../../platform/db/schema.ts';

export function createActivitiesRepo() {
  async function insert(tx: Tx, row: ActivitiesTable): Promise<void> {
    await tx.insertInto('activities').values(row).execute();
  }

  async function get(tx: Tx, id: string) {
    return tx.selectFrom('activities').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function update(tx: Tx, id: string, patch: Partial<ActivitiesTable>): Promise<void> {
    await tx.updateTable('activities').set(patch).where('id', '=', id).execute();
  }

  async function remove(tx: Tx, id: string): Promise<void> {
    await tx.deleteFrom('activities').where('id', '=', id).execute();
  }

  /** A lead's activities, latest first, after the cursor position when given. */
  async function listByLead(tx: Tx, leadId: string, limit: number, before?: { at: number; id: string }) {
    let q = tx
      .selectFrom('activities')
      .selectAll()
      .where('lead_id', '=', leadId)
      .orderBy('occurred_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit);
    if (before)
      q = q.where((eb) =>
        eb.or([
          eb('occurred_at', '<', before.at),
          eb.and([eb('occurred_at', '=', before.at), eb('id', '<', before.id)]),
        ]),
      );
    return q.execute();
  }

  /** Calls, emails, meetings and demos logged by sales on a lead: the candidates for first touch. */
  async function salesTouches(tx: Tx, leadId: string) {
    return tx
      .selectFrom('activities')
      .select(['id', 'occurred_at'])
      .where('lead_id', '=', leadId)
      .where('by_sales', '=', 1)
      .where('type', 'in', [...touchTypes])
      .execute();
  }

  /** The latest activity of each lead. */
  async function latestOf(tx: Tx, leadIds: string[]) {
    if (leadIds.length === 0) return [];
    return tx
      .selectFrom('activities as a')
      .select(['a.id', 'a.lead_id', 'a.type', 'a.outcome', 'a.occurred_at'])
      .where('a.lead_id', 'in', leadIds)
      .where((eb) =>
        eb(
          'a.occurred_at',
          '=',
          eb
            .selectFrom('activities as b')
            .select((b) => b.fn.max('b.occurred_at').as('m'))
            .whereRef('b.lead_id', '=', 'a.lead_id'),
        ),
      )
      .orderBy('a.id', 'desc')
      .execute();
  }

  async function lead(tx: Tx, id: string) {
    return tx
      .selectFrom('leads')
      .select(['id', 'merged_into', 'erased_at'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Leads a user owns, most recently changed first, after the cursor position when given. */
  async function ownedLeads(
    tx: Tx,
    f: {
      ownerId: string;
      stages?: readonly string[];
      q?: string;
      limit: number;
      before?: { at: number; id: string };
    },
  ) {
    let q = tx
      .selectFrom('leads')
      .select([
        'id',
        'first_name',
        'last_name',
        'email',
        'company_name',
        'lifecycle_stage',
        'score_total',
        'fit_grade',
        'updated_at',
      ])
      .where('owner_id', '=', f.ownerId)
      .where('merged_into', 'is', null)
      .where('erased_at', 'is', null)
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(f.limit);
    if (f.stages) q = q.where('lifecycle_stage', 'in', [...f.stages]);
    for (const w of (f.q ?? '').toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5))
      q = q.where('search_text', 'like', `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const before = f.before;
    if (before)
      q = q.where((eb) =>
        eb.or([
          eb('updated_at', '<', before.at),
          eb.and([eb('updated_at', '=', before.at), eb('id', '<', before.id)]),
        ]),
      );
    return q.execute();
  }

  return { insert, get, update, remove, listByLead, salesTouches, latestOf, lead, ownedLeads };
}

export type ActivitiesRepo = ReturnType<typeof createActivitiesRepo>;
