import type { Expression, Kysely, SqlBool } from 'kysely';
import { channels } from '../../../contracts/capture.ts';
import {
  type Company,
  type CustomFieldDefinition,
  type CustomFieldType,
  customFieldTypes,
  type Lead,
  type LeadInput,
  LeadInput as LeadInputSchema,
  type LeadSource,
  type LifecycleStage,
  lifecycleStages,
  type MergeRule,
  type StandardField,
  standardFieldKeys,
  standardFields,
  type Touchpoint,
} from '../../../contracts/leads.ts';
import { salesStages } from '../../../contracts/permissions.ts';
import type { Clock } from '../../platform/clock.ts';
import { createCoalescer, groupCommitLingerMs, groupCommitMax } from '../../platform/db/coalesce.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import {
  type CompaniesTable,
  type DB,
  fromJson,
  type LeadMergesTable,
  type LeadsTable,
} from '../../platform/db/schema.ts';
import { AppError, validationError } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor, type Page } from '../../platform/http/pagination.ts';
import { iso } from '../../platform/http/schemas.ts';
import { itemValidator } from '../../platform/http/validation.ts';
import { newId } from '../../platform/ids.ts';
import type { Actor, AuditService } from '../audit/index.ts';
import {
  type LeadScope,
  leadsScopeCondition,
  type PermissionsService,
  systemViewer,
  type Viewer,
} from '../permissions/index.ts';
import type { FieldDefinition } from './custom-fields.ts';
import { columnOf, consentOf, customFieldsOf, type LeadRow, toLeadView } from './fields.ts';
import type { Definitions } from './identity.ts';
import { EmailTakenError, emailHash, type IdentityResolver, type ResolveResult } from './identity.ts';
import { type LeadFilter, type LeadsRepo, type SortField, sortColumns } from './leads.repo.ts';
import { searchTextOf } from './normalize.ts';

export type WriteContext = { actor: Actor; source: LeadSource; ip?: string | null };

export type BatchResult = {
  index: number;
  status: 'created' | 'updated' | 'unchanged' | 'error';
  id?: string;
  error?: { code: string; message: string; details?: { field: string; rule: string; message: string }[] };
};

export type ListQuery = Record<string, string | number | undefined> & {
  limit?: number;
  cursor?: string;
  sort?: string;
  q?: string;
};

export type MergeView = {
  id: string;
  survivorId: string;
  mergedId: string;
  at: string;
  actor: { type: string; id: string | null; label: string | null };
  undoneAt: string | null;
  mergedLead: { email: string | null; firstName: string | null; lastName: string | null };
};

type Snapshot = {
  survivorBefore: LeadRow;
  mergedBefore: LeadRow;
  survivorAfter: Record<string, unknown>;
  movedTouchpoints: string[];
  movedIdentities: { kind: string; system: string; value: string }[];
  /** What each lead data listener moved to the survivor, by listener name (un-merge moves it back). */
  movedData?: Record<string, unknown>;
};

/** One merge, as lead data listeners are told about it. */
export type LeadMergeRef = { mergeId: string; survivorId: string; mergedId: string };

/**
 * Another module's rows about leads (activities, tasks, notifications…): told, in the transaction
 * of a merge, an un-merge, an erasure or a deletion, so that its rows follow their lead.
 */
export type LeadDataListener = {
  /** A name for its part of a merge's record (unique among listeners). */
  name: string;
  /** Moves the merged lead's rows to the survivor; what it returns is kept with the merge. */
  merged(tx: Tx, merge: LeadMergeRef): Promise<unknown>;
  /** Moves back what `merged` moved (`moved` is what it returned; undefined for older merges). */
  unmerged(tx: Tx, merge: LeadMergeRef, moved: unknown): Promise<void>;
  /** Removes personal free text from the rows of these leads, which are being erased. */
  erased(tx: Tx, leadIds: string[]): Promise<void>;
  /** Deletes the rows of these leads, which are being deleted. */
  deleted(tx: Tx, leadIds: string[]): Promise<void>;
  /**
   * Its rows about these leads (the person's own and those merged into it) for a subject-access
   * export, under its own keys: what a person may ask to see. Optional.
   */
  exported?(tx: Tx, leadIds: string[]): Promise<Record<string, unknown>>;
};

type Deps = {
  database: Database;
  repo: LeadsRepo;
  resolver: IdentityResolver;
  audit: Pick<AuditService, 'record'>;
  clock: Clock;
  /** Told when touchpoints moved between leads (merge, un-merge), in the same transaction. */
  touchpointsMoved?: (tx: Tx, leadIds: string[]) => Promise<void>;
  /** Told when companies' fields changed (their leads' fit may follow), in the same transaction. */
  companiesChanged?: (tx: Tx, companyIds: string[]) => Promise<void>;
  /** Turn list parameters other modules own (`filter`, `segment`) into conditions. */
  listQueryHooks?: ListQueryHook[];
  /** Other modules' rows about leads, which follow merges, un-merges, erasures and deletions. */
  leadData?: LeadDataListener[];
  /** Who sees and works which lead. */
  permissions: Pick<
    PermissionsService,
    'requireLead' | 'canSeeLead' | 'canWorkLead' | 'visibleIds' | 'requireOwnerChange' | 'requireStageMove'
  >;
};

/** Reads the list parameters it owns and returns conditions on `leads` (or none). */
export type ListQueryHook = {
  keys: readonly string[];
  apply: (query: ListQuery) => Promise<Expression<SqlBool>[]>;
};

const personalColumns = [
  'email',
  'first_name',
  'last_name',
  'phone',
  'job_title',
  'website',
  'city',
  'company_name',
] as const;

function toAppError(r: Extract<ResolveResult, { status: 'error' }>): AppError {
  return new AppError(r.error.code, r.error.message, { details: r.error.details });
}

export function toTouchpointView(r: {
  id: string;
  lead_id: string;
  type: string;
  occurred_at: number;
  source: string;
  actor_type: string | null;
  actor_id: string | null;
  actor_label: string | null;
  properties: unknown;
  channel?: string | null;
  campaign_id?: string | null;
}): Touchpoint {
  return {
    id: r.id,
    leadId: r.lead_id,
    type: r.type,
    occurredAt: iso(r.occurred_at),
    source: r.source,
    actor: r.actor_type ? { type: r.actor_type, id: r.actor_id, label: r.actor_label } : null,
    properties: fromJson<Record<string, unknown>>(r.properties, {}),
    channel: (r.channel ?? null) as Touchpoint['channel'],
    campaignId: r.campaign_id ?? null,
  };
}

