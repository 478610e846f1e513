/**
 * Anonymous visitor ids on leads, for the tracking module: which live lead a browser belongs to
 * (following merges), and the moves identity stitching and its undo make. Every function runs in
 * the caller's transaction.
 */
import type { Dialect, Tx } from '../../platform/db/db.ts';
import { consentOf } from './fields.ts';
import { createVisitorsRepo } from './visitors.repo.ts';

export type VisitorLead = {
  /** The live lead the browser's events go to (merges followed). */
  leadId: string;
  /** The lead the visitor identity is stored on (differs from leadId only after a merge). */
  heldBy: string;
  /** The person withdrew consent to tracking: their events are not recorded. */
  trackingWithdrawn: boolean;
};

export type LeadState = {
  id: string;
  status: 'live' | 'merged' | 'erased';
  mergedInto: string | null;
  trackingWithdrawn: boolean;
};

const trackedTypes = ['page_viewed', 'event'];

export function createVisitorApi({ dialect }: { dialect: Dialect }) {
  const repo = createVisitorsRepo(dialect);

  /** The live lead of each known visitor id; unknown visitors (and erased leads) are absent. */
  async function leadsOf(tx: Tx, visitorIds: string[]): Promise<Map<string, VisitorLead>> {
    const out = new Map<string, VisitorLead>();
    const ids = await repo.identities(tx, visitorIds);
    if (ids.length === 0) return out;
    const rows = new Map(
      (
        await repo.leadStates(
          tx,
          ids.map((i) => i.lead_id),
        )
      ).map((r) => [r.id, r]),
    );
    // Merged leads are tombstones: follow them to the lead they live on as.
    for (let hops = 0; hops < 20; hops++) {
      const missing = [...rows.values()]
        .map((r) => r.merged_into)
        .filter((m): m is string => m !== null && !rows.has(m));
      if (missing.length === 0) break;
      for (const r of await repo.leadStates(tx, missing)) rows.set(r.id, r);
    }
    for (const i of ids) {
      let row = rows.get(i.lead_id);
      for (let hops = 0; row?.merged_into && hops < 20; hops++) row = rows.get(row.merged_into);
      if (!row || row.merged_into || row.erased_at !== null) continue;
      out.set(i.value, {
        leadId: row.id,
        heldBy: i.lead_id,
        trackingWithdrawn: consentOf(row).tracking?.status === 'withdrawn',
      });
    }
    return out;
  }

  /** Whether a lead is live, merged into another or erased; null when there is no such lead. */
  async function stateOf(tx: Tx, leadId: string): Promise<LeadState | null> {
    return (await statesOf(tx, [leadId])).get(leadId) ?? null;
  }

  /** stateOf for many leads in one query; leads that do not exist are missing from the map. */
  async function statesOf(tx: Tx, leadIds: string[]): Promise<Map<string, LeadState>> {
    const out = new Map<string, LeadState>();
    for (const row of await repo.leadStates(tx, leadIds)) {
      out.set(row.id, {
        id: row.id,
        status: row.erased_at !== null ? 'erased' : row.merged_into ? 'merged' : 'live',
        mergedInto: row.merged_into,
        trackingWithdrawn: consentOf(row).tracking?.status === 'withdrawn',
      });
    }
    return out;
  }

  return {
    leadsOf,
    stateOf,
    statesOf,
    /** Gives the visitor id to the lead (taking it from another lead that held it). */
    attach: (tx: Tx, visitorId: string, leadId: string, now: number) =>
      repo.attach(tx, visitorId, leadId, now),
    /** Removes the visitor id from the lead; true when the lead held it. */
    detach: (tx: Tx, visitorId: string, leadId: string) => repo.detach(tx, visitorId, leadId),
    /** Deletes and returns the page views and custom events tracking recorded on the lead for this visitor. */
    takeTouchpoints: (tx: Tx, leadId: string, visitorId: string) =>
      repo.takeTrackedTouchpoints(tx, leadId, visitorId, trackedTypes),
  };
}

export type VisitorApi = ReturnType<typeof createVisitorApi>;
