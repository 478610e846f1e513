/**
 * Training runs of the predictive model and the scoring of open leads.
 *
 * A run streams the labelled leads (customer = 1; disqualified, recycled = 0) in creation order
 * in batches, twice: once for the statistics the encoder needs (training part only), once to encode
 * every labelled lead as a sparse row. The most recent `holdoutFraction` of them is held out; the
 * model is fitted on the rest and judged on it. Then every open lead is streamed, scored and its
 * probability and top factors written in batches. Memory holds the sparse rows of labelled leads
 * (a few dozen numbers each), never all lead rows at once.
 */
import { sql } from 'kysely';
import Type from 'typebox';
import type { CustomFieldType } from '../../../contracts/leads.ts';
import {
  type Coefficient,
  negativeStages,
  type PredictionFactor,
  type PredictModel,
  type PredictPhase,
  type PredictRun,
  type PredictRunStatus,
  type PredictState,
  positiveStages,
  predictRequirements,
  type TrainOptions,
} from '../../../contracts/predict.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { fromJson, type PredictModelsTable } from '../../platform/db/schema.ts';
import { AppError } from '../../platform/errors.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { JobDefinition } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import type { Actor, AuditService } from '../audit/index.ts';
import {
  buildEncoder,
  type CustomFieldInfo,
  type Encoder,
  type Engagement,
  encode,
  engagementTypes,
  factorLabel,
  type LeadForFeatures,
  type RawFeatures,
  rawFeatures,
  StatsCollector,
  sourceLabeller,
  standardFeatures,
} from './features.ts';
import { auc, calibrationBins, fitLogistic, liftAt, type SparseRows, sigmoid } from './logistic.ts';

/** The training job's payload. */
export const trainSchema = Type.Object({
  /** The run to execute; absent on the daily schedule, which makes its own run. */
  runId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});

const labelledStages = [...positiveStages, ...negativeStages] as string[];
const closedStages = labelledStages;
const DAY = 86_400_000;
const staleAfterMs = 30 * 60_000;

export const defaultTrainOptions = {
  holdoutFraction: 0.2,
  engagementWindowDays: 60,
  split: 'random',
  seed: 1,
} as const;

/** A deterministic fraction in [0, 1) from a seed and a lead id (FNV-1a, then a final mix). */
export function splitFraction(seed: number, id: string): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

type StoredModel = {
  encoder: Encoder;
  intercept: number;
  weights: number[];
  customFields: CustomFieldInfo[];
  exclude: string[];
  windowMs: number;
};

export type RunHooks = {
  heartbeat?: () => Promise<void>;
  signal?: AbortSignal;
  onProgress?: (run: PredictRun) => void;
};

type Deps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue'>;
  /** The training job (defined by the module, which needs this service to run it). */
  job: () => JobDefinition<typeof trainSchema>;
  audit: Pick<AuditService, 'record'>;
  /** Leads per batch while reading and writing (tests make it small to cross batch edges). */
  batchSize?: number;
};

type LeadRowForFeatures = LeadForFeatures & { id: string; lifecycle_stage: string };

function toRun(row: PredictModelsTable): PredictRun {
  return {
    id: row.id,
    version: row.version,
    status: row.status as PredictRunStatus,
    trigger: row.trigger as PredictRun['trigger'],
    phase: row.phase as PredictPhase,
    progress: { done: Number(row.done), total: Number(row.total) },
    options: fromJson<TrainOptions>(row.options, {}),
    message: row.message,
    createdAt: iso(row.created_at),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
  };
}

