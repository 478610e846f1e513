/**
 * Tracking: batches from the snippet become touchpoints on known visitors' leads at once and wait
 * in `visitor_events` for anonymous ones; identity stitching joins a browser's waiting history to
 * a lead when the person identifies (or submits a form), records every stitch, and undoes it.
 */
import type { PageViewedProperties } from '../../../contracts/capture.ts';
import type { LeadSource } from '../../../contracts/leads.ts';
import type {
  Stitch,
  StitchOutcome,
  StitchReason,
  TrackingSettings,
  TrackingSettingsInput,
} from '../../../contracts/tracking.ts';
import type { Clock } from '../../platform/clock.ts';
import { createCoalescer, groupCommitLingerMs, groupCommitMax } from '../../platform/db/coalesce.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { VisitorEventsTable, VisitorStitchesTable } from '../../platform/db/schema.ts';
import { AppError, type ErrorDetail } from '../../platform/errors.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { Actor, AuditService } from '../audit/index.ts';
import type { LeadsApi, ResolveItem, VisitorLead } from '../leads/index.ts';
import type { PermissionsService, Viewer } from '../permissions/index.ts';
import { normaliseDomain } from './tracking.domains.ts';
import type { TrackingRepo } from './tracking.repo.ts';
import type { IdentifyEvent, TrackBatch, TrackEvent } from './tracking.validate.ts';

export type WriteContext = { actor: Actor; source: LeadSource; ip?: string | null };

type Settings = {
  allowedDomains: string[];
  requireConsent: boolean;
  sameBrowserSamePerson: boolean;
  updatedAt: number | null;
  updatedBy: string | null;
};

const defaults: Settings = {
  allowedDomains: [],
  requireConsent: false,
  sameBrowserSamePerson: false,
  updatedAt: null,
  updatedBy: null,
};

/** Settings are read on every batch: kept this long in memory (other processes see a change within it). */
const settingsTtlMs = 5000;

type Deps = {
  database: Database;
  clock: Clock;
  repo: TrackingRepo;
  leads: Pick<LeadsApi, 'resolveBatch' | 'recordTouchpoints' | 'visitors' | 'get'>;
  audit: Pick<AuditService, 'record'>;
  /** Attribution, when present: recomputes first/last touch after touchpoints moved. */
  recomputeTouches?: (tx: Tx, leadIds: string[]) => Promise<void>;
  permissions: Pick<PermissionsService, 'canWorkLead'>;
};

export type IngestResult = { accepted: number; dropped: number };

export type StitchInput = {
  visitorId: string;
  leadId: string;
  reason: StitchReason;
  actor?: Actor;
};

const visitorActor: Actor = { type: 'anonymous', label: 'website visitor' };

/** The touchpoint type and properties (contracts/capture.ts) of a page view or custom event. */
export function touchpointOf(
  e: Exclude<TrackEvent, IdentifyEvent>,
  visitorId: string,
): { type: 'page_viewed' | 'event'; properties: Record<string, unknown> } {
  if (e.type === 'page') {
    const p: PageViewedProperties = { page: e.page };
    if (e.utm) p.utm = e.utm;
    if (e.clickIds) p.clickIds = e.clickIds;
    if (e.landing) p.landing = true;
    p.visitorId = visitorId;
    return { type: 'page_viewed', properties: p };
  }
  const p: Record<string, unknown> = { name: e.name };
  if (e.props) p.props = e.props;
  if (e.page) p.page = e.page;
  if (e.utm) p.utm = e.utm;
  if (e.clickIds) p.clickIds = e.clickIds;
  p.visitorId = visitorId;
  return { type: 'event', properties: p };
}

export function stitchView(r: VisitorStitchesTable): Stitch {
  return {
    id: r.id,
    visitorId: r.visitor_id,
    leadId: r.lead_id,
    reason: r.reason as StitchReason,
    outcome: r.outcome as StitchOutcome,
    previousLeadId: r.previous_lead_id,
    events: Number(r.event_count),
    note: r.note,
    at: iso(r.at),
    undoneAt: iso(r.undone_at),
    undoneBy: r.undone_by,
    undoneEvents: r.undone_events === null ? null : Number(r.undone_events),
  };
}

