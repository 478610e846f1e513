import { type SqlBool, sql } from 'kysely';
import type { Tx } from '../../platform/db/db.ts';
import type { CampaignCostsTable, CampaignsTable } from '../../platform/db/schema.ts';

export type CampaignListOptions = {
  q?: string;
  statuses?: string[];
  channel?: string;
  limit: number;
  after?: { at: number; id: string };
};

const firstMonday = 4 * 86_400_000;
const weekMs = 7 * 86_400_000;

export function createCampaignsRepo() {
  async function insert(tx: Tx, row: CampaignsTable): Promise<void> {
    await tx.insertInto('campaigns').values(row).execute();
  }

  async function update(tx: Tx, id: string, patch: Partial<CampaignsTable>): Promise<void> {
    await tx.updateTable('campaigns').set(patch).where('id', '=', id).execute();
  }

  async function remove(tx: Tx, id: string): Promise<void> {
    await tx.deleteFrom('campaign_costs').where('campaign_id', '=', id).execute();
    await tx.deleteFrom('campaign_keys').where('campaign_id', '=', id).execute();
    await tx.deleteFrom('campaigns').where('id', '=', id).execute();
  }

  async function byId(tx: Tx, id: string): Promise<CampaignsTable | undefined> {
    return tx.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async function list(tx: Tx, o: CampaignListOptions): Promise<CampaignsTable[]> {
    let q = tx
      .selectFrom('campaigns')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(o.limit);
    if (o.q) {
      const like = `%${o.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) =>
        eb.or([
          eb(eb.fn('lower', ['campaigns.name']), 'like', like),
          eb.exists(
            eb
              .selectFrom('campaign_keys')
              .select('campaign_keys.key')
              .whereRef('campaign_keys.campaign_id', '=', 'campaigns.id')
              .where('campaign_keys.key', 'like', like),
          ),
        ]),
      );
    }
    if (o.statuses && o.statuses.length > 0) q = q.where('status', 'in', o.statuses);
    if (o.channel) q = q.where('channel', '=', o.channel);
    if (o.after) q = q.where(sql<SqlBool>`(created_at, id) < (${o.after.at}, ${o.after.id})`);
    return q.execute();
  }

  // ── utm_campaign keys ──
  async function keysOf(tx: Tx, ids: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const rows = await tx
      .selectFrom('campaign_keys')
      .selectAll()
      .where('campaign_id', 'in', ids)
      .orderBy('key')
      .execute();
    for (const r of rows) out.set(r.campaign_id, [...(out.get(r.campaign_id) ?? []), r.key]);
    return out;
  }

  /** Which of these keys another campaign holds. */
  async function keyOwners(tx: Tx, keys: string[]): Promise<Map<string, { id: string; name: string }>> {
    const out = new Map<string, { id: string; name: string }>();
    if (keys.length === 0) return out;
    const rows = await tx
      .selectFrom('campaign_keys')
      .innerJoin('campaigns', 'campaigns.id', 'campaign_keys.campaign_id')
      .select(['campaign_keys.key', 'campaigns.id', 'campaigns.name'])
      .where('campaign_keys.key', 'in', keys)
      .execute();
    for (const r of rows) out.set(r.key, { id: r.id, name: r.name });
    return out;
  }

  async function setKeys(tx: Tx, campaignId: string, keys: string[]): Promise<void> {
    await tx.deleteFrom('campaign_keys').where('campaign_id', '=', campaignId).execute();
    if (keys.length > 0)
      await tx
        .insertInto('campaign_keys')
        .values(keys.map((key) => ({ key, campaign_id: campaignId })))
        .execute();
  }

  // ── Totals ──
  async function spendOf(tx: Tx, ids: string[]) {
    if (ids.length === 0) return [];
    const rows = await tx
      .selectFrom('campaign_costs')
      .select((eb) => ['campaign_id', 'currency', eb.fn.sum<number>('amount').as('total')])
      .where('campaign_id', 'in', ids)
      .groupBy(['campaign_id', 'currency'])
      .orderBy('currency')
      .execute();
    return rows.map((r) => ({ campaignId: r.campaign_id, currency: r.currency, amount: Number(r.total) }));
  }

  /** Live leads whose first touch is each campaign. */
  async function leadCounts(tx: Tx, ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await tx
      .selectFrom('leads')
      .select((eb) => ['first_touch_campaign_id', eb.fn.countAll<number>().as('n')])
      .where('first_touch_campaign_id', 'in', ids)
      .where('merged_into', 'is', null)
      .where('erased_at', 'is', null)
      .groupBy('first_touch_campaign_id')
      .execute();
    return new Map(rows.map((r) => [r.first_touch_campaign_id as string, Number(r.n)]));
  }

  /** Touches attributed to each campaign. */
  async function touchCounts(tx: Tx, ids: string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await tx
      .selectFrom('touchpoints')
      .select((eb) => ['campaign_id', eb.fn.countAll<number>().as('n')])
      .where('campaign_id', 'in', ids)
      .where('channel', 'is not', null)
      .groupBy('campaign_id')
      .execute();
    return new Map(rows.map((r) => [r.campaign_id as string, Number(r.n)]));
  }

  /** Cost per calendar month and currency (dates are YYYY-MM-DD text). */
  async function costByMonth(tx: Tx, campaignId: string) {
    const month = sql<string>`substr(date, 1, 7)`;
    const rows = await tx
      .selectFrom('campaign_costs')
      .select((eb) => [month.as('month'), 'currency', eb.fn.sum<number>('amount').as('total')])
      .where('campaign_id', '=', campaignId)
      .groupBy([month, 'currency'])
      .orderBy(month)
      .orderBy('currency')
      .execute();
    return rows.map((r) => ({ month: r.month, currency: r.currency, amount: Number(r.total) }));
  }

  /** Live leads first touched by the campaign, per week (weeks start on Monday, UTC). */
  async function leadsByWeek(tx: Tx, campaignId: string) {
    // Epoch milliseconds; 1970-01-05 was the first Monday. Integer division in both dialects.
    const week = sql<number>`(first_touch_at - ${sql.lit(firstMonday)}) / ${sql.lit(weekMs)}`;
    const rows = await tx
      .selectFrom('leads')
      .select((eb) => [week.as('week'), eb.fn.countAll<number>().as('n')])
      .where('first_touch_campaign_id', '=', campaignId)
      .where('first_touch_at', 'is not', null)
      .where('merged_into', 'is', null)
      .where('erased_at', 'is', null)
      .groupBy(week)
      .orderBy(week)
      .execute();
    return rows.map((r) => ({
      week: new Date(firstMonday + Number(r.week) * weekMs).toISOString().slice(0, 10),
      leads: Number(r.n),
    }));
  }

  // ── Costs ──
  async function costs(tx: Tx, campaignId: string): Promise<CampaignCostsTable[]> {
    return tx
      .selectFrom('campaign_costs')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .orderBy('date', 'desc')
      .orderBy('id', 'desc')
      .limit(10_000)
      .execute();
  }

  async function cost(tx: Tx, campaignId: string, id: string): Promise<CampaignCostsTable | undefined> {
    return tx
      .selectFrom('campaign_costs')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async function insertCost(tx: Tx, row: CampaignCostsTable): Promise<void> {
    await tx.insertInto('campaign_costs').values(row).execute();
  }

  async function updateCost(tx: Tx, id: string, patch: Partial<CampaignCostsTable>): Promise<void> {
    await tx.updateTable('campaign_costs').set(patch).where('id', '=', id).execute();
  }

  async function deleteCost(tx: Tx, id: string): Promise<void> {
    await tx.deleteFrom('campaign_costs').where('id', '=', id).execute();
  }

  return {
    insert,
    update,
    remove,
    byId,
    list,
    keysOf,
    keyOwners,
    setKeys,
    spendOf,
    leadCounts,
    touchCounts,
    costByMonth,
    leadsByWeek,
    costs,
    cost,
    insertCost,
    updateCost,
    deleteCost,
  };
}

export type CampaignsRepo = ReturnType<typeof createCampaignsRepo>;