export function createPredictService(deps: Deps) {
  const db = deps.database.db;
  const batchSize = deps.batchSize ?? 1000;

  async function customFieldInfo(tx: Tx): Promise<CustomFieldInfo[]> {
    const rows = await tx
      .selectFrom('custom_fields')
      .select(['key', 'label', 'type', 'options'])
      .where('archived_at', 'is', null)
      .orderBy('key')
      .execute();
    return rows.map((r) => ({
      key: r.key,
      label: r.label,
      type: r.type as CustomFieldType,
      options: fromJson<string[]>(r.options, []),
    }));
  }

  async function countLabelled(tx: Tx): Promise<{ positives: number; negatives: number }> {
    const rows = await tx
      .selectFrom('leads')
      .select(['lifecycle_stage', (eb) => eb.fn.countAll<number>().as('n')])
      .where('lifecycle_stage', 'in', labelledStages)
      .where('merged_into', 'is', null)
      .where('erased_at', 'is', null)
      .groupBy('lifecycle_stage')
      .execute();
    let positives = 0;
    let negatives = 0;
    for (const r of rows) {
      if ((positiveStages as readonly string[]).includes(r.lifecycle_stage)) positives += Number(r.n);
      else negatives += Number(r.n);
    }
    return { positives, negatives };
  }

  function checkEnough(c: { positives: number; negatives: number }): void {
    const total = c.positives + c.negatives;
    const { minLabelled, minPerClass } = predictRequirements;
    const problems: { field: string; rule: string; message: string }[] = [];
    if (total < minLabelled)
      problems.push({
        field: 'labelledLeads',
        rule: `minimum:${minLabelled}`,
        message: `${total} leads have a known outcome; at least ${minLabelled} are needed`,
      });
    if (c.positives < minPerClass)
      problems.push({
        field: 'customers',
        rule: `minimum:${minPerClass}`,
        message: `${c.positives} leads are customers; at least ${minPerClass} are needed`,
      });
    if (c.negatives < minPerClass)
      problems.push({
        field: 'disqualifiedOrRecycled',
        rule: `minimum:${minPerClass}`,
        message: `${c.negatives} leads are disqualified or recycled; at least ${minPerClass} are needed`,
      });
    if (problems.length > 0)
      throw new AppError(
        'PREDICT_NOT_ENOUGH_DATA',
        `Not enough leads with a known outcome to train on: ${problems.map((p) => p.message).join('; ')}.`,
        { details: problems },
      );
  }

  async function checkOptions(tx: Tx, options: TrainOptions): Promise<void> {
    if (!options.excludeFields?.length) return;
    const keys = new Set((await customFieldInfo(tx)).map((f) => f.key));
    const bad = options.excludeFields.filter(
      (f) => !keys.has(f) && !(standardFeatures as readonly string[]).includes(f),
    );
    if (bad.length > 0)
      throw new AppError(
        'PREDICT_UNKNOWN_FIELD',
        `excludeFields: ${bad.join(', ')} is neither a custom field nor a standard feature (${standardFeatures.join(', ')})`,
        {
          details: bad.map((b) => ({ field: 'excludeFields', rule: 'known', message: `unknown field ${b}` })),
        },
      );
  }

  async function inProgress(tx: Tx): Promise<PredictModelsTable | undefined> {
    return (
      tx
        .selectFrom('predict_models')
        .selectAll()
        .where('status', 'in', ['queued', 'running'])
        // A run that has not moved for this long died with its process (a CLI run stopped by ^C).
        .where('updated_at', '>', deps.clock.now() - staleAfterMs)
        .orderBy('created_at', 'desc')
        .executeTakeFirst()
    );
  }

  /**
   * Records a training run after checking the data suffices; with `enqueue`, queues its job in the
   * same transaction (the API), otherwise the caller runs it (the CLI).
   */
  async function createRun(
    options: TrainOptions,
    o: { actor: Actor; trigger: PredictRun['trigger']; enqueue: boolean },
  ): Promise<PredictRun> {
    return db.transaction().execute(async (tx) => {
      await checkOptions(tx, options);
      const busy = await inProgress(tx);
      if (busy)
        throw new AppError('PREDICT_RUN_IN_PROGRESS', `Training run ${busy.id} is ${busy.status}.`, {
          details: [{ field: 'runId', rule: 'in_progress', message: busy.id }],
        });
      checkEnough(await countLabelled(tx));
      const now = deps.clock.now();
      const row: PredictModelsTable = {
        id: newId('pm', now),
        version: null,
        status: 'queued',
        trigger: o.trigger,
        phase: 'waiting',
        done: 0,
        total: 0,
        options: JSON.stringify(options),
        report: null,
        model: null,
        message: null,
        requested_by: 'id' in o.actor ? (o.actor.id ?? null) : null,
        created_at: now,
        started_at: null,
        finished_at: null,
        updated_at: now,
      };
      await tx.insertInto('predict_models').values(row).execute();
      if (o.enqueue) await deps.jobs.enqueue(tx, deps.job(), { runId: row.id });
      await deps.audit.record(tx, {
        actor: o.actor,
        action: 'predict.train_requested',
        target: { type: 'predict_model', id: row.id },
        details: { options, trigger: o.trigger },
      });
      return toRun(row);
    });
  }

  /** The scheduled retrain: a run when none is under way and the data suffices; otherwise nothing. */
  async function scheduledRun(): Promise<string | null> {
    try {
      const run = await createRun(
        {},
        { actor: { type: 'system', label: 'schedule' }, trigger: 'schedule', enqueue: false },
      );
      return run.id;
    } catch (e) {
      if (
        e instanceof AppError &&
        (e.code === 'PREDICT_NOT_ENOUGH_DATA' || e.code === 'PREDICT_RUN_IN_PROGRESS')
      )
        return null;
      throw e;
    }
  }

  async function getRunRow(id: string): Promise<PredictModelsTable> {
    const row = await db.selectFrom('predict_models').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('PREDICT_RUN_NOT_FOUND', `No training run ${id}`);
    return row;
  }

  async function getRun(id: string): Promise<PredictRun> {
    return toRun(await getRunRow(id));
  }

  async function activeRow(tx: Tx): Promise<PredictModelsTable | undefined> {
    return tx
      .selectFrom('predict_models')
      .selectAll()
      .where('status', '=', 'completed')
      .orderBy('version', 'desc')
      .executeTakeFirst();
  }

  function toModel(row: PredictModelsTable): PredictModel {
    const stored = fromJson<StoredModel>(row.model, null as never);
    const coefficients: Coefficient[] = stored.encoder.columns
      .map((c, i) => ({ feature: c.feature, label: c.label, weight: stored.weights[i]! }))
      .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.feature < b.feature ? -1 : 1))
      .slice(0, 20);
    return {
      id: row.id,
      version: row.version!,
      trainedAt: iso(row.finished_at ?? row.updated_at),
      options: fromJson<TrainOptions>(row.options, {}),
      report: fromJson(row.report, null as never),
      intercept: stored.intercept,
      topCoefficients: coefficients,
    };
  }

  async function state(): Promise<PredictState> {
    const active = await activeRow(db);
    const latest = await db
      .selectFrom('predict_models')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return {
      model: active ? toModel(active) : null,
      latestRun: latest ? toRun(latest) : null,
      requirements: { ...predictRequirements },
    };
  }

  async function progress(id: string, patch: Partial<PredictModelsTable>, hooks: RunHooks): Promise<void> {
    await db
      .updateTable('predict_models')
      .set({ ...patch, updated_at: deps.clock.now() })
      .where('id', '=', id)
      .execute();
    if (hooks.onProgress) hooks.onProgress(await getRun(id));
  }

  /** Engagement aggregates of a batch of leads: touchpoints up to the window after creation. */
  async function engagementOf(tx: Tx, ids: string[], windowMs: number): Promise<Map<string, Engagement>> {
    const out = new Map<string, Engagement>();
    if (ids.length === 0) return out;
    const rows = await sql<{
      lead_id: string;
      type: string;
      sub: string;
      n: number | string;
      last_at: number | string;
    }>`
      select t.lead_id, t.type,
        case
          when t.type = 'form_submitted' then coalesce(t.properties ->> 'form', '')
          when t.type = 'event' then coalesce(t.properties ->> 'name', '')
          when t.type = 'page_viewed' and lower(coalesce(t.properties ->> 'path', '')) like '%pricing%' then 'pricing'
          else ''
        end as sub,
        count(*) as n, max(t.occurred_at) as last_at
      from touchpoints t
        join leads l on l.id = t.lead_id
      where t.lead_id in (${sql.join(ids)})
        and t.type in (${sql.join(engagementTypes)})
        and t.occurred_at <= l.created_at + ${windowMs}
      group by t.lead_id, t.type, 3`.execute(tx);
    for (const r of rows.rows) {
      let e = out.get(r.lead_id);
      if (!e) {
        e = { counts: new Map(), lastAt: null };
        out.set(r.lead_id, e);
      }
      const n = Number(r.n);
      e.counts.set(r.type, (e.counts.get(r.type) ?? 0) + n);
      if (r.sub) {
        const key = `${r.type}:${r.sub.slice(0, 60)}`;
        e.counts.set(key, (e.counts.get(key) ?? 0) + n);
      }
      e.lastAt = Math.max(e.lastAt ?? Number.NEGATIVE_INFINITY, Number(r.last_at));
    }
    return out;
  }

  const leadColumns = [
    'id',
    'email',
    'job_title',
    'country',
    'industry',
    'company_size',
    'first_touch_channel',
    'custom_fields',
    'created_at',
    'lifecycle_stage',
  ] as const;

  function toFeatureRow(r: Record<string, unknown>): LeadRowForFeatures {
    return {
      ...(r as unknown as LeadRowForFeatures),
      created_at: Number(r.created_at),
      company_size: r.company_size === null ? null : Number(r.company_size),
      custom_fields: fromJson<Record<string, unknown>>(r.custom_fields, {}),
    };
  }

  /** Labelled leads in creation order, a batch at a time. */
  async function* labelledBatches(): AsyncGenerator<LeadRowForFeatures[]> {
    let after: { at: number; id: string } | null = null;
    for (;;) {
      let q = db
        .selectFrom('leads')
        .select(leadColumns)
        .where('lifecycle_stage', 'in', labelledStages)
        .where('merged_into', 'is', null)
        .where('erased_at', 'is', null);
      if (after) {
        const a = after;
        q = q.where(sql<boolean>`(created_at, id) > (${a.at}, ${a.id})`);
      }
      const rows = (await q.orderBy('created_at').orderBy('id').limit(batchSize).execute()).map((r) =>
        toFeatureRow(r as Record<string, unknown>),
      );
      if (rows.length === 0) return;
      yield rows;
      const last = rows.at(-1)!;
      after = { at: last.created_at, id: last.id };
      if (rows.length < batchSize) return;
    }
  }

  /** Open leads (no known outcome yet) by id, a batch at a time. */
  async function* openBatches(): AsyncGenerator<LeadRowForFeatures[]> {
    let after: string | null = null;
    for (;;) {
      let q = db
        .selectFrom('leads')
        .select(leadColumns)
        .where('lifecycle_stage', 'not in', closedStages)
        .where('merged_into', 'is', null)
        .where('erased_at', 'is', null);
      if (after) q = q.where('id', '>', after);
      const rows = (await q.orderBy('id').limit(batchSize).execute()).map((r) =>
        toFeatureRow(r as Record<string, unknown>),
      );
      if (rows.length === 0) return;
      yield rows;
      after = rows.at(-1)!.id;
      if (rows.length < batchSize) return;
    }
  }

  const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

  /** Growable sparse rows. */
  function rowBuilder(dim: number) {
    let cols = new Int32Array(1024);
    let vals = new Float64Array(1024);
    const rowPtr: number[] = [0];
    const y: number[] = [];
    let nnz = 0;
    return {
      add(e: { cols: number[]; vals: number[] }, label: number) {
        while (nnz + e.cols.length > cols.length) {
          const c = new Int32Array(cols.length * 2);
          c.set(cols);
          cols = c;
          const v = new Float64Array(vals.length * 2);
          v.set(vals);
          vals = v;
        }
        for (let k = 0; k < e.cols.length; k++) {
          cols[nnz] = e.cols[k]!;
          vals[nnz++] = e.vals[k]!;
        }
        rowPtr.push(nnz);
        y.push(label);
      },
      build(): SparseRows {
        return {
          n: y.length,
          dim,
          rowPtr: Int32Array.from(rowPtr),
          cols: cols.slice(0, nnz),
          vals: vals.slice(0, nnz),
          y: Uint8Array.from(y),
        };
      },
    };
  }

  /** Runs a training run to its end (the job's handler, and the CLI). Failures mark the run failed. */
  async function runTraining(runId: string, hooks: RunHooks = {}): Promise<PredictRun> {
    const row = await getRunRow(runId);
    if (row.status === 'completed') return toRun(row);
    try {
      return await train(row, hooks);
    } catch (e) {
      if (e instanceof AppError) {
        await progress(runId, { status: 'failed', message: e.message, finished_at: deps.clock.now() }, hooks);
        return getRun(runId);
      }
      throw e;
    }
  }

  async function markFailed(runId: string, error: Error): Promise<void> {
    await db
      .updateTable('predict_models')
      .set({
        status: 'failed',
        message: error.message.slice(0, 500),
        finished_at: deps.clock.now(),
        updated_at: deps.clock.now(),
      })
      .where('id', '=', runId)
      .where('status', 'in', ['queued', 'running'])
      .execute();
  }

  async function train(row: PredictModelsTable, hooks: RunHooks): Promise<PredictRun> {
    const runId = row.id;
    const options = fromJson<TrainOptions>(row.options, {});
    const holdoutFraction = options.holdoutFraction ?? defaultTrainOptions.holdoutFraction;
    const windowMs = (options.engagementWindowDays ?? defaultTrainOptions.engagementWindowDays) * DAY;
    const exclude = new Set(options.excludeFields ?? []);
    await progress(
      runId,
      { status: 'running', phase: 'counting', started_at: deps.clock.now(), message: null },
      hooks,
    );

    const counts = await countLabelled(db);
    checkEnough(counts);
    const labelled = counts.positives + counts.negatives;
    const split = options.split ?? defaultTrainOptions.split;
    const seed = options.seed ?? defaultTrainOptions.seed;
    // Time split: the oldest rows train. Random split: a seeded hash of the id decides.
    const timeTrainRows = labelled - Math.max(1, Math.round(labelled * holdoutFraction));
    const isTrain = (id: string, index: number) =>
      split === 'time' ? index < timeTrainRows : splitFraction(seed, id) >= holdoutFraction;
    const trainRows = split === 'time' ? timeTrainRows : labelled;
    const customFields = await customFieldInfo(db);
    const settings = { exclude, customFields };
    const labelOf = sourceLabeller(customFields);

    // Pass 1: statistics of the training part (the oldest leads).
    await progress(runId, { phase: 'features', done: 0, total: trainRows + labelled }, hooks);
    const stats = new StatsCollector(
      new Set(customFields.filter((f) => f.type === 'number').map((f) => `cf:${f.key}`)),
    );
    let seen = 0;
    let trainSeen = 0;
    for await (const batch of labelledBatches()) {
      if (seen >= trainRows) break;
      const eng = await engagementOf(
        db,
        batch.map((b) => b.id),
        windowMs,
      );
      for (const lead of batch) {
        if (seen >= trainRows) break;
        if (isTrain(lead.id, seen++)) {
          trainSeen++;
          stats.add(rawFeatures(lead, eng.get(lead.id) ?? { counts: new Map(), lastAt: null }, settings));
        }
      }
      await progress(runId, { done: seen }, hooks);
      await hooks.heartbeat?.();
      hooks.signal?.throwIfAborted();
      await pause();
    }
    const encoder = buildEncoder(stats, {
      minLevelCount: Math.max(5, Math.ceil(trainSeen * 0.002)),
      maxLevels: 40,
      labelOf,
    });

    // Pass 2: encode every labelled lead.
    const dim = encoder.columns.length;
    const trainSet = rowBuilder(dim);
    const holdoutSet = rowBuilder(dim);
    seen = 0;
    for await (const batch of labelledBatches()) {
      const eng = await engagementOf(
        db,
        batch.map((b) => b.id),
        windowMs,
      );
      for (const lead of batch) {
        const label = (positiveStages as readonly string[]).includes(lead.lifecycle_stage) ? 1 : 0;
        const e = encode(
          encoder,
          rawFeatures(lead, eng.get(lead.id) ?? { counts: new Map(), lastAt: null }, settings),
        );
        (isTrain(lead.id, seen++) ? trainSet : holdoutSet).add(e, label);
      }
      await progress(runId, { done: trainRows + seen }, hooks);
      await hooks.heartbeat?.();
      hooks.signal?.throwIfAborted();
      await pause();
    }
    const train = trainSet.build();
    const holdout = holdoutSet.build();
    const holdoutPositives = holdout.y.reduce((s, v) => s + v, 0);
    const trainPositives = train.y.reduce((s, v) => s + v, 0);
    const { minHoldoutPerClass } = predictRequirements;
    if (holdoutPositives < minHoldoutPerClass || holdout.n - holdoutPositives < minHoldoutPerClass)
      throw new AppError(
        'PREDICT_NOT_ENOUGH_DATA',
        `The held-out part (${holdout.n} labelled leads) has ${holdoutPositives} customers and ${holdout.n - holdoutPositives} others; at least ${minHoldoutPerClass} of each are needed.`,
        {
          details: [
            {
              field: 'holdout',
              rule: `minimumPerClass:${minHoldoutPerClass}`,
              message: `${holdoutPositives} positives, ${holdout.n - holdoutPositives} negatives`,
            },
          ],
        },
      );

    await progress(runId, { phase: 'fitting' }, hooks);
    await hooks.heartbeat?.();
    // Default penalty: 4 / training rows (a constant prior strength however much data there is).
    const l2 = options.l2 ?? 4 / Math.max(1, train.n);
    const fit = fitLogistic(train, { l2 });
    const scores = new Float64Array(holdout.n);
    let logLoss = 0;
    let brier = 0;
    for (let i = 0; i < holdout.n; i++) {
      let z = fit.intercept;
      for (let k = holdout.rowPtr[i]!; k < holdout.rowPtr[i + 1]!; k++)
        z += fit.weights[holdout.cols[k]!]! * holdout.vals[k]!;
      const p = sigmoid(z);
      scores[i] = p;
      const yv = holdout.y[i]!;
      logLoss -= Math.log(Math.min(1 - 1e-15, Math.max(1e-15, yv ? p : 1 - p)));
      brier += (p - yv) ** 2;
    }
    const trainScores = new Float64Array(train.n);
    for (let i = 0; i < train.n; i++) {
      let z = fit.intercept;
      for (let k = train.rowPtr[i]!; k < train.rowPtr[i + 1]!; k++)
        z += fit.weights[train.cols[k]!]! * train.vals[k]!;
      trainScores[i] = sigmoid(z);
    }
    const stored: StoredModel = {
      encoder,
      intercept: fit.intercept,
      weights: [...fit.weights],
      customFields,
      exclude: [...exclude],
      windowMs,
    };

    // Scoring: every open lead, in batches.
    const openTotal = Number(
      (
        await db
          .selectFrom('leads')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('lifecycle_stage', 'not in', closedStages)
          .where('merged_into', 'is', null)
          .where('erased_at', 'is', null)
          .executeTakeFirstOrThrow()
      ).n,
    );
    await progress(runId, { phase: 'scoring', done: 0, total: openTotal }, hooks);
    const version =
      Number(
        (
          await db
            .selectFrom('predict_models')
            .select((eb) => eb.fn.max('version').as('v'))
            .executeTakeFirst()
        )?.v ?? 0,
      ) + 1;
    let scored = 0;
    for await (const batch of openBatches()) {
      const eng = await engagementOf(
        db,
        batch.map((b) => b.id),
        windowMs,
      );
      const now = deps.clock.now();
      const values = batch.map((lead) => {
        const s = scoreLead(stored, lead, eng.get(lead.id));
        return {
          lead_id: lead.id,
          probability: s.probability,
          factors: JSON.stringify(s.factors),
          model_id: runId,
          model_version: version,
          scored_at: now,
        };
      });
      await writePredictions(values);
      scored += batch.length;
      await progress(runId, { done: scored }, hooks);
      await hooks.heartbeat?.();
      hooks.signal?.throwIfAborted();
      await pause();
    }
    // Leads that closed or went away since the last run keep no stale probability.
    await db.deleteFrom('lead_predictions').where('model_id', '<>', runId).execute();

    const report = {
      auc: auc(scores, holdout.y),
      trainAuc: auc(trainScores, train.y),
      liftTopDecile: liftAt(scores, holdout.y, 0.1),
      logLoss: logLoss / holdout.n,
      brier: brier / holdout.n,
      baseRate: holdoutPositives / holdout.n,
      calibration: calibrationBins(scores, holdout.y, 10),
      counts: {
        labelled,
        positives: counts.positives,
        negatives: counts.negatives,
        train: { rows: train.n, positives: trainPositives },
        holdout: { rows: holdout.n, positives: holdoutPositives },
        scored,
      },
      split:
        split === 'time'
          ? `time-ordered: the most recent ${Math.round(holdoutFraction * 100)}% of labelled leads by creation time held out`
          : `random: ${Math.round(holdoutFraction * 100)}% of labelled leads held out by a seeded hash of their id (seed ${seed})`,
      features: dim,
      iterations: fit.iterations,
      l2,
    };
    const finished = deps.clock.now();
    await db.transaction().execute(async (tx) => {
      await tx
        .updateTable('predict_models')
        .set({
          status: 'completed',
          phase: 'done',
          version,
          report: JSON.stringify(report),
          model: JSON.stringify(stored),
          finished_at: finished,
          updated_at: finished,
        })
        .where('id', '=', runId)
        .execute();
      await deps.audit.record(tx, {
        actor: { type: 'system', label: 'predict' },
        action: 'predict.model_trained',
        target: { type: 'predict_model', id: runId },
        details: { version, auc: report.auc, labelled, scored },
      });
    });
    const done = await getRun(runId);
    hooks.onProgress?.(done);
    return done;
  }

  async function writePredictions(
    values: {
      lead_id: string;
      probability: number;
      factors: string;
      model_id: string;
      model_version: number;
      scored_at: number;
    }[],
  ): Promise<void> {
    // Fixed-size chunks keep the number of distinct statement shapes small.
    for (let i = 0; i < values.length; i += 250) {
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto('lead_predictions')
          .values(values.slice(i, i + 250))
          .onConflict((oc) =>
            oc.column('lead_id').doUpdateSet((eb) => ({
              probability: eb.ref('excluded.probability'),
              factors: eb.ref('excluded.factors'),
              model_id: eb.ref('excluded.model_id'),
              model_version: eb.ref('excluded.model_version'),
              scored_at: eb.ref('excluded.scored_at'),
            })),
          )
          .execute();
      });
    }
  }

  return {
    state,
    createRun,
    scheduledRun,
    runTraining,
    markFailed,
    getRun,
    /** Test and CLI helper: the active model's stored form. */
    async activeStored(): Promise<StoredModel | null> {
      const row = await activeRow(db);
      return row ? fromJson<StoredModel>(row.model, null as never) : null;
    },
  };
}

