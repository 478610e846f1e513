import { type Expression, type SqlBool, sql } from 'kysely';
import type { Tx } from '../../platform/db/db.ts';
import type { SegmentHistoryTable, SegmentsTable } from '../../platform/db/schema.ts';
import { type LeadScope, scopeCondition } from '../permissions/index.ts';

function chunks<T>(rows: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export function createSegmentsRepo() {
  async function list(tx: Tx) {
    return tx
      .selectFrom('segments')
      .selectAll('segments')
      .select((eb) =>
        eb
          .selectFrom('segment_members')
          .innerJoin('leads', 'leads.id', 'segment_members.lead_id')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('segment_members.segment_id', '=', 'segments.id')
          .where('leads.merged_into', 'is', null)
          .where('leads.erased_at', 'is', null)
          .as('member_count'),
      )
      .orderBy('segments.name')
      .orderBy('segments.id')
      .execute();
  }

  async function byId(tx: Tx, id: string) {
    return tx.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function memberCount(tx: Tx, id: string): Promise<number> {
    const r = await tx
      .selectFrom('segment_members')
      .innerJoin('leads', 'leads.id', 'segment_members.lead_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('segment_members.segment_id', '=', id)
      .where('leads.merged_into', 'is', null)
      .where('leads.erased_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async function insert(tx: Tx, row: SegmentsTable) {
    await tx.insertInto('segments').values(row).execute();
  }

  async function update(tx: Tx, id: string, patch: Partial<SegmentsTable>) {
    await tx.updateTable('segments').set(patch).where('id', '=', id).execute();
  }

  async function remove(tx: Tx, id: string) {
    await tx.deleteFrom('segment_members').where('segment_id', '=', id).execute();
    await tx.deleteFrom('segment_history').where('segment_id', '=', id).execute();
    await tx.deleteFrom('segments').where('id', '=', id).execute();
  }

  async function dynamicSegments(tx: Tx) {
    return tx.selectFrom('segments').selectAll().where('kind', '=', 'dynamic').execute();
  }

  /** Current memberships of these leads in these segments. */
  async function membershipsOf(tx: Tx, leadIds: string[], segmentIds: string[]) {
    if (leadIds.length === 0 || segmentIds.length === 0) return [];
    const out: { segment_id: string; lead_id: string }[] = [];
    for (const part of chunks(leadIds, 500)) {
      out.push(
        ...(await tx
          .selectFrom('segment_members')
          .select(['segment_id', 'lead_id'])
          .where('lead_id', 'in', part)
          .where('segment_id', 'in', segmentIds)
          .execute()),
      );
    }
    return out;
  }

  /** Member lead ids of a segment in (after, upTo] (upTo undefined: to the end), in id order. */
  async function memberIdsBetween(tx: Tx, segmentId: string, after: string, upTo: string | undefined) {
    let q = tx
      .selectFrom('segment_members')
      .select('lead_id')
      .where('segment_id', '=', segmentId)
      .where('lead_id', '>', after);
    if (upTo !== undefined) q = q.where('lead_id', '<=', upTo);
    return (await q.orderBy('lead_id').execute()).map((r) => r.lead_id);
  }

  async function addMembers(tx: Tx, segmentId: string, leadIds: string[], at: number) {
    for (const part of chunks(leadIds, 500)) {
      await tx
        .insertInto('segment_members')
        .values(part.map((lead_id) => ({ segment_id: segmentId, lead_id, added_at: at })))
        .onConflict((oc) => oc.columns(['segment_id', 'lead_id']).doNothing())
        .execute();
    }
  }

  async function removeMembers(tx: Tx, segmentId: string, leadIds: string[]) {
    for (const part of chunks(leadIds, 500)) {
      await tx
        .deleteFrom('segment_members')
        .where('segment_id', '=', segmentId)
        .where('lead_id', 'in', part)
        .execute();
    }
  }

  async function insertHistory(tx: Tx, rows: SegmentHistoryTable[]) {
    for (const part of chunks(rows, 500)) await tx.insertInto('segment_history').values(part).execute();
  }

  /** Who entered and left, newest first: the entries of the leads in the scope. */
  async function history(tx: Tx, segmentId: string, limit: number, scope: LeadScope) {
    const visible = scopeCondition(scope, 'segment_history.lead_id');
    let q = tx
      .selectFrom('segment_history')
      .leftJoin('leads', 'leads.id', 'segment_history.lead_id')
      .select([
        'segment_history.lead_id',
        'segment_history.change',
        'segment_history.reason',
        'segment_history.at',
        'leads.email',
        'leads.first_name',
        'leads.last_name',
      ])
      .where('segment_history.segment_id', '=', segmentId);
    if (visible) q = q.where(visible);
    return q
      .orderBy('segment_history.at', 'desc')
      .orderBy('segment_history.id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Live leads among these ids (static lists only take leads that exist). */
  async function liveLeadIds(tx: Tx, ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const part of chunks(ids, 500)) {
      const rows = await tx
        .selectFrom('leads')
        .select('id')
        .where('id', 'in', part)
        .where('merged_into', 'is', null)
        .where('erased_at', 'is', null)
        .execute();
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  /** Ids of live leads matching a compiled filter, in id order. */
  async function matchingIds(tx: Tx, where: Expression<SqlBool>): Promise<string[]> {
    const rows = await tx
      .selectFrom('leads')
      .select('id')
      .where('merged_into', 'is', null)
      .where('erased_at', 'is', null)
      .where(where)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.id);
  }

  async function countMatching(tx: Tx, where: Expression<SqlBool>): Promise<number> {
    const r = await tx
      .selectFrom('leads')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('merged_into', 'is', null)
      .where('erased_at', 'is', null)
      .where(where)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The where-clause of a static segment's membership. */
  function memberOf(segmentId: string): Expression<SqlBool> {
    return sql<SqlBool>`leads.id in (select sm.lead_id from segment_members as sm where sm.segment_id = ${segmentId})`;
  }

  return {
    list,
    byId,
    memberCount,
    insert,
    update,
    remove,
    dynamicSegments,
    membershipsOf,
    memberIdsBetween,
    addMembers,
    removeMembers,
    insertHistory,
    history,
    liveLeadIds,
    matchingIds,
    countMatching,
    memberOf,
  };
}

export type SegmentsRepo = ReturnType<typeof createSegmentsRepo>;