export function createLeadsService({
  database,
  repo,
  resolver,
  audit,
  clock,
  touchpointsMoved,
  companiesChanged,
  listQueryHooks = [],
  leadData = [],
  permissions,
}: Deps) {
  const db = database.db;

  /** The external ids of leads, in the order they were given. */
  async function externalIdsOf(
    tx: Kysely<DB>,
    leadIds: string[],
    range?: [string, string],
  ): Promise<Map<string, { system: string; id: string }[]>> {
    const identities = await repo.externalIdsOf(tx, leadIds, range);
    // Grouped once: a page of thousands of leads (exports) must not scan every identity per lead.
    const external = new Map<string, { system: string; id: string }[]>();
    for (const i of identities) {
      const list = external.get(i.lead_id);
      if (list) list.push({ system: i.system, id: i.value });
      else external.set(i.lead_id, [{ system: i.system, id: i.value }]);
    }
    return external;
  }

  async function views(tx: Kysely<DB>, rows: LeadRow[]): Promise<Lead[]> {
    const external = await externalIdsOf(
      tx,
      rows.map((r) => r.id),
    );
    // The predictive model's probability of open leads (predict module), one batched lookup.
    const predictions = new Map(
      rows.length === 0
        ? []
        : (
            await tx
              .selectFrom('lead_predictions')
              .select(['lead_id', 'probability', 'factors'])
              .where(
                'lead_id',
                'in',
                rows.map((r) => r.id),
              )
              .execute()
          ).map((p) => [p.lead_id, p]),
    );
    return rows.map((r) => {
      const view = toLeadView(r, external.get(r.id) ?? []);
      const p = predictions.get(r.id);
      // A lead that closed since the last training run has an outcome, no longer a probability.
      if (p && !['customer', 'disqualified', 'recycled'].includes(r.lifecycle_stage)) {
        view.conversionProbability = Number(p.probability);
        view.conversionFactors = fromJson(p.factors, []);
      }
      return view;
    });
  }

  /** Reads a live lead, or explains why it is not there. */
  async function liveRow(tx: Tx, id: string): Promise<LeadRow> {
    const [row] = await repo.byIds(tx, [id]);
    if (!row || row.erased_at !== null) throw new AppError('LEAD_NOT_FOUND', `No lead ${id}`);
    if (row.merged_into) {
      throw new AppError('LEAD_MERGED', `Lead ${id} was merged into ${row.merged_into}`, {
        details: [{ field: 'id', rule: 'merged', message: row.merged_into }],
      });
    }
    return row;
  }

  async function get(id: string): Promise<Lead> {
    const row = await liveRow(db, id);
    return (await views(db, [row]))[0]!;
  }

  /** Upserts one lead by identity; `created` tells 201 from 200. */
  // Concurrent single upserts share one resolver call and one transaction (group commit).
  const upsertTogether = createCoalescer<{ input: LeadInput; ctx: WriteContext }, ResolveResult>(
    async (items) => {
      // Items of different callers may differ in source and actor: one resolver call per kind.
      const out: ResolveResult[] = new Array(items.length);
      await db.transaction().execute(async (tx) => {
        const groups = Map.groupBy(
          items.map((it, i) => ({ ...it, i })),
          (it) => `${it.ctx.source}\u0000${JSON.stringify(it.ctx.actor)}`,
        );
        for (const group of groups.values()) {
          const { source, actor } = group[0]!.ctx;
          const results = await resolver.resolveBatch(
            tx,
            group.map((g) => ({ input: g.input })),
            { source, actor },
          );
          results.forEach((r, k) => {
            out[group[k]!.i] = { ...r, index: 0 } as ResolveResult;
          });
        }
      });
      return out;
    },
    { maxBatch: groupCommitMax, lingerMs: groupCommitLingerMs },
  );

  /** What the viewer's role may not send with a lead, whichever lead it matches: marketing, a sales stage. */
  function inputProblem(viewer: Viewer, input: LeadInput): AppError | null {
    if (viewer.role !== 'marketing' || !input.lifecycleStage || !salesStages.includes(input.lifecycleStage))
      return null;
    const message = 'marketing hands leads off at MQL; sales stages are set by sales';
    return new AppError('LEAD_ACTION_NOT_ALLOWED', `lifecycleStage: ${message}`, {
      details: [{ field: 'lifecycleStage', rule: 'role', message }],
    });
  }

  const asResolveError = (e: AppError): Extract<ResolveResult, { status: 'error' }>['error'] => ({
    code: e.code,
    message: e.message,
    details: e.details ?? [],
  });

  /**
   * Upserts for a viewer who sees only some leads (sales people). A dry run tells which lead each
   * item would match; an item matching a lead outside the scope is refused (LEAD_OUT_OF_SCOPE, and
   * nothing about that lead is told), an owner the viewer may not give is refused, and a new lead
   * belongs to its creator unless it names an owner the viewer may give it to. The allowed items
   * are then written in the same transaction; should a match have moved meanwhile (another
   * transaction wrote the same email), the whole call is refused rather than touch that lead.
   */
  async function resolveInScope(
    inputs: LeadInput[],
    ctx: WriteContext,
    viewer: Viewer,
  ): Promise<ResolveResult[]> {
    const opts = { source: ctx.source, actor: ctx.actor };
    return db.transaction().execute(async (tx) => {
      const dry = await resolver.resolveBatch(
        tx,
        inputs.map((input) => ({ input })),
        { ...opts, dryRun: true },
      );
      const fresh = new Set(dry.flatMap((r) => (r.status === 'created' ? [r.leadId] : [])));
      const existing = dry.flatMap((r) => (r.status !== 'error' && !fresh.has(r.leadId) ? [r.leadId] : []));
      const visible = await permissions.visibleIds(tx, viewer, existing);
      const out: ResolveResult[] = new Array(inputs.length);
      const allowed: { index: number; input: LeadInput; match: string | null }[] = [];
      dry.forEach((r, index) => {
        if (r.status === 'error') {
          out[index] = r;
          return;
        }
        const input = inputs[index]!;
        try {
          if (fresh.has(r.leadId)) {
            // No owner (absent or null) means the creator: a lead they could not see would be lost.
            const owner = input.ownerId ?? viewer.userId;
            permissions.requireOwnerChange(viewer, null, owner, true);
            allowed.push({ index, input: { ...input, ownerId: owner }, match: null });
            return;
          }
          if (!visible.has(r.leadId)) {
            const field = input.email ? 'email' : 'externalIds';
            throw new AppError(
              'LEAD_OUT_OF_SCOPE',
              `${field}: belongs to a lead that is not yours; nothing was written. Ask a manager or an admin to assign it to you`,
              { details: [{ field, rule: 'scope', message: 'belongs to a lead that is not yours' }] },
            );
          }
          // An upsert's null never overwrites (blanks never do), so only a named owner is a change.
          if (typeof input.ownerId === 'string') {
            const current = (r.changes.ownerId?.[0] as string | null | undefined) ?? r.snapshot.row.owner_id;
            permissions.requireOwnerChange(viewer, current, input.ownerId);
          }
          allowed.push({ index, input, match: r.leadId });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          out[index] = { index, status: 'error', error: asResolveError(error) };
        }
      });
      if (allowed.length === 0) return out;
      const written = await resolver.resolveBatch(
        tx,
        allowed.map((a) => ({ input: a.input })),
        opts,
      );
      const created = new Set(written.flatMap((r) => (r.status === 'created' ? [r.leadId] : [])));
      written.forEach((r, k) => {
        const a = allowed[k]!;
        if (r.status !== 'error' && (a.match === null ? !created.has(r.leadId) : r.leadId !== a.match))
          throw new AppError(
            'LEAD_OUT_OF_SCOPE',
            'Another change to the same person arrived meanwhile; nothing was written. Send it again',
          );
        out[a.index] = { ...r, index: a.index } as ResolveResult;
      });
      return out;
    });
  }

  /** Upserts one lead by identity; `created` tells 201 from 200. */
  async function upsert(
    input: LeadInput,
    ctx: WriteContext,
    viewer: Viewer,
  ): Promise<{ lead: Lead; created: boolean }> {
    const problem = inputProblem(viewer, input);
    if (problem) throw problem;
    const result =
      viewer.scope.kind === 'all'
        ? await upsertTogether({ input, ctx })
        : (await resolveInScope([input], ctx, viewer))[0];
    if (!result || result.status === 'error')
      throw toAppError(result as Extract<ResolveResult, { status: 'error' }>);
    // The resolver hands back the lead as written; its external ids are known when it is new.
    const { row, externalIds } = result.snapshot;
    const lead = externalIds ? toLeadView(row, externalIds) : (await views(db, [row]))[0]!;
    return { lead, created: result.status === 'created' };
  }

  /**
   * Upserts up to 1,000 leads; one result per item, in order; a bad item never fails the others.
   * Without a viewer it runs as the system (every lead): internal callers only.
   */
  async function batch(
    items: LeadInput[],
    ctx: WriteContext,
    viewer: Viewer = systemViewer,
  ): Promise<BatchResult[]> {
    const results: ResolveResult[] = new Array(items.length);
    const pass: number[] = [];
    items.forEach((input, index) => {
      const problem = inputProblem(viewer, input);
      if (problem) results[index] = { index, status: 'error', error: asResolveError(problem) };
      else pass.push(index);
    });
    const passing = pass.map((i) => items[i]!);
    const resolved =
      passing.length === 0
        ? []
        : viewer.scope.kind === 'all'
          ? await db.transaction().execute((tx) =>
              resolver.resolveBatch(
                tx,
                passing.map((input) => ({ input })),
                { source: ctx.source, actor: ctx.actor },
              ),
            )
          : await resolveInScope(passing, ctx, viewer);
    resolved.forEach((r, k) => {
      results[pass[k]!] = { ...r, index: pass[k]! } as ResolveResult;
    });
    return results.map((r) =>
      r.status === 'error'
        ? {
            index: r.index,
            status: 'error',
            error: { code: r.error.code, message: r.error.message, details: r.error.details },
          }
        : { index: r.index, status: r.status, id: r.leadId },
    );
  }

  const checkLeadInput = itemValidator(LeadInputSchema);

  /** Like `batch`, for items not yet checked against the lead schema: each is checked on its own. */
  async function batchUnchecked(items: unknown[], ctx: WriteContext, viewer: Viewer): Promise<BatchResult[]> {
    const valid: { index: number; input: LeadInput }[] = [];
    const out: BatchResult[] = new Array(items.length);
    items.forEach((item, index) => {
      const problems = checkLeadInput(item);
      if (problems) {
        const first = problems[0]!;
        out[index] = {
          index,
          status: 'error',
          error: {
            code: 'VALIDATION_FAILED',
            message: `${first.field}: ${first.message}`,
            details: problems,
          },
        };
      } else valid.push({ index, input: item as LeadInput });
    });
    if (valid.length > 0) {
      const results = await batch(
        valid.map((v) => v.input),
        ctx,
        viewer,
      );
      results.forEach((r, k) => {
        const index = valid[k]!.index;
        out[index] = { ...r, index };
      });
    }
    return out;
  }

  /** An explicit change: given values are set, null clears. */
  async function update(id: string, patch: LeadInput, ctx: WriteContext, viewer: Viewer): Promise<Lead> {
    try {
      const [result] = await db.transaction().execute(async (tx) => {
        await permissions.requireLead(tx, viewer, id, 'edit');
        const row = await liveRow(tx, id);
        if (patch.ownerId !== undefined) permissions.requireOwnerChange(viewer, row.owner_id, patch.ownerId);
        if (patch.lifecycleStage)
          permissions.requireStageMove(
            viewer,
            row.lifecycle_stage as LifecycleStage,
            patch.lifecycleStage,
            'lifecycleStage',
          );
        return resolver.resolveBatch(tx, [{ input: patch, leadId: id }], {
          source: ctx.source,
          actor: ctx.actor,
          mode: 'edit',
        });
      });
      if (!result || result.status === 'error')
        throw toAppError(result as Extract<ResolveResult, { status: 'error' }>);
    } catch (error) {
      if (error instanceof EmailTakenError) {
        // The other lead is named only to a viewer who sees it (who could merge the two).
        const other = (await permissions.canSeeLead(db, viewer, error.leadId))
          ? `lead ${error.leadId}`
          : 'another lead';
        throw new AppError(
          'LEAD_IDENTITY_CONFLICT',
          `${error.email} already belongs to ${other}; merge them instead`,
          {
            details: [{ field: 'email', rule: 'unique', message: `belongs to ${other}` }],
          },
        );
      }
      throw error;
    }
    return get(id);
  }

  /** Deletes a lead and its history for good (and the merged leads it absorbed). */
  async function remove(id: string, ctx: WriteContext, viewer: Viewer): Promise<void> {
    await db.transaction().execute(async (tx) => {
      await permissions.requireLead(tx, viewer, id, 'edit');
      const row = await liveRow(tx, id);
      const absorbed = (await repo.mergesOf(tx, id))
        .filter((m) => m.survivor_id === id && !m.undone_at)
        .map((m) => m.merged_id);
      for (const listener of leadData) await listener.deleted(tx, [id, ...absorbed]);
      await repo.deleteLeads(tx, [id, ...absorbed]);
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'lead.deleted',
        target: { type: 'lead', id },
        ip: ctx.ip ?? null,
        details: { email: row.email, absorbed: absorbed.length },
      });
    });
  }

  /** Deletes the leads among these that the viewer sees; the others count as not found. */
  async function removeMany(ids: string[], ctx: WriteContext, viewer: Viewer): Promise<number> {
    let done = 0;
    const visible = await permissions.visibleIds(db, viewer, ids);
    for (const id of ids) {
      if (!visible.has(id)) continue;
      try {
        await remove(id, ctx, viewer);
        done++;
      } catch (error) {
        if (!(error instanceof AppError) || error.status !== 404) throw error;
      }
    }
    return done;
  }

  // ── Lists ────────────────────────────────────────────────────────────────
  // Field definitions change rarely and are read on every write: cached for a few seconds, dropped
  // at once by changes made here; the resolver re-reads them when it meets an unknown key, so a
  // field created on another instance is usable immediately.
  let cachedDefinitions: { value: Definitions; at: number } | undefined;
  const definitionsTtlMs = 5000;

  async function definitions(tx: Tx, options: { fresh?: boolean } = {}): Promise<Definitions> {
    if (!options.fresh && cachedDefinitions && performance.now() - cachedDefinitions.at < definitionsTtlMs) {
      return cachedDefinitions.value;
    }
    const defs = await repo.customFieldDefs(tx);
    const rules = await repo.fieldRules(tx);
    const value: Definitions = {
      custom: new Map(defs.map((d) => [d.key, defOf(d)])),
      rules: new Map(rules.map((r) => [r.field, r.merge_rule as MergeRule])),
    };
    cachedDefinitions = { value, at: performance.now() };
    return value;
  }

  function forgetDefinitions(): void {
    cachedDefinitions = undefined;
  }

  const textFilterFields: StandardField[] = standardFieldKeys.filter(
    (k) => standardFields[k].type === 'text',
  );
  const reserved = new Set([
    'limit',
    'cursor',
    'sort',
    'q',
    'stage',
    'ownerId',
    'companyId',
    'createdAfter',
    'createdBefore',
    'updatedAfter',
    'companySizeMin',
    'companySizeMax',
    'ids',
    'firstTouchChannel',
    'firstTouchCampaignId',
  ]);

  /** Turns list query parameters into a filter within a scope, naming any parameter it does not know. */
  async function filterOf(query: ListQuery, scope: LeadScope): Promise<LeadFilter> {
    const f: LeadFilter = {};
    const inScope = leadsScopeCondition(scope, database.dialect);
    if (inScope) f.where = [inScope];
    const defs = await definitions(db);
    const date = (name: string) => {
      const v = query[name];
      if (v === undefined) return undefined;
      const t = Date.parse(String(v));
      if (!Number.isFinite(t)) throw validationError(name, 'format', 'must be a date or date-time');
      return t;
    };
    if (query.stage) {
      const stages = String(query.stage).split(',');
      const bad = stages.find((s) => !(lifecycleStages as readonly string[]).includes(s));
      if (bad)
        throw validationError(
          'stage',
          'enum',
          `"${bad}" is not a lifecycle stage (${lifecycleStages.join(', ')})`,
        );
      f.stages = stages;
    }
    if (query.ownerId !== undefined) f.ownerId = query.ownerId === 'none' ? null : String(query.ownerId);
    if (query.companyId) f.companyId = String(query.companyId);
    if (query.ids !== undefined) {
      // A selection (bulk actions, exports): comma-separated lead ids.
      const ids = String(query.ids)
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      if (ids.length > 1000) throw validationError('ids', 'maxItems', 'must name at most 1,000 leads');
      f.ids = ids;
    }
    if (query.q) f.q = String(query.q);
    if (query.firstTouchChannel) {
      // Attribution: leads by the channel (or campaign) of their first touch.
      const list = String(query.firstTouchChannel).split(',');
      const bad = list.find((c) => !(channels as readonly string[]).includes(c));
      if (bad)
        throw validationError(
          'firstTouchChannel',
          'enum',
          `"${bad}" is not a channel (${channels.join(', ')})`,
        );
      f.firstTouchChannels = list;
    }
    if (query.firstTouchCampaignId) f.firstTouchCampaignId = String(query.firstTouchCampaignId);
    f.createdAfter = date('createdAfter');
    f.createdBefore = date('createdBefore');
    f.updatedAfter = date('updatedAfter');
    for (const name of ['companySizeMin', 'companySizeMax'] as const) {
      if (query[name] === undefined) continue;
      const n = Number(query[name]);
      if (!Number.isInteger(n) || n < 0) throw validationError(name, 'type', 'must be a whole number');
      f[name] = n;
    }
    for (const hook of listQueryHooks) {
      if (hook.keys.some((k) => query[k] !== undefined))
        f.where = [...(f.where ?? []), ...(await hook.apply(query))];
    }
    const hooked = new Set(listQueryHooks.flatMap((h) => h.keys));
    for (const [key, raw] of Object.entries(query)) {
      if (raw === undefined || reserved.has(key) || hooked.has(key)) continue;
      if ((textFilterFields as string[]).includes(key)) {
        f.columns = { ...f.columns, [columnOf[key as StandardField]]: String(raw) };
        continue;
      }
      const custom = /^cf\.([a-z][a-z0-9_]*)$/.exec(key);
      const def = custom ? defs.custom.get(custom[1]!) : undefined;
      if (!def)
        throw validationError(key, 'known', 'is not a filter (use a lead field, or cf.<custom field key>)');
      let value: string | number | boolean = String(raw);
      if (def.type === 'number') {
        value = Number(raw);
        if (!Number.isFinite(value)) throw validationError(key, 'type', 'must be a number');
      }
      if (def.type === 'boolean') value = ['true', '1', 'yes'].includes(String(raw).toLowerCase());
      f.custom = [...(f.custom ?? []), { key: def.key, value, array: def.type === 'multiselect' }];
    }
    return f;
  }

  function sortOf(sort: string | undefined): { field: SortField; desc: boolean } {
    const s = sort ?? '-createdAt';
    const desc = s.startsWith('-');
    const field = (desc ? s.slice(1) : s) as SortField;
    if (!(field in sortColumns)) {
      throw validationError(
        'sort',
        'enum',
        `must be one of ${Object.keys(sortColumns).join(', ')}, optionally with a leading -`,
      );
    }
    return { field, desc };
  }

  /** A page of the leads in the scope that the query matches. */
  async function list(query: ListQuery, scope: LeadScope): Promise<Page<Lead>> {
    const limit = Number(query.limit ?? 50);
    const { field, desc } = sortOf(query.sort);
    const filter = await filterOf(query, scope);
    let after: { value: string | number | null; id: string } | undefined;
    if (query.cursor) {
      const [value, id] = decodeCursor(String(query.cursor), 2);
      after = { value: value ?? null, id: String(id) };
    }
    const rows = await repo.list(db, { filter, sort: field, desc, limit: limit + 1, after });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const column = sortColumns[field].column;
    return {
      data: await views(db, page),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor([
              (last as unknown as Record<string, string | number | null>)[column] ?? null,
              last.id,
            ])
          : null,
    };
  }

  /**
   * The leads a list query matches, as rows (not views: an export formats only the columns it
   * writes), a page at a time. With `sort`, in the list's order; without, in the order they were
   * stored (by id), which reads the table front to back instead of jumping around it by date. The
   * filter is checked and compiled once. External ids come with each page when asked for.
   */
  async function* rowPages(
    query: ListQuery,
    o: { pageSize: number; externalIds: boolean; columns?: readonly (keyof LeadsTable)[] },
    scope: LeadScope,
  ): AsyncGenerator<{ rows: LeadRow[]; externalIds: Map<string, { system: string; id: string }[]> }> {
    const order =
      query.sort === undefined ? { field: 'id' as const, desc: false } : sortOf(String(query.sort));
    const column = order.field === 'id' ? 'id' : sortColumns[order.field].column;
    const filter = await filterOf(query, scope);
    const everything = Object.values(filter).every((v) => v === undefined);
    let after: { value: string | number | null; id: string } | undefined;
    for (;;) {
      const rows = await repo.list(db, {
        filter,
        sort: order.field,
        desc: order.desc,
        limit: o.pageSize,
        after,
        columns: o.columns,
      });
      const first = rows[0];
      const last = rows.at(-1);
      const externalIds =
        o.externalIds && first && last
          ? await externalIdsOf(
              db,
              rows.map((r) => r.id),
              // A page of every lead in id order is (nearly) all leads of its id range: read the
              // range (with a filter, the range may hold far more leads than the page).
              everything && order.field === 'id'
                ? order.desc
                  ? [last.id, first.id]
                  : [first.id, last.id]
                : undefined,
            )
          : new Map();
      if (rows.length > 0) yield { rows, externalIds };
      if (rows.length < o.pageSize || !last) return;
      after = {
        value: (last as unknown as Record<string, string | number | null>)[column] ?? null,
        id: last.id,
      };
    }
  }

  async function count(query: ListQuery, scope: LeadScope): Promise<number> {
    return repo.count(db, await filterOf(query, scope));
  }

  /** The leads a list filter matches, counted per lifecycle stage (every stage named, in order). */
  async function stats(
    query: ListQuery,
    scope: LeadScope,
  ): Promise<{ total: number; byStage: Record<LifecycleStage, number> }> {
    const counts = new Map(
      (await repo.stageCounts(db, await filterOf(query, scope))).map((r) => [r.stage, r.count]),
    );
    const byStage = Object.fromEntries(lifecycleStages.map((s) => [s, counts.get(s) ?? 0])) as Record<
      LifecycleStage,
      number
    >;
    return { total: [...counts.values()].reduce((a, b) => a + b, 0), byStage };
  }

  async function touchpoints(
    id: string,
    o: { limit?: number; cursor?: string; type?: string },
  ): Promise<Page<Touchpoint>> {
    await liveRow(db, id);
    const limit = o.limit ?? 50;
    let before: { at: number; id: string } | undefined;
    if (o.cursor) {
      const [at, tid] = decodeCursor(o.cursor, 2);
      before = { at: Number(at), id: String(tid) };
    }
    const rows = await repo.touchpointsOf(db, id, {
      limit: limit + 1,
      before,
      types: o.type ? o.type.split(',') : undefined,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map(toTouchpointView),
      nextCursor: rows.length > limit && last ? encodeCursor([last.occurred_at, last.id]) : null,
    };
  }

  // ── Merge and un-merge ───────────────────────────────────────────────────
  /**
   * Merges `mergedId` into `survivorId`. The survivor keeps its values; blanks are filled from the
   * merged lead; `prefer` takes named fields from the merged lead instead. Every touchpoint and
   * identity moves to the survivor; the merged lead stays as a tombstone so its email still finds
   * the survivor, and the merge can be undone.
   */
  async function merge(
    survivorId: string,
    mergedId: string,
    prefer: string[],
    ctx: WriteContext,
    viewer: Viewer,
  ): Promise<{ merge: MergeView; lead: Lead }> {
    if (survivorId === mergedId) throw validationError('mergedId', 'different', 'must be another lead');
    const mergeId = await db.transaction().execute(async (tx) => {
      await permissions.requireLead(tx, viewer, survivorId, 'edit');
      await permissions.requireLead(tx, viewer, mergedId, 'edit', 'mergedId');
      const survivor = await liveRow(tx, survivorId);
      const merged = await liveRow(tx, mergedId);
      const now = clock.now();
      const after: Record<string, unknown> = {};
      const row = survivor as unknown as Record<string, unknown>;
      const other = merged as unknown as Record<string, unknown>;
      for (const key of standardFieldKeys) {
        if (key === 'email') continue;
        const column = columnOf[key];
        const mine = row[column];
        const theirs = other[column];
        if (theirs !== null && (mine === null || prefer.includes(key)) && theirs !== mine)
          after[column] = theirs;
      }
      const custom = customFieldsOf(survivor);
      const otherCustom = customFieldsOf(merged);
      let customChanged = false;
      for (const [k, v] of Object.entries(otherCustom)) {
        if (
          v !== null &&
          (custom[k] === undefined || custom[k] === null || prefer.includes(`customFields.${k}`))
        ) {
          custom[k] = v;
          customChanged = true;
        }
      }
      if (customChanged) after.custom_fields = JSON.stringify(custom);
      if (!survivor.owner_id && merged.owner_id) after.owner_id = merged.owner_id;
      if (prefer.includes('lifecycleStage')) after.lifecycle_stage = merged.lifecycle_stage;
      if (merged.created_at < survivor.created_at) after.created_at = merged.created_at;
      const consent = consentOf(survivor);
      let consentChanged = false;
      for (const [purpose, c] of Object.entries(consentOf(merged))) {
        const mine = consent[purpose as keyof typeof consent];
        if (!mine || mine.at < c.at) {
          consent[purpose as keyof typeof consent] = c;
          consentChanged = true;
        }
      }
      if (consentChanged) after.consent = JSON.stringify(consent);
      const movedTouchpoints = await repo.touchpointIdsOf(tx, mergedId);
      const movedIdentities = (await repo.identitiesOf(tx, [mergedId])).map((i) => ({
        kind: i.kind,
        system: i.system,
        value: i.value,
      }));
      const id = newId('mrg', now);
      // Activities, tasks, notifications… follow the person; what moved is kept for un-merge.
      const movedData: Record<string, unknown> = {};
      for (const listener of leadData)
        movedData[listener.name] = await listener.merged(tx, { mergeId: id, survivorId, mergedId });
      const snapshot: Snapshot = {
        survivorBefore: survivor,
        mergedBefore: merged,
        survivorAfter: after,
        movedTouchpoints,
        movedIdentities,
        movedData,
      };
      await repo.insertMerge(tx, {
        id,
        survivor_id: survivorId,
        merged_id: mergedId,
        at: now,
        actor_type: ctx.actor.type,
        actor_id: 'id' in ctx.actor ? ctx.actor.id : null,
        actor_label: ctx.actor.label ?? null,
        snapshot: JSON.stringify(snapshot),
        undone_at: null,
        undone_by: null,
      });
      await repo.moveTouchpoints(tx, movedTouchpoints, survivorId);
      await repo.moveIdentities(tx, mergedId, survivorId);
      const next = { ...survivor, ...after } as LeadRow;
      await repo.updateLead(tx, survivorId, {
        ...(after as object),
        search_text: searchTextOf(next),
        updated_at: now,
      });
      await repo.updateLead(tx, mergedId, { merged_into: survivorId, updated_at: now });
      await repo.insertTouchpoints(tx, [
        {
          id: newId('tp', now),
          lead_id: survivorId,
          type: 'merged',
          occurred_at: now,
          source: ctx.source,
          actor_type: ctx.actor.type,
          actor_id: 'id' in ctx.actor ? ctx.actor.id : null,
          actor_label: ctx.actor.label ?? null,
          properties: JSON.stringify({
            mergeId: id,
            mergedLeadId: mergedId,
            mergedEmail: merged.email,
            changes: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, [row[k] ?? null, v]])),
          }),
          created_at: now,
        },
      ]);
      await touchpointsMoved?.(tx, [survivorId, mergedId]);
      return id;
    });
    const m = await repo.mergeById(db, mergeId);
    return { merge: mergeView(m!), lead: await get(survivorId) };
  }

  /** Undoes a merge: both leads as they were, except what was changed on the survivor since. */
  async function unmerge(
    mergeId: string,
    ctx: WriteContext,
    viewer: Viewer,
  ): Promise<{ survivor: Lead; restored: Lead }> {
    const m = await repo.mergeById(db, mergeId);
    // A merge belongs to its surviving lead: outside the viewer's leads it does not exist.
    if (!m || !(await permissions.canWorkLead(db, viewer, m.survivor_id, 'edit')))
      throw new AppError('MERGE_NOT_FOUND', `No merge ${mergeId}`);
    await db.transaction().execute(async (tx) => {
      const current = await repo.mergeById(tx, mergeId);
      if (!current || current.undone_at !== null)
        throw new AppError('MERGE_NOT_UNDOABLE', 'This merge was already undone.');
      const later = await repo.laterMerges(tx, [m.survivor_id, m.merged_id], mergeId);
      if (later.length > 0) {
        throw new AppError(
          'MERGE_NOT_UNDOABLE',
          `A later merge (${later[0]!.id}) involves these leads; undo it first.`,
        );
      }
      const snap = JSON.parse(m.snapshot) as Snapshot;
      const now = clock.now();
      const [survivor] = await repo.byIds(tx, [m.survivor_id]);
      if (!survivor) throw new AppError('MERGE_NOT_UNDOABLE', 'The surviving lead no longer exists.');
      const revert: Record<string, unknown> = {};
      const before = snap.survivorBefore as unknown as Record<string, unknown>;
      const currentRow = survivor as unknown as Record<string, unknown>;
      for (const [column, value] of Object.entries(snap.survivorAfter)) {
        // Only what still holds the merged value goes back; later edits stay.
        const json = column === 'custom_fields' || column === 'consent';
        const now_ = json ? fromJson(currentRow[column], {}) : currentRow[column];
        const merged_ = json ? fromJson(value, {}) : value;
        if (JSON.stringify(now_) === JSON.stringify(merged_)) {
          revert[column] =
            typeof before[column] === 'object' && before[column] !== null
              ? JSON.stringify(before[column])
              : before[column];
        }
      }
      await repo.moveTouchpoints(tx, snap.movedTouchpoints, m.merged_id);
      await repo.moveIdentities(tx, m.survivor_id, m.merged_id, snap.movedIdentities);
      const ref = { mergeId, survivorId: m.survivor_id, mergedId: m.merged_id };
      for (const listener of leadData) await listener.unmerged(tx, ref, snap.movedData?.[listener.name]);
      const restoredSurvivor = { ...survivor, ...revert } as LeadRow;
      await repo.updateLead(tx, m.survivor_id, {
        ...(revert as object),
        search_text: searchTextOf(restoredSurvivor),
        updated_at: now,
      });
      await repo.updateLead(tx, m.merged_id, { merged_into: null, updated_at: now });
      await repo.markMergeUndone(
        tx,
        mergeId,
        now,
        'id' in ctx.actor ? ctx.actor.id : (ctx.actor.label ?? null),
      );
      const tp = (leadId: string, other: string) => ({
        id: newId('tp', now),
        lead_id: leadId,
        type: 'unmerged',
        occurred_at: now,
        source: ctx.source,
        actor_type: ctx.actor.type,
        actor_id: 'id' in ctx.actor ? ctx.actor.id : null,
        actor_label: ctx.actor.label ?? null,
        properties: JSON.stringify({ mergeId, otherLeadId: other }),
        created_at: now,
      });
      await repo.insertTouchpoints(tx, [tp(m.survivor_id, m.merged_id), tp(m.merged_id, m.survivor_id)]);
      await touchpointsMoved?.(tx, [m.survivor_id, m.merged_id]);
    });
    return { survivor: await get(m.survivor_id), restored: await get(m.merged_id) };
  }

  function mergeView(m: LeadMergesTable): MergeView {
    const snap = JSON.parse(m.snapshot) as Snapshot;
    return {
      id: m.id,
      survivorId: m.survivor_id,
      mergedId: m.merged_id,
      at: iso(m.at),
      actor: { type: m.actor_type, id: m.actor_id, label: m.actor_label },
      undoneAt: iso(m.undone_at),
      mergedLead: {
        email: snap.mergedBefore.email,
        firstName: snap.mergedBefore.first_name,
        lastName: snap.mergedBefore.last_name,
      },
    };
  }

  async function merges(leadId: string): Promise<MergeView[]> {
    await liveRow(db, leadId);
    return (await repo.mergesOf(db, leadId)).map(mergeView);
  }

  // ── Privacy ──────────────────────────────────────────────────────────────
  /** Everything held about a person, for a subject-access request. */
  async function exportPerson(id: string, ctx: WriteContext) {
    const row = await liveRow(db, id);
    const [lead] = await views(db, [row]);
    const absorbed = (await repo.mergesOf(db, id)).filter((m) => m.survivor_id === id && !m.undone_at);
    const tps: Touchpoint[] = [];
    let before: { at: number; id: string } | undefined;
    for (;;) {
      const rows = await repo.touchpointsOf(db, id, { limit: 1000, before });
      tps.push(...rows.map(toTouchpointView));
      if (rows.length < 1000) break;
      const last = rows.at(-1)!;
      before = { at: last.occurred_at, id: last.id };
    }
    const related: Record<string, unknown> = {};
    const ids = [id, ...new Set(absorbed.map((m) => m.merged_id))];
    for (const listener of leadData)
      if (listener.exported) Object.assign(related, await listener.exported(db, ids));
    const consentEvents = await repo.consentEventsOf(db, id);
    const identities = await repo.identitiesOf(db, [id]);
    const company = row.company_id ? await repo.companyById(db, row.company_id) : undefined;
    await audit.record(db, {
      actor: ctx.actor,
      action: 'lead.exported',
      target: { type: 'lead', id },
      ip: ctx.ip ?? null,
      details: { touchpoints: tps.length },
    });
    return {
      exportedAt: iso(clock.now()),
      lead,
      company: company ? companyView(company, 0) : null,
      identities: identities.map((i) => ({
        kind: i.kind,
        system: i.system || null,
        value: i.value,
        since: iso(i.created_at),
      })),
      consentHistory: consentEvents.map((e) => ({
        purpose: e.purpose,
        status: e.status,
        source: e.source,
        textVersion: e.text_version,
        at: iso(e.at),
      })),
      touchpoints: tps,
      mergedRecords: absorbed.map((m) => {
        const snap = JSON.parse(m.snapshot) as Snapshot;
        return { mergedAt: iso(m.at), record: toLeadView(snap.mergedBefore) };
      }),
      ...related,
    };
  }

  /**
   * Erases a person: personal data removed from the lead, the leads merged into it, its touchpoints
   * and identities; anonymous facts (stage, dates, country, industry, company size, touchpoint types
   * and times) kept for aggregates. The email's hash is blocked from silent re-import.
   */
  async function erase(id: string, ctx: WriteContext): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const row = await liveRow(tx, id);
      const now = clock.now();
      // The leads merged into this one (and still merged: an undone merge gave the other person
      // back their own record, which this erasure does not touch).
      const absorbed = [
        ...new Set(
          (await repo.mergesOf(tx, id))
            .filter((m) => m.survivor_id === id && m.undone_at === null)
            .map((m) => m.merged_id),
        ),
      ];
      const all = await repo.byIds(tx, [id, ...absorbed]);
      for (const r of all) {
        if (r.email) await repo.blockErased(tx, emailHash(r.email), now);
        const wipe: Record<string, null> = {};
        for (const c of personalColumns) wipe[c] = null;
        await repo.updateLead(tx, r.id, {
          ...wipe,
          owner_id: r.owner_id,
          custom_fields: '{}',
          consent: '{}',
          field_times: '{}',
          search_text: '',
          erased_at: now,
          updated_at: now,
        });
      }
      const ids = all.map((r) => r.id);
      for (const listener of leadData) await listener.erased(tx, ids);
      await tx.deleteFrom('lead_identities').where('lead_id', 'in', ids).execute();
      await tx.deleteFrom('consent_events').where('lead_id', 'in', ids).execute();
      await tx
        .updateTable('touchpoints')
        .set({ properties: '{}', actor_label: null })
        .where('lead_id', 'in', ids)
        .execute();
      await tx
        .updateTable('lead_merges')
        .set({ snapshot: JSON.stringify({ erased: true }), undone_at: now, undone_by: 'erased' })
        .where((eb) => eb.or([eb('survivor_id', 'in', ids), eb('merged_id', 'in', ids)]))
        .execute();
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'lead.erased',
        target: { type: 'lead', id },
        ip: ctx.ip ?? null,
        details: { records: ids.length, hadEmail: row.email !== null },
      });
    });
  }

  // ── Companies ────────────────────────────────────────────────────────────
  function companyView(c: CompaniesTable, leadCount: number): Company {
    return {
      id: c.id,
      domain: c.domain,
      name: c.name,
      industry: c.industry,
      employees: c.employees,
      country: c.country,
      ownerId: c.owner_id,
      leadCount,
      createdAt: iso(c.created_at),
      updatedAt: iso(c.updated_at),
    };
  }

  async function listCompanies(o: { q?: string; limit?: number; cursor?: string }): Promise<Page<Company>> {
    const limit = o.limit ?? 50;
    let after: { name: string; id: string } | undefined;
    if (o.cursor) {
      const [name, id] = decodeCursor(o.cursor, 2);
      after = { name: String(name), id: String(id) };
    }
    const rows = await repo.listCompanies(db, { q: o.q, limit: limit + 1, after });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map((r) => companyView(r, Number(r.lead_count ?? 0))),
      nextCursor:
        rows.length > limit && last ? encodeCursor([last.name?.toLowerCase() ?? last.domain, last.id]) : null,
    };
  }

  async function getCompany(id: string): Promise<Company> {
    const c = await repo.companyById(db, id);
    if (!c) throw new AppError('COMPANY_NOT_FOUND', `No company ${id}`);
    return companyView(c, await repo.leadCountOfCompany(db, id));
  }

  async function updateCompany(
    id: string,
    patch: {
      name?: string | null;
      industry?: string | null;
      employees?: number | null;
      country?: string | null;
      ownerId?: string | null;
    },
    ctx: WriteContext,
    activeUserIds: (tx: Tx, ids: string[]) => Promise<Set<string>>,
  ): Promise<Company> {
    await db.transaction().execute(async (tx) => {
      const c = await repo.companyById(tx, id);
      if (!c) throw new AppError('COMPANY_NOT_FOUND', `No company ${id}`);
      if (patch.ownerId && !(await activeUserIds(tx, [patch.ownerId])).has(patch.ownerId)) {
        throw validationError('ownerId', 'exists', 'is not an active user');
      }
      await repo.updateCompany(tx, id, {
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.industry !== undefined ? { industry: patch.industry } : {}),
        ...(patch.employees !== undefined ? { employees: patch.employees } : {}),
        ...(patch.country !== undefined ? { country: patch.country } : {}),
        ...(patch.ownerId !== undefined ? { owner_id: patch.ownerId } : {}),
        updated_at: clock.now(),
      });
      void ctx;
      await companiesChanged?.(tx, [id]);
    });
    return getCompany(id);
  }

  // ── Custom fields ────────────────────────────────────────────────────────
  function defOf(d: {
    key: string;
    label: string;
    type: string;
    options: string;
    merge_rule: string;
    archived_at: number | null;
  }): FieldDefinition {
    return {
      key: d.key,
      label: d.label,
      type: d.type as CustomFieldType,
      options: JSON.parse(d.options) as string[],
      mergeRule: d.merge_rule as MergeRule,
      archived: d.archived_at !== null,
    };
  }

  function customFieldView(d: {
    id: string;
    key: string;
    label: string;
    type: string;
    options: string;
    help_text: string | null;
    merge_rule: string;
    archived_at: number | null;
    created_at: number;
  }): CustomFieldDefinition {
    return {
      id: d.id,
      key: d.key,
      label: d.label,
      type: d.type as CustomFieldType,
      options: JSON.parse(d.options) as string[],
      helpText: d.help_text,
      mergeRule: d.merge_rule as MergeRule,
      archived: d.archived_at !== null,
      createdAt: iso(d.created_at),
    };
  }

  async function listCustomFields(): Promise<CustomFieldDefinition[]> {
    return (await repo.customFieldDefs(db)).map(customFieldView);
  }

  function checkOptions(type: CustomFieldType, options: string[] | undefined): string[] {
    const opts = [...new Set((options ?? []).map((o) => o.trim()).filter(Boolean))];
    if ((type === 'select' || type === 'multiselect') && opts.length === 0) {
      throw validationError('options', 'minItems', 'a select field needs at least one option');
    }
    if (type !== 'select' && type !== 'multiselect' && opts.length > 0) {
      throw validationError('options', 'type', `a ${type} field has no options`);
    }
    return opts;
  }

  async function createCustomField(
    input: {
      key: string;
      label: string;
      type: CustomFieldType;
      options?: string[];
      helpText?: string | null;
      mergeRule?: MergeRule;
    },
    ctx: WriteContext,
  ): Promise<CustomFieldDefinition> {
    if (!(customFieldTypes as readonly string[]).includes(input.type))
      throw validationError('type', 'enum', 'is not a field type');
    if ((standardFieldKeys as string[]).includes(input.key)) {
      throw new AppError('CUSTOM_FIELD_KEY_TAKEN', `"${input.key}" is a standard lead field`, {
        details: [{ field: 'key', rule: 'unique', message: 'is a standard lead field' }],
      });
    }
    const options = checkOptions(input.type, input.options);
    const now = clock.now();
    const row = {
      id: newId('cf', now),
      key: input.key,
      label: input.label.trim(),
      type: input.type,
      options: JSON.stringify(options),
      help_text: input.helpText ?? null,
      merge_rule: input.mergeRule ?? 'newest',
      position: now,
      archived_at: null,
      created_at: now,
      updated_at: now,
    };
    await db.transaction().execute(async (tx) => {
      if ((await repo.customFieldDefs(tx)).some((d) => d.key === input.key)) {
        throw new AppError('CUSTOM_FIELD_KEY_TAKEN', `A custom field "${input.key}" exists`, {
          details: [{ field: 'key', rule: 'unique', message: 'is taken' }],
        });
      }
      await repo.insertCustomField(tx, row);
      forgetDefinitions();
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'custom_field.created',
        target: { type: 'custom_field', id: row.id },
        ip: ctx.ip ?? null,
        details: { key: row.key, type: row.type },
      });
    });
    return customFieldView(row);
  }

  async function updateCustomField(
    id: string,
    patch: {
      label?: string;
      options?: string[];
      helpText?: string | null;
      mergeRule?: MergeRule;
      archived?: boolean;
    },
    ctx: WriteContext,
  ): Promise<CustomFieldDefinition> {
    return db.transaction().execute(async (tx) => {
      const d = (await repo.customFieldDefs(tx)).find((x) => x.id === id);
      if (!d) throw new AppError('CUSTOM_FIELD_NOT_FOUND', `No custom field ${id}`);
      const now = clock.now();
      const next = { ...d };
      if (patch.label !== undefined) next.label = patch.label.trim();
      if (patch.helpText !== undefined) next.help_text = patch.helpText;
      if (patch.mergeRule !== undefined) next.merge_rule = patch.mergeRule;
      if (patch.archived !== undefined) next.archived_at = patch.archived ? (d.archived_at ?? now) : null;
      if (patch.options !== undefined) {
        const options = checkOptions(d.type as CustomFieldType, patch.options);
        // Options in use stay valid: they may be added or reordered, not dropped.
        const removed = (JSON.parse(d.options) as string[]).filter((o) => !options.includes(o));
        if (removed.length > 0) {
          throw validationError(
            'options',
            'keep',
            `existing options cannot be removed (${removed.join(', ')}); archive the field instead`,
          );
        }
        next.options = JSON.stringify(options);
      }
      next.updated_at = now;
      await repo.updateCustomField(tx, id, next);
      forgetDefinitions();
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'custom_field.updated',
        target: { type: 'custom_field', id },
        ip: ctx.ip ?? null,
        details: patch as Record<string, unknown>,
      });
      return customFieldView(next);
    });
  }

  async function fieldRules(): Promise<{ field: string; label: string; mergeRule: MergeRule }[]> {
    const rules = new Map((await repo.fieldRules(db)).map((r) => [r.field, r.merge_rule as MergeRule]));
    return [...standardFieldKeys.filter((k) => k !== 'email'), 'ownerId'].map((field) => ({
      field,
      label: field === 'ownerId' ? 'Owner' : standardFields[field as StandardField].label,
      mergeRule: rules.get(field) ?? 'newest',
    }));
  }

  async function setFieldRule(field: string, rule: MergeRule, ctx: WriteContext) {
    const known = (await fieldRules()).some((r) => r.field === field);
    if (!known) throw validationError('field', 'known', `"${field}" is not a lead field with a merge rule`);
    await db.transaction().execute(async (tx) => {
      await repo.setFieldRule(tx, field, rule, clock.now());
      forgetDefinitions();
      await audit.record(tx, {
        actor: ctx.actor,
        action: 'lead_field_rule.changed',
        ip: ctx.ip ?? null,
        details: { field, rule },
      });
    });
    return fieldRules();
  }

  // ── Saved list views ─────────────────────────────────────────────────────
  type SavedView = {
    id: string;
    name: string;
    resource: string;
    definition: unknown;
    shared: boolean;
    mine: boolean;
    createdAt: string;
  };

  async function listViews(resource: string, userId: string): Promise<SavedView[]> {
    return (await repo.viewsOf(db, resource, userId)).map((v) => ({
      id: v.id,
      name: v.name,
      resource: v.resource,
      definition: JSON.parse(v.definition),
      shared: v.shared === 1,
      mine: v.owner_id === userId,
      createdAt: iso(v.created_at),
    }));
  }

  async function createView(
    userId: string,
    input: { resource: string; name: string; definition: unknown; shared?: boolean },
  ): Promise<SavedView> {
    const now = clock.now();
    const row = {
      id: newId('view', now),
      owner_id: userId,
      resource: input.resource,
      name: input.name.trim(),
      definition: JSON.stringify(input.definition),
      shared: input.shared ? 1 : 0,
      created_at: now,
      updated_at: now,
    };
    await repo.insertView(db, row);
    return {
      ...row,
      definition: input.definition,
      shared: row.shared === 1,
      mine: true,
      createdAt: iso(now),
    };
  }

  async function deleteView(userId: string, id: string): Promise<void> {
    if (!(await repo.deleteView(db, id, userId)))
      throw new AppError('NOT_FOUND', 'No saved view of yours has this id');
  }

  return {
    listViews,
    createView,
    deleteView,
    definitions,
    get,
    upsert,
    batch,
    batchUnchecked,
    update,
    remove,
    removeMany,
    list,
    rowPages,
    count,
    stats,
    filterOf,
    touchpoints,
    merge,
    unmerge,
    merges,
    exportPerson,
    erase,
    listCompanies,
    getCompany,
    updateCompany,
    listCustomFields,
    createCustomField,
    updateCustomField,
    fieldRules,
    setFieldRule,
  };
}

export type LeadsService = ReturnType<typeof createLeadsService>;
