/**
 * Helpers for other modules' rows about a lead (see LeadDataListener in leads.service.ts).
 */

import type { Selectable } from 'kysely';
import type { Tx } from '../../platform/db/db.ts';
import type { DB } from '../../platform/db/schema.ts';
import type { LeadDataListener } from './leads.service.ts';

/** The tables with a `lead_id` column. */
export type LeadKeyedTable = { [T in keyof DB]: 'lead_id' extends keyof DB[T] ? T : never }[keyof DB];

/**
 * A listener for rows that are facts about the lead itself (scores, memberships, predictions…):
 * they stay where they are through merges (the merged lead keeps its own), and go when the lead is
 * deleted. Erasure leaves them: they name no one.
 */
export function deletedWithLead(name: string, tables: readonly LeadKeyedTable[]): LeadDataListener {
  return {
    name,
    merged: async () => null,
    unmerged: async () => {},
    erased: async () => {},
    async deleted(tx: Tx, leadIds: string[]) {
      for (let i = 0; i < leadIds.length; i += 500)
        // Every table named has a lead_id column (LeadKeyedTable); Kysely cannot follow a union here.
        for (const table of tables)
          await tx
            .deleteFrom(table as 'touchpoints')
            .where('lead_id', 'in', leadIds.slice(i, i + 500))
            .execute();
    },
  };
}

/**
 * A lead-keyed table's rows about these leads, in the order of one of its columns: what a
 * subject-access export (LeadDataListener.exported) lists.
 */
export async function rowsOfLeads<T extends LeadKeyedTable>(
  tx: Tx,
  table: T,
  leadIds: string[],
  orderBy: keyof DB[T] & string,
): Promise<Selectable<DB[T]>[]> {
  // As in deletedWithLead: the table has a lead_id column and `orderBy`; Kysely cannot follow T.
  const rows = await tx
    .selectFrom(table as 'touchpoints')
    .selectAll()
    .where('lead_id', 'in', leadIds)
    .orderBy(orderBy as 'occurred_at')
    .execute();
  return rows as unknown as Selectable<DB[T]>[];
}

/** The ids a listener's `merged` returned, as its `unmerged` gets them back (none for older merges). */
export function movedIds(moved: unknown): string[] {
  return Array.isArray(moved) ? moved.filter((x): x is string => typeof x === 'string') : [];
}
