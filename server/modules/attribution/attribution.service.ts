/**
 * Channel attribution: the versioned rule set (one shared draft, published as numbered versions),
 * classifying touchpoints as they are inserted, each lead's first and last touch, and the
 * background reclassification of history after a publish or a change of campaign keys.
 */
import type { Insertable } from 'kysely';
import type {
  ClassifyResult,
  ClassifySample,
  Reclassification,
  ReclassificationStatus,
  RuleSetDefinition,
  RuleSetDraft,
  RuleSetVersion,
} from '../../../contracts/attribution.ts';
import type { Channel } from '../../../contracts/capture.ts';
import { attachment } from '../../platform/attachment.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { propertiesObjectOf } from '../../platform/db/parsed.ts';
import type {
  AttributionRunsTable,
  ChannelRuleVersionsTable,
  TouchpointsTable,
} from '../../platform/db/schema.ts';
import { AppError } from '../../platform/errors.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { JobContext } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import type { AuditService } from '../audit/index.ts';
import type { ResolvedListener, WriteContext } from '../leads/index.ts';
import type { ReclassifyJob } from './attribution.jobs.ts';
import type { AttributionRepo, ClassifiedRow } from './attribution.repo.ts';
import {
  type CompiledRules,
  classifiedTypes,
  classify,
  compileRules,
  defaultRuleSet,
  externalReferrer,
  factsOf,
  isTouch,
  originalSourceTypes,
  ruleSetProblems,
  webTypes,
} from './attribution.rules.ts';
import {
  attributionOf,
  type CampaignRef,
  type StoredTouch,
  storedTouch,
  touchColumns,
  touchesPatch,
  touchOfRow,
} from './attribution.touch.ts';

type Deps = {
  database: Database;
  repo: AttributionRepo;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue'>;
  job: () => ReclassifyJob;
  audit: Pick<AuditService, 'record'>;
  /** Touchpoints per reclassification transaction. */
  batchSize?: number;
  /** A pause between batches, so other requests get the database (SQLite has one writer). */
  pauseMs?: number;
};

const terminal: ReclassificationStatus[] = ['completed', 'failed', 'superseded'];

