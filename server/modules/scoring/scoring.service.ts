/**
 * Scoring service: model versions (draft → published), scoring leads in the transaction that
 * changed them (touchpoints, field changes, merges), the breakdown and history, backtests, and the
 * rescore after a publish (batches that each commit and yield).
 */
import { type Insertable, sql } from 'kysely';
import { gradeAtLeast, unvalidatedSources } from '../../../contracts/lifecycle.ts';
import type {
  BacktestResult,
  DraftInput,
  ScoreBreakdown,
  ScoreHistoryEntry,
  ScoringDefinition,
  ScoringModel,
  ScoringModelSummary,
} from '../../../contracts/scoring.ts';
import { attachment } from '../../platform/attachment.ts';
import type { Clock } from '../../platform/clock.ts';
import { chunks, insertRows } from '../../platform/db/bulk.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { fromJson, type LeadScoreHistoryTable, type ScoringModelsTable } from '../../platform/db/schema.ts';
import { AppError } from '../../platform/errors.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { Actor } from '../audit/index.ts';
import type { Catalog, FiltersApi, LeadContext } from '../filters/index.ts';
import { touchpointsOfTypes } from '../leads/index.ts';
import type { LifecycleApi } from '../lifecycle/index.ts';
import {
  applyTouchpoints,
  type Breakdown,
  type CompiledModel,
  compileModel,
  computeScore,
  covers,
  type ScoreState,
  stateFrom,
} from './engine.ts';
import * as hot from './scoring.repo.ts';

type Deps = {
  database: Database;
  clock: Clock;
  filters: Pick<FiltersApi, 'catalog'>;
  lifecycle: Pick<LifecycleApi, 'evaluate' | 'activePolicy'>;
  /** Enqueues the rescore of every lead after a publish, in the caller's transaction. */
  enqueueRescore: (tx: Tx, version: number) => Promise<void>;
  /** Enqueues the rescore of a large company's leads after it changed, in the caller's transaction. */
  enqueueCompanyRescore: (tx: Tx, companyId: string) => Promise<void>;
};

type TouchpointLike = { type: string; occurred_at: number | string; properties: unknown };
type LeadRow = Record<string, unknown> & {
  id: string;
  company_id: string | null;
  score_fit: number;
  score_engagement: number;
  score_total: number;
  fit_grade: string | null;
  lifecycle_stage: string;
};

export const batchSize = 1000;
/**
 * A changed company's leads are rescored in the edit's transaction up to this many; a larger
 * company's leads are rescored by a background job, in batches.
 */
export const companyInlineLeads = 500;

/** Every column of a lead row that a new row may leave unset, as the database fills it in. */
const leadColumns: Record<string, unknown> = {
  first_touch: null,
  first_touch_channel: null,
  first_touch_campaign_id: null,
  first_touch_at: null,
  last_touch: null,
  last_touch_channel: null,
  last_touch_campaign_id: null,
  last_touch_at: null,
  score_fit: 0,
  score_engagement: 0,
  score_total: 0,
  fit_grade: null,
};
const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));

