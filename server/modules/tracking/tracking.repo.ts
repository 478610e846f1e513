import type { Insertable } from 'kysely';
import { chunks, insertRows } from '../../platform/db/bulk.ts';
import type { Dialect, Tx } from '../../platform/db/db.ts';
import { prepared } from '../../platform/db/prepared.ts';
import type {
  TrackingSettingsTable,
  VisitorEventsTable,
  VisitorStitchesTable,
} from '../../platform/db/schema.ts';

// Read on every form submission and tracked batch, compiled once (see prepared.ts).
const eventsOfVisitors = prepared(1, (tx, visitorIds: string[]) =>
  tx
    .selectFrom('visitor_events')
    .selectAll()
    .where('visitor_id', 'in', visitorIds)
    .orderBy('occurred_at')
    .orderBy('id'),
);
const activeStitches = prepared(1, (tx, visitorIds: string[]) =>
  tx
    .selectFrom('visitor_stitches')
    .selectAll()
    .where('visitor_id', 'in', visitorIds)
    .where('undone_at', 'is', null)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc'),
);

export function createTrackingRepo(dialect: Dialect) {
  // Anonymous events
  async function insertEvents(tx: Tx, rows: VisitorEventsTable[]): Promise<void> {
    for (const part of chunks(rows, 6)) await tx.insertInto('visitor_events').values(part).execute();
  }

  /** The stored events of these visitors, oldest first. */
  async function eventsOf(tx: Tx, visitorIds: string[]): Promise<VisitorEventsTable[]> {
    if (visitorIds.length === 0) return [];
    const out: VisitorEventsTable[] = [];
    for (const part of chunks([...new Set(visitorIds)], 1)) {
      out.push(...(await eventsOfVisitors(tx, part)).rows);
    }
    return out;
  }

  async function deleteEvents(tx: Tx, ids: string[]): Promise<void> {
    for (const part of chunks(ids, 1))
      await tx.deleteFrom('visitor_events').where('id', 'in', part).execute();
  }

  async function countEvents(tx: Tx, visitorId: string): Promise<number> {
    const r = await tx
      .selectFrom('visitor_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('visitor_id', '=', visitorId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Deletes up to `limit` anonymous events stored before the id `before` (ids begin with the time
   * they were made, so this is "received before"; the primary key serves it); returns how many.
   */
  async function purgeEvents(tx: Tx, before: string, limit: number): Promise<number> {
    const ids = (
      await tx
        .selectFrom('visitor_events')
        .select('id')
        .where('id', '<', before)
        .orderBy('id')
        .limit(limit)
        .execute()
    ).map((r) => r.id);
    await deleteEvents(tx, ids);
    return ids.length;
  }

  // Stitches
  async function insertStitch(tx: Tx, row: VisitorStitchesTable): Promise<void> {
    await tx.insertInto('visitor_stitches').values(row).execute();
  }

  async function insertStitches(tx: Tx, rows: VisitorStitchesTable[]): Promise<void> {
    await insertRows(tx, dialect === 'postgres', 'visitor_stitches', rows);
  }

  async function stitchById(tx: Tx, id: string): Promise<VisitorStitchesTable | undefined> {
    return tx.selectFrom('visitor_stitches').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Stitches of this visitor not undone, newest first. */
  async function activeStitchesOf(tx: Tx, visitorIds: string[]): Promise<VisitorStitchesTable[]> {
    if (visitorIds.length === 0) return [];
    return (await activeStitches(tx, [...new Set(visitorIds)])).rows;
  }

  /** Stitches that gave a browser to this lead or took one from it, newest first. */
  async function stitchesOfLead(tx: Tx, leadId: string): Promise<VisitorStitchesTable[]> {
    return tx
      .selectFrom('visitor_stitches')
      .selectAll()
      .where((eb) => eb.or([eb('lead_id', '=', leadId), eb('previous_lead_id', '=', leadId)]))
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(500)
      .execute();
  }

  async function addEventsToStitch(tx: Tx, id: string, count: number): Promise<void> {
    await tx
      .updateTable('visitor_stitches')
      .set((eb) => ({ event_count: eb('event_count', '+', count) }))
      .where('id', '=', id)
      .execute();
  }

  /** Marks every live stitch of this visitor to this lead undone. */
  async function markUndone(
    tx: Tx,
    visitorId: string,
    leadId: string,
    o: { at: number; by: string | null; events: number },
  ): Promise<void> {
    await tx
      .updateTable('visitor_stitches')
      .set({ undone_at: o.at, undone_by: o.by, undone_events: o.events })
      .where('visitor_id', '=', visitorId)
      .where('lead_id', '=', leadId)
      .where('undone_at', 'is', null)
      .execute();
  }

  // Settings
  async function settings(tx: Tx): Promise<TrackingSettingsTable | undefined> {
    return tx.selectFrom('tracking_settings').selectAll().where('id', '=', 'default').executeTakeFirst();
  }

  async function saveSettings(tx: Tx, row: Insertable<TrackingSettingsTable>): Promise<void> {
    const { id: _id, ...rest } = row;
    await tx
      .insertInto('tracking_settings')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(rest))
      .execute();
  }

  return {
    insertEvents,
    eventsOf,
    deleteEvents,
    countEvents,
    purgeEvents,
    insertStitch,
    insertStitches,
    stitchById,
    activeStitchesOf,
    stitchesOfLead,
    addEventsToStitch,
    markUndone,
    settings,
    saveSettings,
  };
}

export type TrackingRepo = ReturnType<typeof createTrackingRepo>;
