/**
 * Helpers for other modules' rows about a lead (see LeadDataListener in leads.service.ts).
 */

import { type Selectable, sql } from 'kysely';
import type { Tx } from '../../platform/db/db.ts';
import { prepared } from '../../platform/db/prepared.ts';
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

/**
 * Leads' touchpoints of some types (what scoring and in-memory filters read). The type is compared
 * as an expression, so no index on it can be picked: without statistics (a young SQLite database,
 * before its first ANALYZE) SQLite's planner took the type index for a list of several leads and
 * walked every touchpoint of those types (measured: 4.5 ms at 86,000 touchpoints, growing with the
 * table, and 12 % of a form submission's CPU), where the lead index finds a few rows.
 */
export async function touchpointsOfTypes(
  tx: Tx,
  leadIds: string[],
  types: ReadonlySet<string>,
): Promise<Pick<Selectable<DB['touchpoints']>, 'lead_id' | 'type' | 'occurred_at' | 'properties'>[]> {
  if (leadIds.length === 0 || types.size === 0) return [];
  return (await touchpointsOfTypesPrepared(tx, leadIds, [...types])).rows;
}

// Scoring reads it on every capture: compiled once (see prepared.ts).
const touchpointsOfTypesPrepared = prepared(2, (tx, leadIds: string[], types: string[]) =>
  touchpointsOfTypesQuery(tx, leadIds, types),
);

/** The query of touchpointsOfTypes (its plan is tested). */
export function touchpointsOfTypesQuery(tx: Tx, leadIds: string[], types: Iterable<string>) {
  return tx
    .selectFrom('touchpoints')
    .select(['lead_id', 'type', 'occurred_at', 'properties'])
    .where('lead_id', 'in', leadIds)
    .where(sql<string>`${sql.ref('type')} || ''`, 'in', [...types]);
}

/** The ids a listener's `merged` returned, as its `unmerged` gets them back (none for older merges). */
export function movedIds(moved: unknown): string[] {
  return Array.isArray(moved) ? moved.filter((x): x is string => typeof x === 'string') : [];
}