export function createScoringService(deps: Deps) {
  const { database, clock } = deps;
  const db = database.db;

  // Compiled models per catalog (custom fields may change) and version.
  const compiled = new WeakMap<Catalog, Map<number, CompiledModel>>();
  function compiledFor(catalog: Catalog, version: number, definition: ScoringDefinition): CompiledModel {
    let byVersion = compiled.get(catalog);
    if (!byVersion) {
      byVersion = new Map();
      compiled.set(catalog, byVersion);
    }
    let m = byVersion.get(version);
    if (!m) {
      m = compileLenient(definition, catalog, version);
      byVersion.set(version, m);
    }
    return m;
  }

  /**
   * A saved model whose fit filter no longer checks (a custom field was deleted) keeps scoring with
   * the rules that still do: capture must never fail because of a model.
   */
  function compileLenient(definition: ScoringDefinition, catalog: Catalog, version: number): CompiledModel {
    try {
      return compileModel(definition, catalog, version);
    } catch {
      const keep = (f: unknown) => {
        try {
          compileModel({ ...definition, fit: { ...definition.fit, rules: [f as never] } }, catalog);
          return true;
        } catch {
          return false;
        }
      };
      const fit = { ...definition.fit, rules: definition.fit.rules.filter(keep) };
      return compileModel({ ...definition, fit }, catalog, version);
    }
  }

  async function publishedRow(tx: Tx) {
    return tx.selectFrom('scoring_models').selectAll().where('status', '=', 'published').executeTakeFirst();
  }

  /**
   * The published model, compiled. Capture runs this on every scored touchpoint: the version is read
   * in the caller's transaction (a publish takes effect at once), but a version's definition never
   * changes once published, so it is read and parsed only the first time a version is seen.
   */
  async function publishedModel(tx: Tx): Promise<{ model: CompiledModel; catalog: Catalog } | null> {
    const [row] = (await hot.publishedVersion(tx)).rows;
    if (!row) return null;
    const version = Number(row.version);
    const catalog = await deps.filters.catalog(tx);
    const known = compiled.get(catalog)?.get(version);
    if (known) return { model: known, catalog };
    const d = await tx
      .selectFrom('scoring_models')
      .select('definition')
      .where('version', '=', version)
      .executeTakeFirstOrThrow();
    return {
      model: compiledFor(catalog, version, fromJson<ScoringDefinition>(d.definition, emptyDefinition)),
      catalog,
    };
  }

  /** Live leads with their companies (only when asked: fit rules on company fields need them). */
  async function loadLeads(tx: Tx, ids: string[], withCompanies = true) {
    const leads = (await hot.liveLeads(tx, ids)).rows as unknown as LeadRow[];
    const companyIds = withCompanies
      ? [...new Set(leads.map((l) => l.company_id).filter((c): c is string => !!c))]
      : [];
    const companies =
      companyIds.length === 1
        ? (await hot.companyById(tx, companyIds[0]!)).rows
        : companyIds.length > 1
          ? await tx.selectFrom('companies').selectAll().where('id', 'in', companyIds).execute()
          : [];
    const byCompany = new Map(companies.map((c) => [c.id, c as unknown as Record<string, unknown>]));
    return {
      leads,
      companyOf: (l: LeadRow) => (l.company_id ? (byCompany.get(l.company_id) ?? null) : null),
    };
  }

  async function touchpointsOf(tx: Tx, ids: string[], types: Set<string>) {
    return Map.groupBy(await touchpointsOfTypes(tx, ids, types), (r) => r.lead_id);
  }

  /** Scores computed for new leads before their insert (scoreBeforeInsert), by their touchpoint list. */
  const scoredEarly = attachment<{ version: number; state: string; score: Breakdown | null; at: number }>(
    'scored early',
  );

  /**
   * New leads about to be inserted (the leads module calls this). Those whose touchpoints are all
   * replayed history (imports, demo data) are scored now, from the row and the touchpoints about to
   * be inserted: nothing else in their transaction can change them before the listener would score
   * them (history moves no stage and raises no hand), so the score goes into the row and the lead
   * is written once. Their state and history rows follow the insert (finishScoredEarly). Other new
   * leads (forms, API) are scored by the listener as before, after lifecycle has seen them.
   */
  async function scoreBeforeInsert(
    tx: Tx,
    leads: { row: Record<string, unknown>; touchpoints: (TouchpointLike & { source: string })[] }[],
  ): Promise<void> {
    const early = leads.filter(
      (l) => l.touchpoints.length > 0 && l.touchpoints.every((tp) => unvalidatedSources.includes(tp.source)),
    );
    if (early.length === 0) return;
    const pub = await publishedModel(tx);
    if (!pub) return;
    const { model, catalog } = pub;
    const now = clock.now();
    const companyIds = model.readsCompany
      ? [...new Set(early.map((l) => l.row.company_id).filter((c): c is string => typeof c === 'string'))]
      : [];
    const companies = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < companyIds.length; i += 500)
      for (const c of await tx
        .selectFrom('companies')
        .selectAll()
        .where('id', 'in', companyIds.slice(i, i + 500))
        .execute())
        companies.set(c.id, c as unknown as Record<string, unknown>);
    // Every new row names every column, as the database fills them in (the score columns too,
    // their defaults unless scored below): one insert statement serves the batch, and a row is the
    // lead as the listener would have read it back.
    for (const l of leads) for (const k in leadColumns) if (l.row[k] === undefined) l.row[k] = leadColumns[k];
    for (const l of early) {
      const state = stateFrom(model, l.touchpoints);
      const lead = l.row as LeadRow;
      const company = lead.company_id ? (companies.get(lead.company_id) ?? null) : null;
      const score = computeScore(model, catalog, { lead, company, touchpoints: [] }, state, now);
      const changed = score.fit !== 0 || score.engagement !== 0 || score.total !== 0 || score.grade !== null;
      if (changed)
        Object.assign(l.row, {
          score_fit: score.fit,
          score_engagement: score.engagement,
          score_total: score.total,
          fit_grade: score.grade,
        });
      scoredEarly.set(l.touchpoints, {
        version: model.version,
        state: JSON.stringify(state),
        score: changed ? score : null,
        at: now,
      });
    }
  }

  /**
   * The resolved leads whose score can change: new, with their own fields changed, with a
   * touchpoint some rule of the published model looks at, or last scored under another model
   * version. Others (a `visitor_linked` record on a form's browser, a touchpoint type no rule
   * names) keep their score, and cost one read of their score versions instead of a rescore.
   */
  async function scorable<
    R extends { leadId: string; created: boolean; updated?: boolean; touchpoints: { type: string }[] },
  >(tx: Tx, resolved: R[]): Promise<R[]> {
    if (resolved.length === 0) return [];
    const pub = await publishedModel(tx);
    if (!pub) return [];
    const { types, version } = pub.model;
    const quiet = resolved.filter(
      (r) => !r.created && !r.updated && !r.touchpoints.some((tp) => types.has(tp.type)),
    );
    if (quiet.length === 0) return resolved;
    const current = new Set<string>();
    for (const part of chunks(quiet, 1))
      for (const r of (
        await hot.scoreVersionsOf(
          tx,
          part.map((q) => q.leadId),
        )
      ).rows)
        if (Number(r.version) === version) current.add(r.lead_id);
    const skipped = new Set(quiet.filter((r) => current.has(r.leadId)));
    return resolved.filter((r) => !skipped.has(r));
  }

  /**
   * The listener's part for leads scored before their insert: their state and, when the score is
   * not the default, a history row. Returns the other resolved leads, to be scored as usual.
   */
  async function finishScoredEarly<R extends { leadId: string; created: boolean; touchpoints: object }>(
    tx: Tx,
    resolved: R[],
    cause: string,
  ): Promise<R[]> {
    const rest: R[] = [];
    const stateWrites: { lead_id: string; version: number; state: string; updated_at: number }[] = [];
    const history: Insertable<LeadScoreHistoryTable>[] = [];
    for (const r of resolved) {
      const early = r.created ? scoredEarly.get(r.touchpoints) : undefined;
      if (!early) {
        rest.push(r);
        continue;
      }
      stateWrites.push({
        lead_id: r.leadId,
        version: early.version,
        state: early.state,
        updated_at: early.at,
      });
      if (early.score)
        history.push({
          id: newId('sch', early.at),
          lead_id: r.leadId,
          at: early.at,
          version: early.version,
          fit: early.score.fit,
          engagement: early.score.engagement,
          total: early.score.total,
          grade: early.score.grade,
          cause,
        });
    }
    await writeStates(tx, stateWrites);
    await writeHistory(tx, history);
    return rest;
  }

  async function writeStates(
    tx: Tx,
    stateWrites: { lead_id: string; version: number; state: string; updated_at: number }[],
  ): Promise<void> {
    if (stateWrites.length === 1) {
      const w = stateWrites[0]!;
      return void (await hot.saveState(tx, w.lead_id, w.version, w.state, w.updated_at));
    }
    // Batches write a state per lead: multi-row statements without the query builder.
    await insertRows(
      tx,
      database.dialect === 'postgres',
      'lead_scores',
      stateWrites,
      ' on conflict ("lead_id") do update set "version" = excluded."version", "state" = excluded."state", "updated_at" = excluded."updated_at"',
    );
  }

  async function writeHistory(tx: Tx, history: Insertable<LeadScoreHistoryTable>[]): Promise<void> {
    if (history.length === 1) {
      const h = history[0]!;
      return void (await hot.addHistory(
        tx,
        h.id,
        h.lead_id,
        h.at,
        h.version,
        h.fit,
        h.engagement,
        h.total,
        h.grade!,
        h.cause,
      ));
    }
    await insertRows(tx, database.dialect === 'postgres', 'lead_score_history', history);
  }

  /**
   * Scores leads in the caller's transaction: leads whose state covers this model's rule
   * signatures take the new touchpoints; the others (new to scoring, a model with rules matching
   * other events, or `full`) are built from all their touchpoints.
   * Writes state, changed scores and history, then lets lifecycle apply the policy.
   */
  async function scoreLeads(
    tx: Tx,
    leadIds: string[],
    o: {
      newTouchpoints?: Map<string, TouchpointLike[]>;
      full?: boolean;
      cause: string;
      at?: number;
      /** Leads whose change is replayed history (imports, demo data): scored, but no stage moves. */
      historical?: Set<string>;
    },
  ): Promise<string[]> {
    if (leadIds.length === 0) return [];
    const pub = await publishedModel(tx);
    if (!pub) return [];
    const { model, catalog } = pub;
    const ids = [...new Set(leadIds)];
    const now = o.at ?? clock.now();
    const { leads, companyOf } = await loadLeads(tx, ids, model.readsCompany);
    if (leads.length === 0) return [];
    const states = new Map<string, ScoreState>();
    const stale: string[] = [];
    if (!o.full) {
      const { rows } = await hot.scoreStatesOf(
        tx,
        leads.map((l) => l.id),
      );
      for (const r of rows) {
        const state = fromJson<ScoreState>(r.state, {});
        if (covers(model, state)) states.set(r.lead_id, state);
      }
    }
    for (const l of leads) if (!states.has(l.id)) stale.push(l.id);
    const rebuilt = new Set(stale);
    const all = await touchpointsOf(tx, stale, model.types);
    const stateWrites: { lead_id: string; version: number; state: string; updated_at: number }[] = [];
    for (const id of stale) {
      const state = stateFrom(model, all.get(id) ?? []);
      states.set(id, state);
      stateWrites.push({
        lead_id: id,
        version: model.version,
        state: JSON.stringify(state),
        updated_at: now,
      });
    }
    if (o.newTouchpoints)
      for (const l of leads) {
        if (rebuilt.has(l.id)) continue; // its touchpoints are in the database already
        const state = states.get(l.id)!;
        if (applyTouchpoints(model, state, o.newTouchpoints.get(l.id) ?? []))
          stateWrites.push({
            lead_id: l.id,
            version: model.version,
            // Only what this model needs: times kept for rules of older versions go.
            state: JSON.stringify(Object.fromEntries(model.signatures.map((r) => [r.key, state[r.key]!]))),
            updated_at: now,
          });
      }
    await writeStates(tx, stateWrites);
    const changed: { id: string; s: Breakdown }[] = [];
    for (const l of leads) {
      const ctx: LeadContext = { lead: l, company: companyOf(l), touchpoints: [] };
      const s = computeScore(model, catalog, ctx, states.get(l.id)!, now);
      if (
        Number(l.score_fit) !== s.fit ||
        Number(l.score_engagement) !== s.engagement ||
        Number(l.score_total) !== s.total ||
        l.fit_grade !== s.grade
      )
        changed.push({ id: l.id, s });
    }
    if (changed.length === 0) return [];
    if (changed.length === 1) {
      const c = changed[0]!;
      await hot.setScore(tx, c.id, c.s.fit, c.s.engagement, c.s.total, c.s.grade);
    } else
      for (let i = 0; i < changed.length; i += 400) {
        // One statement for many leads (a rescore writes every lead): both dialects take UPDATE … FROM.
        const rows = changed
          .slice(i, i + 400)
          .map(
            (c) =>
              sql`(${c.id}, cast(${c.s.fit} as integer), cast(${c.s.engagement} as integer), cast(${c.s.total} as integer), cast(${c.s.grade} as text))`,
          );
        await sql`with v(id, fit, engagement, total, grade) as (values ${sql.join(rows)})
          update leads set score_fit = v.fit, score_engagement = v.engagement, score_total = v.total, fit_grade = v.grade
          from v where leads.id = v.id`.execute(tx);
      }
    const history: Insertable<LeadScoreHistoryTable>[] = changed.map((c) => ({
      id: newId('sch', now),
      lead_id: c.id,
      at: now,
      version: model.version,
      fit: c.s.fit,
      engagement: c.s.engagement,
      total: c.s.total,
      grade: c.s.grade,
      cause: o.cause,
    }));
    await writeHistory(tx, history);
    const changedIds = changed.map((c) => c.id);
    const live = o.historical ? changed.filter((c) => !o.historical!.has(c.id)) : changed;
    if (live.length > 0) {
      const stageOf = new Map(leads.map((l) => [l.id, l.lifecycle_stage]));
      // Lifecycle needs each lead's stage and new score: they are known here, no need to read them.
      await deps.lifecycle.evaluate(
        tx,
        live.map((c) => c.id),
        {
          reason: 'score',
          leads: live.map((c) => ({
            id: c.id,
            lifecycleStage: stageOf.get(c.id)!,
            scoreTotal: c.s.total,
            fitGrade: c.s.grade,
          })),
        },
      );
    }
    return changedIds;
  }

  /** Live leads of a company after `after`, in id order, at most `limit`. */
  async function companyLeadIds(tx: Tx, companyId: string, after: string, limit: number): Promise<string[]> {
    const rows = await tx
      .selectFrom('leads')
      .select('id')
      .where('company_id', '=', companyId)
      .where('id', '>', after)
      .where('merged_into', 'is', null)
      .where('erased_at', 'is', null)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Companies changed (an edit through the API or UI): when the published model's fit rules read
   * company fields, their leads are rescored, and lifecycle applies the policy to those whose score
   * changed. A company of up to `companyInlineLeads` leads is done in the caller's transaction;
   * a larger one by a background job (`scoring.rescore_company`) enqueued in it.
   */
  async function companiesChanged(tx: Tx, companyIds: string[]): Promise<{ inline: number; queued: number }> {
    const out = { inline: 0, queued: 0 };
    const pub = await publishedModel(tx);
    if (!pub?.model.readsCompany) return out;
    for (const companyId of new Set(companyIds)) {
      const ids = await companyLeadIds(tx, companyId, '', companyInlineLeads + 1);
      if (ids.length > companyInlineLeads) {
        await deps.enqueueCompanyRescore(tx, companyId);
        out.queued++;
      } else if (ids.length > 0) {
        await scoreLeads(tx, ids, { cause: 'company' });
        out.inline++;
      }
    }
    return out;
  }

  /**
   * The job's side: rescores a company's leads in batches that each commit on their own (a
   * retry walks again; leads already rescored do not change twice).
   */
  async function rescoreCompany(
    companyId: string,
    ctx: { signal?: AbortSignal; heartbeat?: () => Promise<void> } = {},
  ): Promise<{ done: number; changed: number }> {
    let cursor = '';
    let done = 0;
    let changed = 0;
    for (;;) {
      const seen = await db.transaction().execute(async (tx) => {
        const ids = await companyLeadIds(tx, companyId, cursor, batchSize);
        if (ids.length === 0) return 0;
        cursor = ids.at(-1)!;
        changed += (await scoreLeads(tx, ids, { cause: 'company' })).length;
        return ids.length;
      });
      done += seen;
      if (seen < batchSize) return { done, changed };
      await yieldToOthers();
      await ctx.heartbeat?.();
      if (ctx.signal?.aborted) throw new Error('Rescoring the company was interrupted; the job runs again');
    }
  }

  // ---- models ----

  function summaryOf(r: ScoringModelsTable): ScoringModelSummary {
    const d = fromJson<ScoringDefinition>(r.definition, emptyDefinition);
    return {
      version: Number(r.version),
      status: r.status as ScoringModelSummary['status'],
      note: r.note,
      fitRules: d.fit.rules.length,
      engagementRules: d.engagement.rules.length,
      createdAt: iso(Number(r.created_at)),
      updatedAt: iso(Number(r.updated_at)),
      publishedAt: r.published_at === null ? null : iso(Number(r.published_at)),
      publishedBy: r.published_by_label,
      rescore:
        r.rescore_total === null
          ? null
          : {
              total: Number(r.rescore_total),
              done: Number(r.rescore_done ?? 0),
              changed: Number(r.rescore_changed ?? 0),
              finishedAt: r.rescore_finished_at === null ? null : iso(Number(r.rescore_finished_at)),
            },
    };
  }

  async function list(): Promise<ScoringModelSummary[]> {
    const rows = await db.selectFrom('scoring_models').selectAll().orderBy('version', 'desc').execute();
    return rows.map(summaryOf);
  }

  async function get(version: number): Promise<ScoringModel> {
    const r = await db
      .selectFrom('scoring_models')
      .selectAll()
      .where('version', '=', version)
      .executeTakeFirst();
    if (!r) throw new AppError('SCORING_MODEL_NOT_FOUND', `No scoring model has version ${version}`);
    return { ...summaryOf(r), definition: fromJson<ScoringDefinition>(r.definition, emptyDefinition) };
  }

  /** The draft, or (when there is none) the published model to start one from. */
  async function draft(): Promise<ScoringModel & { backtest: BacktestResult | null; saved: boolean }> {
    const d = await db
      .selectFrom('scoring_models')
      .selectAll()
      .where('status', '=', 'draft')
      .executeTakeFirst();
    const r = d ?? (await publishedRow(db));
    if (!r) {
      const now = clock.now();
      return {
        version: 0,
        status: 'draft',
        note: null,
        fitRules: 0,
        engagementRules: 0,
        createdAt: iso(now),
        updatedAt: iso(now),
        publishedAt: null,
        publishedBy: null,
        rescore: null,
        definition: emptyDefinition,
        backtest: null,
        saved: false,
      };
    }
    return {
      ...summaryOf(r),
      definition: fromJson<ScoringDefinition>(r.definition, emptyDefinition),
      backtest: d ? fromJson<BacktestResult | null>(d.backtest, null) : null,
      saved: !!d,
    };
  }

  async function saveDraft(input: DraftInput): Promise<ScoringModel> {
    compileModel(input.definition, await deps.filters.catalog());
    const now = clock.now();
    const version = await db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('scoring_models')
        .select('version')
        .where('status', '=', 'draft')
        .executeTakeFirst();
      if (existing) {
        await tx
          .updateTable('scoring_models')
          .set({
            definition: JSON.stringify(input.definition),
            note: input.note ?? null,
            updated_at: now,
            backtest: null,
          })
          .where('version', '=', existing.version)
          .execute();
        return Number(existing.version);
      }
      const max = await tx
        .selectFrom('scoring_models')
        .select((eb) => eb.fn.max('version').as('v'))
        .executeTakeFirst();
      const v = Number(max?.v ?? 0) + 1;
      await tx
        .insertInto('scoring_models')
        .values({
          version: v,
          status: 'draft',
          definition: JSON.stringify(input.definition),
          note: input.note ?? null,
          created_at: now,
          updated_at: now,
          published_at: null,
          published_by_label: null,
          rescore_total: null,
          rescore_done: null,
          rescore_changed: null,
          rescore_finished_at: null,
          backtest: null,
        })
        .execute();
      return v;
    });
    return get(version);
  }

  async function discardDraft(): Promise<void> {
    await db.deleteFrom('scoring_models').where('status', '=', 'draft').execute();
  }

  /** Publishes the draft: it scores from now on, and a background job rescores every lead. */
  async function publish(actor: Actor): Promise<ScoringModelSummary> {
    const now = clock.now();
    const version = await db.transaction().execute(async (tx) => {
      const d = await tx
        .selectFrom('scoring_models')
        .selectAll()
        .where('status', '=', 'draft')
        .executeTakeFirst();
      if (!d) throw new AppError('SCORING_NO_DRAFT', 'There is no draft to publish');
      // Checked again: custom fields may have changed since it was saved.
      compileModel(
        fromJson<ScoringDefinition>(d.definition, emptyDefinition),
        await deps.filters.catalog(tx),
      );
      const total = await tx
        .selectFrom('leads')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('merged_into', 'is', null)
        .where('erased_at', 'is', null)
        .executeTakeFirstOrThrow();
      await tx
        .updateTable('scoring_models')
        .set({ status: 'retired' })
        .where('status', '=', 'published')
        .execute();
      await tx
        .updateTable('scoring_models')
        .set({
          status: 'published',
          published_at: now,
          published_by_label: actor.label ?? actor.type,
          updated_at: now,
          rescore_total: Number(total.n),
          rescore_done: 0,
          rescore_changed: 0,
          rescore_finished_at: null,
        })
        .where('version', '=', d.version)
        .execute();
      await deps.enqueueRescore(tx, Number(d.version));
      return Number(d.version);
    });
    return summaryOf(
      (await db
        .selectFrom('scoring_models')
        .selectAll()
        .where('version', '=', version)
        .executeTakeFirstOrThrow()) as ScoringModelsTable,
    );
  }

  /**
   * Rescores every lead under `version` in batches (each its own transaction), recording progress;
   * stops when a newer version was published meanwhile.
   */
  async function rescoreAll(
    version: number,
    ctx: { signal?: AbortSignal; heartbeat?: () => Promise<void> } = {},
  ): Promise<{ done: number; changed: number }> {
    let cursor = '';
    let done = 0;
    let changed = 0;
    await db
      .updateTable('scoring_models')
      .set({ rescore_done: 0, rescore_changed: 0 })
      .where('version', '=', version)
      .execute();
    for (;;) {
      const stop = await db.transaction().execute(async (tx) => {
        const pub = await tx
          .selectFrom('scoring_models')
          .select('version')
          .where('status', '=', 'published')
          .executeTakeFirst();
        if (!pub || Number(pub.version) !== version) return true;
        const ids = (
          await tx
            .selectFrom('leads')
            .select('id')
            .where('id', '>', cursor)
            .where('merged_into', 'is', null)
            .where('erased_at', 'is', null)
            .orderBy('id')
            .limit(batchSize)
            .execute()
        ).map((r) => r.id);
        if (ids.length === 0) return true;
        cursor = ids.at(-1)!;
        // States are reused when the new version's rules match the same events (only points,
        // caps, decay, groups or fit rules changed); leads without one are built from touchpoints.
        const c = await scoreLeads(tx, ids, { cause: `model v${version}` });
        done += ids.length;
        changed += c.length;
        await tx
          .updateTable('scoring_models')
          .set({ rescore_done: done, rescore_changed: changed })
          .where('version', '=', version)
          .execute();
        return false;
      });
      if (stop) break;
      await yieldToOthers();
      await ctx.heartbeat?.();
      if (ctx.signal?.aborted) throw new Error('Rescoring was interrupted; the job runs again');
    }
    await db
      .updateTable('scoring_models')
      .set({ rescore_finished_at: clock.now(), rescore_total: done })
      .where('version', '=', version)
      .execute();
    return { done, changed };
  }

  // ---- a lead's score ----

  async function leadRow(id: string) {
    const { leads, companyOf } = await loadLeads(db, [id]);
    const l = leads[0];
    if (!l) throw new AppError('LEAD_NOT_FOUND', `No lead has id ${id}`);
    return { lead: l, company: companyOf(l) };
  }

  function breakdownOf(
    leadId: string,
    model: CompiledModel | null,
    b: Breakdown | null,
    l: LeadRow,
    now: number,
  ): ScoreBreakdown {
    return {
      leadId,
      version: model && model.version > 0 ? model.version : null,
      at: iso(now),
      fit: b?.fit ?? 0,
      engagement: b?.engagement ?? 0,
      total: b?.total ?? 0,
      grade: b?.grade ?? null,
      stored: {
        fit: Number(l.score_fit),
        engagement: Number(l.score_engagement),
        total: Number(l.score_total),
        grade: l.fit_grade,
      },
      rules: b?.rules ?? [],
      groups: b?.groups ?? [],
    };
  }

  /** The current breakdown under the published model (decay computed for now). */
  async function breakdown(leadId: string): Promise<ScoreBreakdown> {
    const { lead, company } = await leadRow(leadId);
    const now = clock.now();
    const pub = await publishedModel(db);
    if (!pub) return breakdownOf(leadId, null, null, lead, now);
    const row = await db
      .selectFrom('lead_scores')
      .select(['version', 'state'])
      .where('lead_id', '=', leadId)
      .executeTakeFirst();
    const stored = row ? fromJson<ScoreState>(row.state, {}) : null;
    const state =
      stored && covers(pub.model, stored)
        ? stored
        : stateFrom(pub.model, (await touchpointsOf(db, [leadId], pub.model.types)).get(leadId) ?? []);
    const b = computeScore(pub.model, pub.catalog, { lead, company, touchpoints: [] }, state, now, true);
    return breakdownOf(leadId, pub.model, b, lead, now);
  }

  /** A definition (the editor's, unsaved) or the draft, applied to one lead, from its touchpoints. */
  async function preview(leadId: string, definition?: ScoringDefinition): Promise<ScoreBreakdown> {
    const { lead, company } = await leadRow(leadId);
    const catalog = await deps.filters.catalog();
    let def = definition;
    let version = 0;
    if (!def) {
      const d = await draft();
      def = d.definition;
      version = d.version;
    }
    const model = compileModel(def, catalog, version);
    const now = clock.now();
    const state = stateFrom(model, (await touchpointsOf(db, [leadId], model.types)).get(leadId) ?? []);
    const b = computeScore(model, catalog, { lead, company, touchpoints: [] }, state, now, true);
    return breakdownOf(leadId, model, b, lead, now);
  }

  async function history(leadId: string): Promise<ScoreHistoryEntry[]> {
    await leadRow(leadId);
    const rows = await db
      .selectFrom('lead_score_history')
      .selectAll()
      .where('lead_id', '=', leadId)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(500)
      .execute();
    return rows.reverse().map((r) => ({
      at: iso(Number(r.at)),
      version: Number(r.version),
      fit: Number(r.fit),
      engagement: Number(r.engagement),
      total: Number(r.total),
      grade: r.grade,
      cause: r.cause,
    }));
  }

  // ---- backtest ----

  const bands = [-50, 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 120, 150];
  const bandOf = (total: number) => {
    let i = 0;
    while (i + 1 < bands.length && total >= bands[i + 1]!) i++;
    return i;
  };
  const reachedSets = {
    sal: ['sal', 'sql', 'opportunity', 'customer'],
    sql: ['sql', 'opportunity', 'customer'],
    customer: ['customer'],
    disqualified: ['disqualified'],
  } as const;

  /**
   * Runs the draft and the published model over every lead (in batches), counts who would be MQL
   * under the active policy's score thresholds, and how those leads actually ended.
   */
  async function backtest(): Promise<BacktestResult> {
    const started = performance.now();
    const d = await db
      .selectFrom('scoring_models')
      .selectAll()
      .where('status', '=', 'draft')
      .executeTakeFirst();
    if (!d) throw new AppError('SCORING_NO_DRAFT', 'There is no draft to backtest; save one first');
    const catalog = await deps.filters.catalog();
    const draftModel = compileModel(
      fromJson<ScoringDefinition>(d.definition, emptyDefinition),
      catalog,
      Number(d.version),
    );
    const pubRow = await publishedRow(db);
    const pubModel = pubRow
      ? compileLenient(
          fromJson<ScoringDefinition>(pubRow.definition, emptyDefinition),
          catalog,
          Number(pubRow.version),
        )
      : null;
    const policy = await deps.lifecycle.activePolicy(db);
    const mqlRule = policy.definition.mql.score;
    const now = clock.now();
    const side = (version: number | null) => ({
      version,
      mql: 0,
      reached: { sal: 0, sql: 0, customer: 0, disqualified: 0 },
      grades: { A: 0, B: 0, C: 0, D: 0 },
      histogram: bands.map(() => 0),
    });
    const result = { draft: side(Number(d.version)), published: side(pubModel?.version ?? null) };
    const types = new Set([...draftModel.types, ...(pubModel?.types ?? [])]);
    let cursor = '';
    let leadsSeen = 0;
    for (;;) {
      const { leads, companyOf } = await (async () => {
        const ids = (
          await db
            .selectFrom('leads')
            .select('id')
            .where('id', '>', cursor)
            .where('merged_into', 'is', null)
            .where('erased_at', 'is', null)
            .orderBy('id')
            .limit(batchSize)
            .execute()
        ).map((r) => r.id);
        if (ids.length === 0) return { leads: [] as LeadRow[], companyOf: () => null };
        cursor = ids.at(-1)!;
        return loadLeads(db, ids);
      })();
      if (leads.length === 0) break;
      const ids = leads.map((l) => l.id);
      const tps = await touchpointsOf(db, ids, types);
      const stagesOf = new Map<string, Set<string>>();
      for (const h of await db
        .selectFrom('lead_stage_history')
        .select(['lead_id', 'to_stage'])
        .where('lead_id', 'in', ids)
        .execute()) {
        const s = stagesOf.get(h.lead_id) ?? new Set<string>();
        s.add(h.to_stage);
        stagesOf.set(h.lead_id, s);
      }
      for (const l of leads) {
        leadsSeen++;
        const ctx: LeadContext = { lead: l, company: companyOf(l), touchpoints: [] };
        const reached = stagesOf.get(l.id) ?? new Set<string>();
        reached.add(l.lifecycle_stage);
        for (const [which, model] of [
          ['draft', draftModel],
          ['published', pubModel],
        ] as const) {
          if (!model) continue;
          const s = computeScore(model, catalog, ctx, stateFrom(model, tps.get(l.id) ?? []), now);
          const out = result[which];
          out.grades[s.grade]++;
          out.histogram[bandOf(s.total)]!++;
          if (!mqlRule || s.total < mqlRule.minTotal || !gradeAtLeast(s.grade, mqlRule.minGrade)) continue;
          out.mql++;
          for (const k of Object.keys(reachedSets) as (keyof typeof reachedSets)[])
            if (reachedSets[k].some((st) => reached.has(st))) out.reached[k]++;
        }
      }
      await yieldToOthers();
    }
    const out: BacktestResult = {
      draftVersion: Number(d.version),
      leads: leadsSeen,
      policy: {
        version: policy.version,
        minTotal: mqlRule?.minTotal ?? null,
        minGrade: mqlRule?.minGrade ?? null,
      },
      bands,
      draft: result.draft,
      published: result.published,
      at: iso(now),
      ms: Math.round(performance.now() - started),
    };
    await db
      .updateTable('scoring_models')
      .set({ backtest: JSON.stringify(out) })
      .where('version', '=', Number(d.version))
      .where('status', '=', 'draft')
      .execute();
    return out;
  }

  return {
    scoreLeads,
    scorable,
    scoreBeforeInsert,
    finishScoredEarly,
    companiesChanged,
    rescoreCompany,
    list,
    get,
    draft,
    saveDraft,
    discardDraft,
    publish,
    rescoreAll,
    breakdown,
    preview,
    history,
    backtest,
  };
}

export const emptyDefinition: ScoringDefinition = {
  fit: { rules: [], grades: { A: 40, B: 25, C: 10 } },
  engagement: { rules: [], groups: [] },
};

export type ScoringService = ReturnType<typeof createScoringService>;