export function createAttributionService(deps: Deps) {
  const { database, repo, clock } = deps;
  const db = database.db;
  const batchSize = deps.batchSize ?? 500;
  const pauseMs = deps.pauseMs ?? 20;
  const compiled = new Map<number, CompiledRules>();

  function definitionOf(row: Pick<ChannelRuleVersionsTable, 'definition'>): RuleSetDefinition {
    return JSON.parse(row.definition) as RuleSetDefinition;
  }

  /** The published rules (version 1, the defaults, is written the first time anything asks). */
  async function current(
    tx: Tx,
    options: { lock?: boolean } = {},
  ): Promise<{ version: number; rules: CompiledRules }> {
    if (options.lock !== false) await repo.lockRules(tx, 'shared');
    let version = await repo.latestVersionNumber(tx);
    if (version === null) {
      await repo.insertVersion(tx, {
        version: 1,
        definition: JSON.stringify(defaultRuleSet),
        note: 'The default rules',
        published_at: clock.now(),
        published_by: null,
      });
      version = 1;
    }
    let rules = compiled.get(version);
    if (!rules) {
      const row = await repo.version(tx, version);
      rules = compileRules(row ? definitionOf(row) : defaultRuleSet);
      compiled.set(version, rules);
    }
    return { version, rules };
  }

  async function campaignMap(tx: Tx, keys: Iterable<string>): Promise<Map<string, CampaignRef>> {
    const list = [...new Set(keys)];
    const out = new Map<string, CampaignRef>();
    for (let i = 0; i < list.length; i += 500) {
      for (const c of await repo.campaignsByKeys(tx, list.slice(i, i + 500)))
        out.set(c.key, { id: c.id, name: c.name, channel: c.channel as Channel });
    }
    return out;
  }

  // ── Inline classification ────────────────────────────────────────────────

  /** Facts read from touchpoint rows while classifying them, for the listener that follows. */
  const factsRead = attachment<{ properties: unknown; facts: ReturnType<typeof factsOf> }>('facts read');
  /** Touchpoint rows classified before their lead's insert (see beforeLeadsInsert): not again. */
  const classifiedEarly = attachment('classified early');
  /** Touchpoint rows a new lead's first and last touch were computed from before its insert. */
  const counted = attachment('counted');

  /**
   * Sets the attribution columns of touchpoints about to be inserted (the leads module calls this
   * before every touchpoint insert, in the same transaction).
   */
  async function classifyRows(tx: Tx, rows: Insertable<TouchpointsTable>[]): Promise<void> {
    const todo: { row: Insertable<TouchpointsTable>; facts: NonNullable<ReturnType<typeof factsOf>> }[] = [];
    for (const row of rows) {
      if (!classifiedTypes.includes(row.type) || classifiedEarly.has(row)) continue;
      const facts = factsOf(row.type, propertiesObjectOf(row));
      factsRead.set(row, { properties: row.properties, facts });
      if (facts) todo.push({ row, facts });
    }
    if (todo.length === 0) return;
    const { version, rules } = await current(tx);
    const keys = todo.flatMap((t) => (t.facts.kind === 'web' && t.facts.campaign ? [t.facts.campaign] : []));
    const campaigns = keys.length > 0 ? await campaignMap(tx, keys) : new Map<string, CampaignRef>();
    for (const { row, facts } of todo) {
      const a = attributionOf(facts, rules, version, campaigns);
      if (a) Object.assign(row, a);
    }
  }

  /** A classified touchpoint row as a touch (null when it is none), reusing the facts read then. */
  function touchOf(tp: Insertable<TouchpointsTable>): StoredTouch | null {
    const read = factsRead.get(tp);
    return touchOfRow(
      tp as Parameters<typeof touchOfRow>[0],
      read && read.properties === tp.properties ? read : undefined,
    );
  }

  /**
   * New leads about to be inserted (the leads module calls this): their touchpoints are classified
   * now, and each lead's first and last touch, which only its own touchpoints decide, go into its
   * row, so it is written once instead of inserted and then updated by onResolved.
   */
  async function beforeLeadsInsert(
    tx: Tx,
    leads: { row: Record<string, unknown>; touchpoints: Insertable<TouchpointsTable>[] }[],
  ): Promise<void> {
    const rows = leads.flatMap((l) => l.touchpoints);
    await classifyRows(tx, rows);
    for (const row of rows) classifiedEarly.set(row, true);
    for (const lead of leads) {
      const touches: StoredTouch[] = [];
      for (const tp of lead.touchpoints) {
        const touch = touchOf(tp);
        if (touch) touches.push(touch);
        counted.set(tp, true);
      }
      // Every new row names the touch columns, so one insert statement serves the batch.
      Object.assign(
        lead.row,
        touchColumns('first', null),
        touchColumns('last', null),
        touchesPatch(null, null, touches),
      );
    }
  }

  /**
   * Moves each lead's first touch earlier and last touch later as new touches arrive (the leads
   * module tells this listener about every insert); touches a new lead was inserted with are in
   * its row already.
   */
  const onResolved: ResolvedListener = async (tx, resolved) => {
    const byLead = new Map<string, StoredTouch[]>();
    for (const r of resolved) {
      for (const tp of r.touchpoints) {
        if (counted.has(tp)) continue;
        const touch = touchOf(tp);
        if (!touch) continue;
        const list = byLead.get(r.leadId);
        if (list) list.push(touch);
        else byLead.set(r.leadId, [touch]);
      }
    }
    if (byLead.size === 0) return;
    const states = new Map((await repo.touchStates(tx, [...byLead.keys()])).map((s) => [s.id, s]));
    const patches: Parameters<typeof repo.setTouchesMany>[1] = [];
    for (const [leadId, touches] of byLead) {
      const state = states.get(leadId);
      if (!state) continue;
      const patch = touchesPatch(storedTouch(state.first_touch), storedTouch(state.last_touch), touches);
      if (Object.keys(patch).length > 0) patches.push({ leadId, patch });
    }
    await repo.setTouchesMany(tx, patches);
  };

  /**
   * Recomputes the first and last touch of leads from their touchpoints, for when touchpoints
   * moved between leads (merge, un-merge, undoing an identity stitch). Returns how many changed.
   */
  async function recomputeTouches(tx: Tx, leadIds: string[]): Promise<number> {
    const ids = [...new Set(leadIds)];
    if (ids.length === 0) return 0;
    let changed = 0;
    const states = new Map((await repo.touchStates(tx, ids)).map((s) => [s.id, s]));
    for (const id of ids) {
      const state = states.get(id);
      if (!state) continue;
      const firstRow = await repo.touchOf(tx, id, { latest: false });
      const lastRow =
        (await repo.touchOf(tx, id, { latest: true, types: webTypes })) ??
        (await repo.touchOf(tx, id, { latest: true, types: originalSourceTypes }));
      const first = firstRow ? touchOfRow(firstRow) : null;
      const last = lastRow ? touchOfRow(lastRow) : null;
      const patch = { ...touchColumns('first', first), ...touchColumns('last', last) };
      const same =
        (state.first_touch ?? null) === patch.first_touch &&
        (state.last_touch ?? null) === patch.last_touch &&
        (state.first_touch_campaign_id ?? null) === patch.first_touch_campaign_id &&
        (state.last_touch_campaign_id ?? null) === patch.last_touch_campaign_id;
      if (same) continue;
      await repo.setTouches(tx, id, patch);
      changed++;
    }
    return changed;
  }

  // ── Rules: draft, publish, versions, test ───────────────────────────────────

  function versionView(row: ChannelRuleVersionsTable, currentVersion: number): RuleSetVersion {
    return {
      version: Number(row.version),
      definition: definitionOf(row),
      note: row.note,
      publishedAt: iso(Number(row.published_at)),
      publishedBy: row.published_by,
      current: Number(row.version) === currentVersion,
    };
  }

  async function published(): Promise<RuleSetVersion> {
    const { version } = await db.transaction().execute((tx) => current(tx, { lock: false }));
    const row = await repo.version(db, version);
    return versionView(row!, version);
  }

  async function listVersions(): Promise<RuleSetVersion[]> {
    const { version } = await db.transaction().execute((tx) => current(tx, { lock: false }));
    return (await repo.versions(db)).map((r) => versionView(r, version));
  }

  async function getVersion(v: number): Promise<RuleSetVersion> {
    const latest = await repo.latestVersionNumber(db);
    const row = await repo.version(db, v);
    if (!row) throw new AppError('CHANNEL_RULES_VERSION_NOT_FOUND', `No published version ${v}`);
    return versionView(row, latest ?? 1);
  }

  /** The draft; when nobody has started one, a copy of the published rules. */
  async function getDraft(): Promise<RuleSetDraft> {
    const { version } = await db.transaction().execute((tx) => current(tx, { lock: false }));
    const d = await repo.draft(db);
    const pub = await repo.version(db, version);
    const pubDef = pub ? definitionOf(pub) : defaultRuleSet;
    if (!d) return { definition: pubDef, basedOn: version, changed: false, updatedAt: null, updatedBy: null };
    const definition = JSON.parse(d.definition) as RuleSetDefinition;
    return {
      definition,
      basedOn: Number(d.based_on),
      changed: JSON.stringify(definition) !== JSON.stringify(pubDef),
      updatedAt: iso(Number(d.updated_at)),
      updatedBy: d.updated_by,
    };
  }

  function check(definition: RuleSetDefinition): void {
    const problems = ruleSetProblems(definition);
    if (problems.length > 0)
      throw new AppError('VALIDATION_FAILED', `${problems[0]!.field}: ${problems[0]!.message}`, {
        details: problems,
      });
  }

  async function saveDraft(
    definition: RuleSetDefinition,
    basedOn: number,
    ctx: WriteContext,
  ): Promise<RuleSetDraft> {
    check(definition);
    await db.transaction().execute(async (tx) => {
      const { version } = await current(tx, { lock: false });
      if (basedOn !== version)
        throw new AppError(
          'CHANNEL_RULES_STALE_DRAFT',
          `Version ${version} was published since this draft was opened (from version ${basedOn}); reload it.`,
        );
      await repo.saveDraft(tx, {
        definition: JSON.stringify(definition),
        based_on: version,
        updated_at: clock.now(),
        updated_by: ctx.actor.label ?? null,
      });
    });
    return getDraft();
  }

  async function discardDraft(): Promise<RuleSetDraft> {
    await repo.deleteDraft(db);
    return getDraft();
  }

  /** Copies a published version into the draft (to go back to it, publish the draft). */
  async function restoreVersion(v: number, ctx: WriteContext): Promise<RuleSetDraft> {
    const row = await repo.version(db, v);
    if (!row) throw new AppError('CHANNEL_RULES_VERSION_NOT_FOUND', `No published version ${v}`);
    const latest = (await repo.latestVersionNumber(db)) ?? 1;
    return saveDraft(definitionOf(row), latest, ctx);
  }

  /** Publishes the draft as the next version and starts reclassifying history under it. */
  async function publish(
    note: string | null,
    ctx: WriteContext,
  ): Promise<{ version: RuleSetVersion; reclassification: Reclassification }> {
    const { version, runId } = await db.transaction().execute(async (tx) => {
      await repo.lockRules(tx, 'exclusive');
      const { version: latest } = await current(tx, { lock: false });
      const d = await repo.draft(tx);
      const pub = await repo.version(tx, latest);
      if (!d || d.definition === pub?.definition)
        throw new AppError('CHANNEL_RULES_UNCHANGED', 'The draft is the same as the published rules.');
      if (Number(d.based_on) !== latest)
        throw new AppError(
          'CHANNEL_RULES_STALE_DRAFT',
          `Version ${latest} was published since this draft was started; reload it.`,
        );
      check(JSON.parse(d.definition) as RuleSetDefinition);
      const now = clock.now();
      const next = latest + 1;
      await repo.insertVersion(tx, {
        version: next,
        definition: d.definition,
        note: note?.trim() || null,
        published_at: now,
        published_by: ctx.actor.label ?? null,
      });
      await repo.deleteDraft(tx);
      await repo.supersedeRuns(tx, next, now);
      const runId = await enqueueRun(tx, { reason: 'publish', version: next, keys: null });
      await deps.audit.record(tx, {
        actor: ctx.actor,
        action: 'channel_rules.published',
        target: { type: 'channel_rules', id: String(next) },
        ip: ctx.ip ?? null,
        details: { version: next, note },
      });
      return { version: next, runId };
    });
    return { version: await getVersion(version), reclassification: await getRun(runId) };
  }

  /** Classifies a sample visit against a rule set (the draft being edited, or the published one). */
  async function test(sample: ClassifySample, definition?: RuleSetDefinition): Promise<ClassifyResult> {
    if (definition) check(definition);
    const { rules: pubRules } = await db.transaction().execute((tx) => current(tx, { lock: false }));
    const rules = definition ? compileRules(definition) : pubRules;
    let facts: ReturnType<typeof factsOf>;
    if (sample.originalSource?.trim()) {
      facts = factsOf('imported', { originalSource: sample.originalSource });
    } else {
      const utm = {
        source: sample.utmSource,
        medium: sample.utmMedium,
        campaign: sample.utmCampaign,
      };
      const url = sample.url?.trim()
        ? /^https?:\/\//i.test(sample.url.trim())
          ? sample.url.trim()
          : `https://${sample.url.trim()}`
        : undefined;
      facts = factsOf('page_viewed', {
        page: { url: url ?? '', path: url ? safePath(url) : '/', referrer: sample.referrer ?? '' },
        utm,
        landing: true,
      });
    }
    const campaigns = await campaignMap(db, facts?.kind === 'web' && facts.campaign ? [facts.campaign] : []);
    const campaign = facts?.kind === 'web' && facts.campaign ? (campaigns.get(facts.campaign) ?? null) : null;
    const c = classify(facts!, rules, campaign);
    const web = facts?.kind === 'web' ? facts : null;
    return {
      channel: c.channel,
      ruleId: c.ruleId,
      reason: c.reason,
      campaignId: campaign?.id ?? null,
      source: web?.source ?? null,
      medium: web?.medium ?? null,
      campaign: web?.campaign ?? null,
      referrerDomain: web ? externalReferrer(web, rules) : null,
      landingPath: web?.landingPath ?? null,
    };
  }

  // ── Reclassification runs ────────────────────────────────────────────────

  function runView(r: AttributionRunsTable): Reclassification {
    return {
      id: r.id,
      reason: r.reason as 'publish' | 'campaign',
      ruleVersion: Number(r.rule_version),
      status: r.status as ReclassificationStatus,
      total: Number(r.total),
      done: Number(r.done),
      changed: Number(r.changed),
      leadsUpdated: Number(r.leads_updated),
      message: r.message,
      createdAt: iso(Number(r.created_at)),
      startedAt: iso(r.started_at === null ? null : Number(r.started_at)),
      finishedAt: iso(r.finished_at === null ? null : Number(r.finished_at)),
    };
  }

  /**
   * Queues a reclassification run inside the caller's transaction: of everything (a publish), or of
   * the touchpoints carrying some utm_campaign values (a campaign's keys changed).
   */
  async function enqueueRun(
    tx: Tx,
    o: { reason: 'publish' | 'campaign'; version?: number; keys: string[] | null },
  ): Promise<string> {
    const now = clock.now();
    const id = newId('rcl', now);
    const version = o.version ?? (await current(tx, { lock: false })).version;
    await repo.insertRun(tx, {
      id,
      reason: o.reason,
      rule_version: version,
      campaign_keys: o.keys ? JSON.stringify([...new Set(o.keys)].sort()) : null,
      status: 'queued',
      total: 0,
      done: 0,
      changed: 0,
      leads_updated: 0,
      checkpoint: null,
      message: null,
      created_at: now,
      started_at: null,
      finished_at: null,
      updated_at: now,
    });
    await deps.jobs.enqueue(tx, deps.job(), { runId: id });
    return id;
  }

  async function getRun(id: string): Promise<Reclassification> {
    const r = await repo.run(db, id);
    if (!r) throw new AppError('RECLASSIFICATION_NOT_FOUND', `No reclassification ${id}`);
    return runView(r);
  }

  async function listRuns(limit = 20): Promise<Reclassification[]> {
    return (await repo.runs(db, limit)).map(runView);
  }

  const same = (row: ClassifiedRow, a: NonNullable<ReturnType<typeof attributionOf>>) =>
    (row.channel ?? null) === a.channel &&
    (row.campaign_id ?? null) === a.campaign_id &&
    (row.utm_source ?? null) === a.utm_source &&
    (row.utm_medium ?? null) === a.utm_medium &&
    (row.utm_campaign ?? null) === a.utm_campaign;

  /** One batch of a run in its own short transaction; says whether more remain. */
  async function runBatch(runId: string): Promise<'more' | 'stop'> {
    return db.transaction().execute(async (tx) => {
      const r = await repo.run(tx, runId);
      if (r?.status !== 'running') return 'stop';
      const { version, rules } = await current(tx);
      const now = clock.now();
      if (r.reason === 'publish' && version > Number(r.rule_version)) {
        await repo.updateRun(tx, runId, {
          status: 'superseded',
          finished_at: now,
          updated_at: now,
          message: `Version ${version} was published meanwhile; its own run reclassifies everything.`,
        });
        return 'stop';
      }
      const keys = r.campaign_keys ? (JSON.parse(r.campaign_keys) as string[]) : null;
      const rows = await repo.batch(tx, {
        types: classifiedTypes,
        keys,
        after: r.checkpoint,
        limit: batchSize,
      });
      const facts = rows.map((row) => factsOf(row.type, propertiesObjectOf(row)));
      const campaigns = await campaignMap(
        tx,
        facts.flatMap((f) => (f?.kind === 'web' && f.campaign ? [f.campaign] : [])),
      );
      const groups = new Map<
        string,
        { values: NonNullable<ReturnType<typeof attributionOf>>; ids: string[] }
      >();
      const leads = new Set<string>();
      let changed = 0;
      rows.forEach((row, i) => {
        const a = attributionOf(facts[i]!, rules, version, campaigns);
        if (!a) return;
        if (same(row, a) && row.rule_version === a.rule_version) return;
        if (!same(row, a)) {
          changed++;
          leads.add(row.lead_id);
        }
        const key = JSON.stringify(a);
        const g = groups.get(key);
        if (g) g.ids.push(row.id);
        else groups.set(key, { values: a, ids: [row.id] });
      });
      for (const g of groups.values()) await repo.setAttribution(tx, g.ids, g.values);
      const leadsUpdated = await recomputeTouches(tx, [...leads]);
      const finished = rows.length < batchSize;
      await repo.updateRun(tx, runId, {
        done: Number(r.done) + rows.length,
        changed: Number(r.changed) + changed,
        leads_updated: Number(r.leads_updated) + leadsUpdated,
        checkpoint: rows.at(-1)?.id ?? r.checkpoint,
        updated_at: now,
        ...(finished ? { status: 'completed', finished_at: now } : {}),
      });
      return finished ? 'stop' : 'more';
    });
  }

  /**
   * Runs (or resumes, from its checkpoint) a reclassification: short transactions of a batch each,
   * with a pause between them so the app stays responsive while history is rewritten.
   */
  async function runReclassification(runId: string, ctx: Pick<JobContext, 'signal'>): Promise<void> {
    const r = await repo.run(db, runId);
    if (!r || terminal.includes(r.status as ReclassificationStatus)) return;
    if (r.status === 'queued') {
      const keys = r.campaign_keys ? (JSON.parse(r.campaign_keys) as string[]) : null;
      const total = await repo.countScope(db, classifiedTypes, keys);
      const now = clock.now();
      await repo.updateRun(db, runId, { status: 'running', total, started_at: now, updated_at: now }, [
        'queued',
      ]);
    }
    for (;;) {
      if ((await runBatch(runId)) === 'stop') return;
      if (ctx.signal.aborted)
        throw new Error('The reclassification was interrupted; it resumes from its checkpoint.');
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  async function markRunFailed(runId: string, error: Error): Promise<void> {
    const now = clock.now();
    await repo.updateRun(
      db,
      runId,
      { status: 'failed', finished_at: now, updated_at: now, message: error.message.slice(0, 500) },
      ['queued', 'running'],
    );
  }

  return {
    current,
    classifyRows,
    onResolved,
    beforeLeadsInsert,
    recomputeTouches,
    published,
    listVersions,
    getVersion,
    getDraft,
    saveDraft,
    discardDraft,
    restoreVersion,
    publish,
    test,
    enqueueRun,
    getRun,
    listRuns,
    runReclassification,
    markRunFailed,
    /** Whether a touchpoint would count as a touch (exposed for tests). */
    isTouch: (type: string, properties: Record<string, unknown>, rules: CompiledRules) => {
      const f = factsOf(type, properties);
      return f ? isTouch(f, rules) : false;
    },
  };
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '/';
  }
}

export type AttributionService = ReturnType<typeof createAttributionService>;
