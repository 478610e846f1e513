/**
 * Visitor identities and the touchpoints tracking recorded through them: what the tracking module
 * needs from the leads module's tables to stitch a browser's history to a lead and to undo it.
 */
import type { Dialect, Tx } from '../../platform/db/db.ts';
import { prepared } from '../../platform/db/prepared.ts';
import type { TouchpointsTable } from '../../platform/db/schema.ts';
import { fromJson } from '../../platform/db/schema.ts';

const chunk = <T>(rows: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
};

// Read on every form submission and tracked batch, compiled once (see prepared.ts).
const visitorIdentities = prepared(1, (tx, visitorIds: string[]) =>
  tx
    .selectFrom('lead_identities')
    .select(['value', 'lead_id'])
    .where('kind', '=', 'visitor')
    .where('system', '=', '')
    .where('value', 'in', visitorIds),
);
const leadStatesOf = prepared(1, (tx, ids: string[]) =>
  tx.selectFrom('leads').select(['id', 'merged_into', 'erased_at', 'consent']).where('id', 'in', ids),
);

export function createVisitorsRepo(_dialect: Dialect) {
  /** The lead each known visitor id belongs to (as stored, before following merges). */
  async function identities(tx: Tx, visitorIds: string[]): Promise<{ value: string; lead_id: string }[]> {
    if (visitorIds.length === 0) return [];
    const out: { value: string; lead_id: string }[] = [];
    for (const part of chunk([...new Set(visitorIds)], 500)) {
      out.push(...(await visitorIdentities(tx, part)).rows);
    }
    return out;
  }

  /** What decides whether a lead can take tracked events: merged, erased, tracking consent. */
  async function leadStates(tx: Tx, ids: string[]) {
    if (ids.length === 0) return [];
    const out: { id: string; merged_into: string | null; erased_at: number | null; consent: unknown }[] = [];
    for (const part of chunk([...new Set(ids)], 500)) {
      out.push(...(await leadStatesOf(tx, part)).rows);
    }
    return out;
  }

  /** Gives the visitor id to a lead, taking it from any lead that had it. */
  async function attach(tx: Tx, visitorId: string, leadId: string, now: number): Promise<void> {
    await tx
      .insertInto('lead_identities')
      .values({ kind: 'visitor', system: '', value: visitorId, lead_id: leadId, created_at: now })
      .onConflict((oc) =>
        oc.columns(['kind', 'system', 'value']).doUpdateSet({ lead_id: leadId, created_at: now }),
      )
      .execute();
  }

  /** Removes the visitor id from the lead; true when it was there. */
  async function detach(tx: Tx, visitorId: string, leadId: string): Promise<boolean> {
    const r = await tx
      .deleteFrom('lead_identities')
      .where('kind', '=', 'visitor')
      .where('system', '=', '')
      .where('value', '=', visitorId)
      .where('lead_id', '=', leadId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /**
   * Deletes and returns the lead's touchpoints that tracking recorded for this visitor (page views
   * and custom events carrying its visitor id); form submissions and edits stay.
   */
  async function takeTrackedTouchpoints(tx: Tx, leadId: string, visitorId: string, types: string[]) {
    const rows = await tx
      .selectFrom('touchpoints')
      .selectAll()
      .where('lead_id', '=', leadId)
      .where('source', '=', 'tracking')
      .where('type', 'in', types)
      .execute();
    const mine = rows
      .map((r) => ({ ...r, properties: fromJson<Record<string, unknown>>(r.properties, {}) }))
      .filter((r) => r.properties.visitorId === visitorId);
    for (const part of chunk(
      mine.map((r) => r.id),
      500,
    ))
      await tx.deleteFrom('touchpoints').where('id', 'in', part).execute();
    return mine as (Omit<TouchpointsTable, 'properties'> & { properties: Record<string, unknown> })[];
  }

  return { identities, leadStates, attach, detach, takeTrackedTouchpoints };
}

export type VisitorsRepo = ReturnType<typeof createVisitorsRepo>;