export function createTrackingService({
  database,
  clock,
  repo,
  leads,
  audit,
  recomputeTouches,
  permissions,
}: Deps) {
  const db = database.db;
  let cached: { value: Settings; until: number } | null = null;

  async function settingsIn(tx: Tx): Promise<Settings> {
    if (cached && cached.until > performance.now()) return cached.value;
    const row = await repo.settings(tx);
    const value: Settings = row
      ? {
          allowedDomains: JSON.parse(row.allowed_domains) as string[],
          requireConsent: row.require_consent === 1,
          sameBrowserSamePerson: row.same_browser_same_person === 1,
          updatedAt: row.updated_at,
          updatedBy: row.updated_by,
        }
      : defaults;
    cached = { value, until: performance.now() + settingsTtlMs };
    return value;
  }

  const settingsView = (s: Settings): TrackingSettings => ({
    allowedDomains: s.allowedDomains,
    requireConsent: s.requireConsent,
    sameBrowserSamePerson: s.sameBrowserSamePerson,
    updatedAt: iso(s.updatedAt),
    updatedBy: s.updatedBy,
  });

  /** The current settings (cached for a few seconds). */
  async function settings(): Promise<TrackingSettings> {
    return settingsView(await settingsIn(db));
  }

  /** Replaces the settings; domains are normalised (a pasted URL becomes its host). */
  async function updateSettings(input: TrackingSettingsInput, ctx: WriteContext): Promise<TrackingSettings> {
    const details: ErrorDetail[] = [];
    const domains: string[] = [];
    input.allowedDomains.forEach((raw, i) => {
      const d = normaliseDomain(raw);
      if (d === null)
        details.push({
          field: `allowedDomains[${i}]`,
          rule: 'format',
          message: `“${raw.slice(0, 100)}” is not a domain (e.g. example.com or shop.example.com:8443)`,
        });
      else if (!domains.includes(d)) domains.push(d);
    });
    if (details.length > 0)
      throw new AppError('VALIDATION_FAILED', `${details[0]!.field}: ${details[0]!.message}`, { details });
    const now = clock.now();
    const by = ctx.actor.label ?? ctx.actor.type;
    await db.transaction().execute(async (tx) => {
      await repo.saveSettings(tx, {
        id: 'default',
        allowed_domains: JSON.stringify(domains),
        require_consent: input.requireConsent ? 1 : 0,
        same_browser_same_person: input.sameBrowserSamePerson ? 1 : 0,
        updated_at: now,
        updated_by: by,
      });
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'tracking.settings_changed',
        ip: ctx.ip ?? null,
        details: {
          allowedDomains: domains,
          requireConsent: input.requireConsent,
          sameBrowserSamePerson: input.sameBrowserSamePerson,
        },
      });
    });
    cached = null;
    return settings();
  }

  // ── Ingest ────────────────────────────────────────────────────────────────
  // Batches arriving together share one transaction (group commit): throughput is bound by the
  // hardware, not by one commit per request.
  const ingestTogether = createCoalescer<TrackBatch, IngestResult>(
    (batches) => db.transaction().execute((tx) => ingestIn(tx, batches)),
    { maxBatch: groupCommitMax, lingerMs: groupCommitLingerMs },
  );

  /** Stores a validated batch: touchpoints for known visitors, waiting events for anonymous ones. */
  async function ingest(batch: TrackBatch): Promise<IngestResult> {
    return ingestTogether(batch);
  }

  async function ingestIn(tx: Tx, batches: TrackBatch[]): Promise<IngestResult[]> {
    const now = clock.now();
    const known = await leads.visitors.leadsOf(
      tx,
      batches.map((b) => b.visitorId),
    );
    const anonymous: VisitorEventsTable[] = [];
    const live: Parameters<LeadsApi['recordTouchpoints']>[1] = [];
    const write = async () => {
      if (anonymous.length > 0) await repo.insertEvents(tx, anonymous.splice(0));
      if (live.length > 0) await leads.recordTouchpoints(tx, live.splice(0));
    };
    const results: IngestResult[] = [];
    for (const b of batches) {
      const r: IngestResult = { accepted: 0, dropped: 0 };
      for (const e of b.events) {
        if (e.type === 'identify') {
          // What came before the identify waits in the table, so the stitch finds it.
          await write();
          if (await identify(tx, b.visitorId, e, known)) r.accepted++;
          else r.dropped++;
          continue;
        }
        const target = known.get(b.visitorId);
        if (target?.trackingWithdrawn) {
          r.dropped++;
          continue;
        }
        const { type, properties } = touchpointOf(e, b.visitorId);
        if (target) {
          live.push({ leadId: target.leadId, type, occurredAt: e.at, source: 'tracking', properties });
        } else {
          anonymous.push({
            id: newId('vev', now),
            visitor_id: b.visitorId,
            type,
            occurred_at: e.at,
            properties: JSON.stringify(properties),
            received_at: now,
          });
        }
        r.accepted++;
      }
      results.push(r);
    }
    await write();
    await joinLateEvents(tx, batches, known);
    return results;
  }

  /**
   * On PostgreSQL an anonymous event can be stored by one transaction while another identifies its
   * visitor: such late events are joined to the lead with the visitor's next batch.
   */
  async function joinLateEvents(tx: Tx, batches: TrackBatch[], known: Map<string, VisitorLead>) {
    const visitors = [...new Set(batches.map((b) => b.visitorId))].filter((v) => {
      const k = known.get(v);
      return k && !k.trackingWithdrawn;
    });
    if (visitors.length === 0) return;
    const waiting = new Set((await repo.eventsOf(tx, visitors)).map((e) => e.visitor_id));
    for (const v of waiting)
      await stitchIn(tx, { visitorId: v, leadId: known.get(v)!.leadId, reason: 'api' });
  }

  /** Resolves an identify to a lead and stitches the browser to it; false when it was dropped. */
  async function identify(
    tx: Tx,
    visitorId: string,
    e: IdentifyEvent,
    known: Map<string, VisitorLead>,
  ): Promise<boolean> {
    const current = known.get(visitorId);
    if (!e.traits.email && !current) return false; // nobody to identify as
    const item: ResolveItem = { input: e.traits, visitorId };
    const opts = { source: 'tracking' as const, actor: visitorActor, at: e.at };
    let samePerson = false;
    if (e.traits.email && current && (await settingsIn(tx)).sameBrowserSamePerson) {
      // The resolver starts a new lead for a new email on a known browser; this site says that
      // browser is one person, so the new email goes to the browser's lead instead.
      const [dry] = await leads.resolveBatch(tx, [item], { ...opts, dryRun: true });
      if (dry?.status === 'created') {
        item.leadId = current.leadId;
        samePerson = true;
      }
    }
    const [r] = await leads.resolveBatch(tx, [item], opts);
    // An erased person's email, an invalid website…: the events stay anonymous.
    if (!r || r.status === 'error') return false;
    await stitchIn(tx, {
      visitorId,
      leadId: r.leadId,
      reason: 'identify',
      ...(samePerson ? { samePersonEmail: e.traits.email! } : {}),
    });
    const now = await leads.visitors.leadsOf(tx, [visitorId]);
    const fresh = now.get(visitorId);
    if (fresh) known.set(visitorId, fresh);
    else known.delete(visitorId);
    return true;
  }

  // ── Stitching ─────────────────────────────────────────────────────────────
  /**
   * Joins a visitor's browser to a lead inside the caller's transaction: its waiting anonymous
   * events become touchpoints on the lead (original times and properties, plus the stitch id), the
   * visitor id is attached to the lead, and the stitch is recorded. A browser known as another lead
   * moves to this one, and that lead keeps its history (`separate_person`). Stitching a browser to
   * the lead it already belongs to joins any stragglers and returns the existing stitch.
   */
  async function stitch(tx: Tx, input: StitchInput): Promise<Stitch> {
    return stitchView(await stitchIn(tx, input));
  }

  /**
   * Stitches many browsers in the caller's transaction (a group of form submissions). The common
   * case, a browser with no waiting events and no stitch yet that points at no lead or at this one,
   * costs a few queries for the whole group; every other case takes stitch's one-by-one path.
   * Records the same stitches and touchpoints as calling stitch for each.
   */
  async function stitchMany(tx: Tx, inputs: StitchInput[]): Promise<void> {
    if (inputs.length === 0) return;
    const visitorIds = inputs.map((i) => i.visitorId);
    const times = new Map<string, number>();
    for (const v of visitorIds) times.set(v, (times.get(v) ?? 0) + 1);
    const states = await leads.visitors.statesOf(
      tx,
      inputs.map((i) => i.leadId),
    );
    const current = await leads.visitors.leadsOf(tx, visitorIds);
    const stitched = new Set((await repo.activeStitchesOf(tx, visitorIds)).map((s) => s.visitor_id));
    const waiting = new Set((await repo.eventsOf(tx, visitorIds)).map((e) => e.visitor_id));
    const simple: StitchInput[] = [];
    const rest: StitchInput[] = [];
    for (const input of inputs) {
      const state = states.get(input.leadId);
      const on = current.get(input.visitorId);
      const easy =
        times.get(input.visitorId) === 1 &&
        state?.status === 'live' &&
        !state.trackingWithdrawn &&
        !stitched.has(input.visitorId) &&
        !waiting.has(input.visitorId) &&
        (!on || on.leadId === input.leadId);
      (easy ? simple : rest).push(input);
    }
    const now = clock.now();
    const rows: VisitorStitchesTable[] = [];
    const linked: Parameters<LeadsApi['recordTouchpoints']>[1] = [];
    for (const input of simple) {
      const { visitorId, leadId, reason } = input;
      if (!current.has(visitorId)) await leads.visitors.attach(tx, visitorId, leadId, now);
      const actor =
        input.actor ?? (reason === 'identify' ? visitorActor : { type: 'system' as const, label: reason });
      const id = newId('stitch', now);
      rows.push({
        id,
        visitor_id: visitorId,
        lead_id: leadId,
        reason,
        outcome: 'linked',
        previous_lead_id: null,
        event_count: 0,
        note: noteOf('linked', 0, null, undefined, 0),
        actor_type: actor.type,
        actor_id: 'id' in actor ? actor.id : null,
        actor_label: actor.label ?? null,
        at: now,
        undone_at: null,
        undone_by: null,
        undone_events: null,
      });
      linked.push({
        leadId,
        type: 'visitor_linked',
        occurredAt: now,
        source: reason === 'form' ? 'form' : reason === 'api' ? 'api' : 'tracking',
        actor,
        properties: { stitchId: id, visitorId, outcome: 'linked', events: 0 },
      });
    }
    await repo.insertStitches(tx, rows);
    if (linked.length > 0) await leads.recordTouchpoints(tx, linked);
    for (const input of rest) await stitchIn(tx, input);
  }

  async function stitchIn(
    tx: Tx,
    input: StitchInput & { samePersonEmail?: string },
  ): Promise<VisitorStitchesTable> {
    const { visitorId, leadId, reason } = input;
    const now = clock.now();
    const target = await leads.visitors.stateOf(tx, leadId);
    if (target?.status !== 'live')
      throw new AppError('LEAD_NOT_FOUND', `No live lead ${leadId} to join the visitor to`);
    const current = (await leads.visitors.leadsOf(tx, [visitorId])).get(visitorId);
    const active = await repo.activeStitchesOf(tx, [visitorId]);
    const existing = active.find((s) => s.lead_id === leadId);
    let outcome: StitchOutcome = 'linked';
    let previousLeadId: string | null = null;
    if (current && current.leadId !== leadId) {
      outcome = 'separate_person';
      previousLeadId = current.leadId;
    }
    if (input.samePersonEmail) outcome = 'same_person';
    if (current?.leadId !== leadId) await leads.visitors.attach(tx, visitorId, leadId, now);

    if (existing && outcome === 'linked') {
      const joined = await joinEvents(tx, visitorId, leadId, existing.id, target.trackingWithdrawn);
      if (joined > 0) await repo.addEventsToStitch(tx, existing.id, joined);
      return { ...existing, event_count: Number(existing.event_count) + joined };
    }
    const id = newId('stitch', now);
    const joined = await joinEvents(tx, visitorId, leadId, id, target.trackingWithdrawn);
    const waiting = target.trackingWithdrawn ? await repo.countEvents(tx, visitorId) : 0;
    const actor =
      input.actor ?? (reason === 'identify' ? visitorActor : { type: 'system' as const, label: reason });
    const row: VisitorStitchesTable = {
      id,
      visitor_id: visitorId,
      lead_id: leadId,
      reason,
      outcome,
      previous_lead_id: previousLeadId,
      event_count: joined,
      note: noteOf(outcome, joined, previousLeadId, input.samePersonEmail, waiting),
      actor_type: actor.type,
      actor_id: 'id' in actor ? actor.id : null,
      actor_label: actor.label ?? null,
      at: now,
      undone_at: null,
      undone_by: null,
      undone_events: null,
    };
    await repo.insertStitch(tx, row);
    await leads.recordTouchpoints(tx, [
      {
        leadId,
        type: 'visitor_linked',
        occurredAt: now,
        source: reason === 'form' ? 'form' : reason === 'api' ? 'api' : 'tracking',
        actor,
        properties: {
          stitchId: id,
          visitorId,
          outcome,
          events: joined,
          ...(previousLeadId ? { previousLeadId } : {}),
        },
      },
    ]);
    if (joined > 0) await recomputeTouches?.(tx, [leadId]);
    return row;
  }

  /** Moves the visitor's waiting events onto the lead as touchpoints; returns how many. */
  async function joinEvents(
    tx: Tx,
    visitorId: string,
    leadId: string,
    stitchId: string,
    trackingWithdrawn: boolean,
  ): Promise<number> {
    // A person who withdrew consent to tracking does not get their browsing joined to them.
    if (trackingWithdrawn) return 0;
    const events = await repo.eventsOf(tx, [visitorId]);
    if (events.length === 0) return 0;
    await leads.recordTouchpoints(
      tx,
      events.map((e) => ({
        leadId,
        type: e.type,
        occurredAt: Number(e.occurred_at),
        source: 'tracking' as const,
        properties: { ...(JSON.parse(e.properties) as Record<string, unknown>), stitchId },
      })),
    );
    await repo.deleteEvents(
      tx,
      events.map((e) => e.id),
    );
    return events.length;
  }

  /**
   * Undoes a stitch: the browser's page views and events on the lead go back to anonymous events
   * and the visitor id leaves the lead. Refused when a later stitch gave the browser to another
   * lead, when the lead was merged (undo the merge first) or erased.
   */
  async function undo(stitchId: string, ctx: WriteContext, viewer: Viewer): Promise<Stitch> {
    await db.transaction().execute(async (tx) => {
      const s = await repo.stitchById(tx, stitchId);
      // A stitch belongs to its lead: outside the viewer's leads it does not exist.
      if (!s || !(await permissions.canWorkLead(tx, viewer, s.lead_id, 'edit')))
        throw new AppError('STITCH_NOT_FOUND', `No stitch ${stitchId}`);
      if (s.undone_at !== null) throw new AppError('STITCH_NOT_UNDOABLE', 'This stitch was already undone.');
      const lead = await leads.visitors.stateOf(tx, s.lead_id);
      if (!lead) throw new AppError('STITCH_NOT_UNDOABLE', `Lead ${s.lead_id} no longer exists.`);
      if (lead.status === 'erased')
        throw new AppError('STITCH_NOT_UNDOABLE', `Lead ${s.lead_id} was erased; its history is gone.`);
      if (lead.status === 'merged')
        throw new AppError(
          'STITCH_NOT_UNDOABLE',
          `Lead ${s.lead_id} was merged into ${lead.mergedInto}; undo that merge first.`,
        );
      const current = (await leads.visitors.leadsOf(tx, [s.visitor_id])).get(s.visitor_id);
      if (current && current.leadId !== s.lead_id) {
        const later = (await repo.activeStitchesOf(tx, [s.visitor_id])).find(
          (x) => x.lead_id === current.leadId,
        );
        throw new AppError(
          'STITCH_NOT_UNDOABLE',
          `This browser was joined to lead ${current.leadId} later${later ? ` (stitch ${later.id})` : ''}; undo that first.`,
        );
      }
      const now = clock.now();
      const taken = await leads.visitors.takeTouchpoints(tx, s.lead_id, s.visitor_id);
      await repo.insertEvents(
        tx,
        taken.map((t) => {
          const { stitchId: _stitch, ...properties } = t.properties;
          return {
            id: newId('vev', now),
            visitor_id: s.visitor_id,
            type: t.type,
            occurred_at: Number(t.occurred_at),
            properties: JSON.stringify(properties),
            received_at: now,
          };
        }),
      );
      if (current) await leads.visitors.detach(tx, s.visitor_id, current.heldBy);
      const by = ctx.actor.label ?? ctx.actor.type;
      await repo.markUndone(tx, s.visitor_id, s.lead_id, { at: now, by, events: taken.length });
      await leads.recordTouchpoints(tx, [
        {
          leadId: s.lead_id,
          type: 'visitor_unlinked',
          occurredAt: now,
          source: ctx.source,
          actor: ctx.actor,
          properties: { stitchId, visitorId: s.visitor_id, events: taken.length },
        },
      ]);
      await recomputeTouches?.(tx, [s.lead_id]);
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'tracking.stitch_undone',
        target: { type: 'lead', id: s.lead_id },
        ip: ctx.ip ?? null,
        details: { stitchId, visitorId: s.visitor_id, events: taken.length },
      });
    });
    return stitchView((await repo.stitchById(db, stitchId))!);
  }

  /** The stitches that gave a browser to this lead or took one from it, newest first. */
  async function stitchesOf(leadId: string): Promise<Stitch[]> {
    await leads.get(leadId); // 404 for an unknown or merged lead
    return (await repo.stitchesOfLead(db, leadId)).map(stitchView);
  }

  /** Joins a browser to a lead through the API (server-side identify). */
  async function stitchByApi(leadId: string, visitorId: string, ctx: WriteContext): Promise<Stitch> {
    await leads.get(leadId);
    return db
      .transaction()
      .execute((tx) => stitch(tx, { visitorId, leadId, reason: 'api', actor: ctx.actor }));
  }

  /** Deletes anonymous events received before `olderThan` (epoch ms); returns how many. */
  async function purgeAnonymous(olderThan: number): Promise<number> {
    // Ids are `vev_` + the time they were made (10 characters of Crockford base32) + randomness:
    // every event id made before `olderThan` sorts below this one.
    let time = '';
    for (let v = Math.max(0, Math.floor(olderThan)), i = 0; i < 10; i++, v = Math.floor(v / 32))
      time = '0123456789abcdefghjkmnpqrstvwxyz'[v % 32] + time;
    const before = `vev_${time}`;
    let total = 0;
    for (;;) {
      const n = await db.transaction().execute((tx) => repo.purgeEvents(tx, before, 5000));
      total += n;
      if (n < 5000) return total;
    }
  }

  return {
    settings,
    settingsIn,
    updateSettings,
    ingest,
    stitch,
    stitchMany,
    undo,
    stitchesOf,
    stitchByApi,
    purgeAnonymous,
  };
}

function noteOf(
  outcome: StitchOutcome,
  joined: number,
  previousLeadId: string | null,
  samePersonEmail: string | undefined,
  waiting: number,
): string {
  const events = `${joined} earlier ${joined === 1 ? 'event' : 'events'} from this browser joined`;
  const withdrawn =
    waiting > 0
      ? ` This person withdrew consent to tracking: ${waiting} anonymous ${waiting === 1 ? 'event stays' : 'events stay'} unjoined.`
      : '';
  switch (outcome) {
    case 'linked':
      return `${events}.${withdrawn}`;
    case 'separate_person':
      return `This browser was known as lead ${previousLeadId}; a new email identified another person, so this lead was kept separate. Lead ${previousLeadId} keeps its history; the browser’s activity goes to this lead from now on.${withdrawn}`;
    case 'same_person':
      return `This browser identified with a new email (${samePersonEmail}); the same-browser policy treats it as the same person, so this lead was updated and keeps its email. ${events}.${withdrawn}`;
    default: {
      const never: never = outcome;
      return String(never);
    }
  }
}

export type TrackingService = ReturnType<typeof createTrackingService>;