/** A lead's probability and its top factors (the largest contributions to its log-odds, by size). */
export function scoreLead(
  stored: Pick<StoredModel, 'encoder' | 'intercept' | 'weights' | 'customFields' | 'exclude'>,
  lead: LeadForFeatures,
  engagement: Engagement | undefined,
  topN = 5,
): { probability: number; factors: PredictionFactor[] } {
  const raw: RawFeatures = rawFeatures(lead, engagement ?? { counts: new Map(), lastAt: null }, {
    exclude: new Set(stored.exclude),
    customFields: stored.customFields,
  });
  const e = encode(stored.encoder, raw);
  let z = stored.intercept;
  const contributions: { column: number; value: number }[] = [];
  for (let k = 0; k < e.cols.length; k++) {
    const c = stored.weights[e.cols[k]!]! * e.vals[k]!;
    z += c;
    if (Math.abs(c) > 1e-6) contributions.push({ column: e.cols[k]!, value: c });
  }
  contributions.sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || a.column - b.column);
  return {
    probability: sigmoid(z),
    factors: contributions.slice(0, topN).map((c) => ({
      label: factorLabel(stored.encoder, c.column, raw),
      contribution: Math.round(c.value * 1000) / 1000,
    })),
  };
}

export type PredictService = ReturnType<typeof createPredictService>;
