/**
 * Campaigns: a name, a channel, dates, the utm_campaign values that map to it, a status, and cost
 * entries by day (integer minor units with an ISO 4217 currency). Changing a campaign's keys (or
 * its channel) reclassifies the touchpoints that carry them, in the background.
 */
import {
  type Campaign,
  type CampaignCost,
  type CampaignCostInput,
  type CampaignCostPatch,
  type CampaignInput,
  type CampaignPatch,
  type CampaignStatus,
  type CampaignTrend,
  campaignStatuses,
} from '../../../contracts/attribution.ts';
import { type Channel, channels } from '../../../contracts/capture.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { CampaignCostsTable, CampaignsTable } from '../../platform/db/schema.ts';
import { AppError, type ErrorDetail, validationError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor, type Page } from '../../platform/http/pagination.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { AuditService } from '../audit/index.ts';
import type { WriteContext } from '../leads/index.ts';
import type { AttributionService } from './attribution.service.ts';
import type { CampaignsRepo } from './campaigns.repo.ts';

type Deps = {
  database: Database;
  repo: CampaignsRepo;
  clock: Clock;
  audit: Pick<AuditService, 'record'>;
  attribution: Pick<AttributionService, 'enqueueRun'>;
  lockRules: (tx: Tx) => Promise<void>;
};

/** The currencies this runtime knows (ISO 4217), for validating cost entries. */
const currencies = new Set(Intl.supportedValuesOf('currency'));

export function isCurrency(code: string): boolean {
  return currencies.has(code);
}

/** utm_campaign values as they are matched: trimmed, lower-cased, each once. */
export function normaliseKeys(keys: readonly string[]): string[] {
  return [...new Set(keys.map((k) => k.trim().toLowerCase()).filter(Boolean))].sort();
}

