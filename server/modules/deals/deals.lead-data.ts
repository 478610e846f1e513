/**
 * A deal's linked leads follow them. A merge moves the merged lead's links to the survivor (where
 * the deal already links the survivor, the merged lead's link is dropped, and the survivor takes
 * over its place as primary), so winning the deal later moves the person, not a merged stub; the
 * merge keeps what it did and its undo puts exactly that back. A deletion removes the lead's links
 * (the deal stays; the next linked lead becomes primary). An erasure changes nothing here: a link
 * names no one, and the deal keeps its (now anonymous) lead.
 */
import type { Tx } from '../../platform/db/db.ts';
import { iso } from '../../platform/http/schemas.ts';
import type { LeadDataListener } from '../leads/index.ts';

/** What a merge did to one link: moved to the survivor, or dropped (the deal linked both). */
type Moved = {
  dealId: string;
  /** The merged lead's link, as it was. */
  position: number;
  primary: boolean;
  addedAt: number;
  /** Dropped: the deal already linked the survivor; `survivorWasPrimary` is its flag before. */
  dropped: boolean;
  survivorWasPrimary?: boolean;
};

/** Changes one deal's link to one lead. */
async function setLink(
  tx: Tx,
  dealId: string,
  leadId: string,
  patch: { lead_id?: string; is_primary?: number },
) {
  await tx
    .updateTable('deal_leads')
    .set(patch)
    .where('deal_id', '=', dealId)
    .where('lead_id', '=', leadId)
    .execute();
}

export const dealLinksFollowLeads: LeadDataListener = {
  name: 'deals',

  async merged(tx, m): Promise<Moved[]> {
    const links = await tx.selectFrom('deal_leads').selectAll().where('lead_id', '=', m.mergedId).execute();
    if (links.length === 0) return [];
    const survivorLinks = new Map(
      (
        await tx
          .selectFrom('deal_leads')
          .select(['deal_id', 'is_primary'])
          .where('lead_id', '=', m.survivorId)
          .where(
            'deal_id',
            'in',
            links.map((l) => l.deal_id),
          )
          .execute()
      ).map((l) => [l.deal_id, l.is_primary === 1]),
    );
    const moved: Moved[] = [];
    for (const l of links) {
      const base = {
        dealId: l.deal_id,
        position: l.position,
        primary: l.is_primary === 1,
        addedAt: l.added_at,
      };
      const survivorPrimary = survivorLinks.get(l.deal_id);
      if (survivorPrimary === undefined) {
        await setLink(tx, l.deal_id, m.mergedId, { lead_id: m.survivorId });
        moved.push({ ...base, dropped: false });
        continue;
      }
      await tx
        .deleteFrom('deal_leads')
        .where('deal_id', '=', l.deal_id)
        .where('lead_id', '=', m.mergedId)
        .execute();
      if (base.primary && !survivorPrimary) await setLink(tx, l.deal_id, m.survivorId, { is_primary: 1 });
      moved.push({ ...base, dropped: true, survivorWasPrimary: survivorPrimary });
    }
    return moved;
  },

  async unmerged(tx, m, moved) {
    if (!Array.isArray(moved)) return;
    for (const x of moved as Moved[]) {
      if (!x.dropped) {
        await setLink(tx, x.dealId, m.survivorId, { lead_id: m.mergedId });
        continue;
      }
      const deal = await tx.selectFrom('deals').select('id').where('id', '=', x.dealId).executeTakeFirst();
      const back = await tx
        .selectFrom('deal_leads')
        .select('lead_id')
        .where('deal_id', '=', x.dealId)
        .where('lead_id', '=', m.mergedId)
        .executeTakeFirst();
      if (!deal || back) continue;
      await tx
        .insertInto('deal_leads')
        .values({
          deal_id: x.dealId,
          lead_id: m.mergedId,
          is_primary: x.primary ? 1 : 0,
          position: x.position,
          added_at: x.addedAt,
        })
        .execute();
      if (x.primary && x.survivorWasPrimary === false)
        await setLink(tx, x.dealId, m.survivorId, { is_primary: 0 });
    }
  },

  async erased() {},

  async exported(tx, leadIds) {
    const rows = await tx
      .selectFrom('deal_leads')
      .innerJoin('deals', 'deals.id', 'deal_leads.deal_id')
      .select([
        'deals.name',
        'deals.status',
        'deals.amount',
        'deals.currency',
        'deals.created_at',
        'deals.closed_at',
      ])
      .where('deal_leads.lead_id', 'in', leadIds)
      .orderBy('deals.created_at')
      .execute();
    return {
      deals: rows.map((d) => ({
        name: d.name,
        status: d.status,
        amount: d.amount === null ? null : { amount: Number(d.amount), currency: d.currency },
        openedAt: iso(Number(d.created_at)),
        closedAt: iso(d.closed_at === null ? null : Number(d.closed_at)),
      })),
    };
  },

  async deleted(tx: Tx, leadIds: string[]) {
    for (let i = 0; i < leadIds.length; i += 500) {
      const part = leadIds.slice(i, i + 500);
      const gone = await tx
        .selectFrom('deal_leads')
        .select(['deal_id', 'is_primary'])
        .where('lead_id', 'in', part)
        .execute();
      if (gone.length === 0) continue;
      await tx.deleteFrom('deal_leads').where('lead_id', 'in', part).execute();
      // A deal that lost its primary lead: the next one linked (by position) takes its place.
      for (const g of gone.filter((x) => x.is_primary === 1)) {
        const next = await tx
          .selectFrom('deal_leads')
          .select('lead_id')
          .where('deal_id', '=', g.deal_id)
          .orderBy('position')
          .limit(1)
          .executeTakeFirst();
        if (next) await setLink(tx, g.deal_id, next.lead_id, { is_primary: 1 });
      }
    }
  },
};