export function createCampaignsService(deps: Deps) {
  const { database, repo, clock } = deps;
  const db = database.db;

  async function views(tx: Tx, rows: CampaignsTable[]): Promise<Campaign[]> {
    const ids = rows.map((r) => r.id);
    const [keys, spend, leads, touches] = [
      await repo.keysOf(tx, ids),
      await repo.spendOf(tx, ids),
      await repo.leadCounts(tx, ids),
      await repo.touchCounts(tx, ids),
    ];
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      channel: r.channel as Channel,
      status: r.status as CampaignStatus,
      startDate: r.start_date,
      endDate: r.end_date,
      utmCampaigns: keys.get(r.id) ?? [],
      description: r.description,
      spend: spend
        .filter((s) => s.campaignId === r.id)
        .map((s) => ({ amount: s.amount, currency: s.currency })),
      leadsFirstTouched: leads.get(r.id) ?? 0,
      touches: touches.get(r.id) ?? 0,
      createdAt: iso(Number(r.created_at)),
      updatedAt: iso(Number(r.updated_at)),
    }));
  }

  async function row(tx: Tx, id: string): Promise<CampaignsTable> {
    const r = await repo.byId(tx, id);
    if (!r) throw new AppError('CAMPAIGN_NOT_FOUND', `No campaign ${id}`);
    return r;
  }

  async function get(id: string): Promise<Campaign> {
    return (await views(db, [await row(db, id)]))[0]!;
  }

  /** Cost by month and leads by week of first touch, for the campaign's charts. */
  async function trend(id: string): Promise<CampaignTrend> {
    await row(db, id);
    return { costByMonth: await repo.costByMonth(db, id), leadsByWeek: await repo.leadsByWeek(db, id) };
  }

  async function list(o: {
    q?: string;
    status?: string;
    channel?: string;
    limit?: number;
    cursor?: string;
  }): Promise<Page<Campaign>> {
    const limit = o.limit ?? 50;
    const statuses = o.status ? o.status.split(',').map((s) => s.trim()) : undefined;
    const bad = statuses?.find((s) => !(campaignStatuses as readonly string[]).includes(s));
    if (bad)
      throw validationError('status', 'enum', `"${bad}" is not a status (${campaignStatuses.join(', ')})`);
    if (o.channel && !(channels as readonly string[]).includes(o.channel))
      throw validationError('channel', 'enum', `"${o.channel}" is not a channel (${channels.join(', ')})`);
    let after: { at: number; id: string } | undefined;
    if (o.cursor) {
      const [at, id] = decodeCursor(o.cursor, 2);
      after = { at: Number(at), id: String(id) };
    }
    const rows = await repo.list(db, {
      q: o.q?.trim() || undefined,
      statuses,
      channel: o.channel,
      limit: limit + 1,
      after,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: await views(db, page),
      nextCursor: rows.length > limit && last ? encodeCursor([Number(last.created_at), last.id]) : null,
    };
  }

  function checkDates(start: string | null, end: string | null): void {
    if (start && end && end < start)
      throw validationError('endDate', 'minimum', 'must be on or after the start date');
  }

  /** Claims keys for a campaign; a key another campaign holds is a conflict naming it. */
  async function claimKeys(
    tx: Tx,
    campaignId: string,
    keys: string[],
    given: readonly string[],
  ): Promise<void> {
    const owners = await repo.keyOwners(tx, keys);
    const details: ErrorDetail[] = [];
    for (const [key, owner] of owners) {
      if (owner.id === campaignId) continue;
      const index = given.findIndex((g) => g.trim().toLowerCase() === key);
      details.push({
        field: `utmCampaigns.${index}`,
        rule: 'unique',
        message: `"${key}" belongs to the campaign “${owner.name}” (${owner.id})`,
      });
    }
    if (details.length > 0)
      throw new AppError('CAMPAIGN_KEY_TAKEN', `${details[0]!.field}: ${details[0]!.message}`, { details });
    await repo.setKeys(tx, campaignId, keys);
  }

  async function create(input: CampaignInput, ctx: WriteContext): Promise<Campaign> {
    const now = clock.now();
    const id = newId('cmp', now);
    const keys = normaliseKeys(input.utmCampaigns ?? []);
    checkDates(input.startDate ?? null, input.endDate ?? null);
    await db.transaction().execute(async (tx) => {
      if (keys.length > 0) await deps.lockRules(tx);
      await repo.insert(tx, {
        id,
        name: input.name.trim(),
        channel: input.channel,
        status: input.status ?? 'active',
        start_date: input.startDate ?? null,
        end_date: input.endDate ?? null,
        description: input.description?.trim() || null,
        created_by: ctx.actor.label ?? null,
        created_at: now,
        updated_at: now,
      });
      await claimKeys(tx, id, keys, input.utmCampaigns ?? []);
      // Touchpoints recorded before the campaign existed get it now.
      if (keys.length > 0) await deps.attribution.enqueueRun(tx, { reason: 'campaign', keys });
    });
    return get(id);
  }

  async function update(id: string, patch: CampaignPatch, ctx: WriteContext): Promise<Campaign> {
    await db.transaction().execute(async (tx) => {
      const before = await row(tx, id);
      const oldKeys = (await repo.keysOf(tx, [id])).get(id) ?? [];
      const newKeys = patch.utmCampaigns ? normaliseKeys(patch.utmCampaigns) : oldKeys;
      const start = patch.startDate === undefined ? before.start_date : patch.startDate;
      const end = patch.endDate === undefined ? before.end_date : patch.endDate;
      checkDates(start, end);
      const channelChanged = patch.channel !== undefined && patch.channel !== before.channel;
      // The keys whose touchpoints change: those added or removed, and all of them when the
      // channel changed (a campaign's channel decides touches no rule matched).
      const affected = channelChanged
        ? normaliseKeys([...oldKeys, ...newKeys])
        : normaliseKeys([
            ...oldKeys.filter((k) => !newKeys.includes(k)),
            ...newKeys.filter((k) => !oldKeys.includes(k)),
          ]);
      if (affected.length > 0) await deps.lockRules(tx);
      await repo.update(tx, id, {
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.channel !== undefined ? { channel: patch.channel } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.startDate !== undefined ? { start_date: patch.startDate } : {}),
        ...(patch.endDate !== undefined ? { end_date: patch.endDate } : {}),
        ...(patch.description !== undefined ? { description: patch.description?.trim() || null } : {}),
        updated_at: clock.now(),
      });
      if (patch.utmCampaigns) await claimKeys(tx, id, newKeys, patch.utmCampaigns);
      if (affected.length > 0) await deps.attribution.enqueueRun(tx, { reason: 'campaign', keys: affected });
      void ctx;
    });
    return get(id);
  }

  /** Deletes a campaign with its costs; its touchpoints and leads lose it in the background. */
  async function remove(id: string, ctx: WriteContext): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const r = await row(tx, id);
      const keys = (await repo.keysOf(tx, [id])).get(id) ?? [];
      if (keys.length > 0) await deps.lockRules(tx);
      await repo.remove(tx, id);
      if (keys.length > 0) await deps.attribution.enqueueRun(tx, { reason: 'campaign', keys });
      await deps.audit.record(tx, {
        actor: ctx.actor,
        action: 'campaign.deleted',
        target: { type: 'campaign', id },
        ip: ctx.ip ?? null,
        details: { name: r.name, keys },
      });
    });
  }

  // ── Costs ──────────────────────────────────────────────────────────────────
  function costView(c: CampaignCostsTable): CampaignCost {
    return {
      id: c.id,
      campaignId: c.campaign_id,
      date: c.date,
      amount: Number(c.amount),
      currency: c.currency,
      note: c.note,
      createdAt: iso(Number(c.created_at)),
      updatedAt: iso(Number(c.updated_at)),
    };
  }

  function checkCurrency(currency: string | undefined): void {
    if (currency !== undefined && !isCurrency(currency))
      throw validationError('currency', 'iso4217', `"${currency}" is not an ISO 4217 currency code`);
  }

  async function listCosts(campaignId: string): Promise<CampaignCost[]> {
    await row(db, campaignId);
    return (await repo.costs(db, campaignId)).map(costView);
  }

  async function addCost(
    campaignId: string,
    input: CampaignCostInput,
    ctx: WriteContext,
  ): Promise<CampaignCost> {
    checkCurrency(input.currency);
    const now = clock.now();
    const cost: CampaignCostsTable = {
      id: newId('cost', now),
      campaign_id: campaignId,
      date: input.date,
      amount: input.amount,
      currency: input.currency,
      note: input.note?.trim() || null,
      created_by: ctx.actor.label ?? null,
      created_at: now,
      updated_at: now,
    };
    await db.transaction().execute(async (tx) => {
      await row(tx, campaignId);
      await repo.insertCost(tx, cost);
    });
    return costView(cost);
  }

  async function updateCost(
    campaignId: string,
    costId: string,
    patch: CampaignCostPatch,
  ): Promise<CampaignCost> {
    checkCurrency(patch.currency);
    return db.transaction().execute(async (tx) => {
      await row(tx, campaignId);
      const c = await repo.cost(tx, campaignId, costId);
      if (!c) throw new AppError('CAMPAIGN_COST_NOT_FOUND', `Campaign ${campaignId} has no cost ${costId}`);
      const next: CampaignCostsTable = {
        ...c,
        ...(patch.date !== undefined ? { date: patch.date } : {}),
        ...(patch.amount !== undefined ? { amount: patch.amount } : {}),
        ...(patch.currency !== undefined ? { currency: patch.currency } : {}),
        ...(patch.note !== undefined ? { note: patch.note?.trim() || null } : {}),
        updated_at: clock.now(),
      };
      const { id: _id, ...rest } = next;
      await repo.updateCost(tx, costId, rest);
      return costView(next);
    });
  }

  async function deleteCost(campaignId: string, costId: string): Promise<void> {
    await db.transaction().execute(async (tx) => {
      await row(tx, campaignId);
      const c = await repo.cost(tx, campaignId, costId);
      if (!c) throw new AppError('CAMPAIGN_COST_NOT_FOUND', `Campaign ${campaignId} has no cost ${costId}`);
      await repo.deleteCost(tx, costId);
    });
  }

  return { list, get, trend, create, update, remove, listCosts, addCost, updateCost, deleteCost };
}

export type CampaignsService = ReturnType<typeof createCampaignsService>;
