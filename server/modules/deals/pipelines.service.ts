/** Pipelines: ordered stages with a win probability and a kind, and the reasons a deal is lost. */
import {
  defaultLostReasons,
  type LostReason,
  type Pipeline,
  type PipelineInput,
  type PipelinePatch,
  type PipelineStage,
  type PipelineStageInput,
  type StageKind,
} from '../../../contracts/deals.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { fromJson } from '../../platform/db/schema.ts';
import { AppError, type ErrorDetail } from '../../platform/errors.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { Actor, AuditService } from '../audit/index.ts';
import type { DealsRepo, PipelineRow, StageRow } from './deals.repo.ts';
import { pipelineProblems } from './deals.rules.ts';

type Deps = {
  database: Database;
  repo: DealsRepo;
  clock: Clock;
  audit: Pick<AuditService, 'record'>;
};

export function createPipelinesService(deps: Deps) {
  const { database, repo, clock } = deps;
  const db = database.db;

  function stageView(s: StageRow, counts: Map<string, number>): PipelineStage {
    return {
      id: s.id,
      name: s.name,
      position: Number(s.position),
      probability: Number(s.probability),
      kind: s.kind as StageKind,
      dealCount: counts.get(s.id) ?? 0,
    };
  }

  async function pipelineViews(tx: Tx, rows: PipelineRow[]): Promise<Pipeline[]> {
    const ids = rows.map((p) => p.id);
    const stages = Map.groupBy(await repo.stagesOf(tx, ids), (s) => s.pipeline_id);
    const counts = await repo.dealCounts(tx, ids);
    return rows.map((p) => ({
      id: p.id,
      name: p.name,
      isDefault: p.is_default === 1,
      stages: (stages.get(p.id) ?? []).map((s) => stageView(s, counts)),
      lostReasons: fromJson<LostReason[]>(p.lost_reasons, []),
      createdAt: iso(Number(p.created_at)),
      updatedAt: iso(Number(p.updated_at)),
    }));
  }

  async function row(tx: Tx, id: string): Promise<PipelineRow> {
    const p = await repo.pipeline(tx, id);
    if (!p) throw new AppError('PIPELINE_NOT_FOUND', `No pipeline ${id}`);
    return p;
  }

  async function list(): Promise<Pipeline[]> {
    return pipelineViews(db, await repo.pipelines(db));
  }

  async function get(id: string, tx: Tx = db): Promise<Pipeline> {
    return (await pipelineViews(tx, [await row(tx, id)]))[0]!;
  }

  function assertValid(problems: ErrorDetail[]): void {
    if (problems.length > 0)
      throw new AppError(
        'PIPELINE_INVALID',
        `The pipeline is not valid: ${problems[0]!.field} ${problems[0]!.message}`,
        {
          details: problems,
        },
      );
  }

  function stageRows(pipelineId: string, stages: PipelineStageInput[], now: number) {
    return stages.map((s, position) => ({
      id: s.id ?? newId('pst', now),
      pipeline_id: pipelineId,
      name: s.name.trim(),
      position,
      probability: s.probability,
      kind: s.kind,
      created_at: now,
      updated_at: now,
    }));
  }

  async function create(input: PipelineInput, actor: Actor): Promise<Pipeline> {
    const lostReasons = input.lostReasons ?? defaultLostReasons;
    assertValid(pipelineProblems(input.stages, lostReasons, new Set()));
    return db.transaction().execute(async (tx) => {
      const now = clock.now();
      const id = newId('pip', now);
      if (input.isDefault) await repo.clearDefault(tx);
      await repo.insertPipeline(tx, {
        id,
        name: input.name.trim(),
        is_default: input.isDefault ? 1 : 0,
        lost_reasons: JSON.stringify(lostReasons),
        created_at: now,
        updated_at: now,
      });
      await repo.insertStages(tx, stageRows(id, input.stages, now));
      await deps.audit.record(tx, {
        actor,
        action: 'pipeline.created',
        target: { type: 'pipeline', id },
        details: { name: input.name },
      });
      return get(id, tx);
    });
  }

  /**
   * Changes a pipeline. `stages` is the whole ordered list: stages keep their ids (rename, reorder,
   * new probability), new ones are added, missing ones deleted. A stage holding deals can be neither
   * deleted nor change its kind (its deals' status is its kind).
   */
  async function update(id: string, patch: PipelinePatch, actor: Actor): Promise<Pipeline> {
    return db.transaction().execute(async (tx) => {
      const p = await row(tx, id);
      const now = clock.now();
      const current = await repo.stagesOf(tx, [id]);
      const lostReasons = patch.lostReasons ?? fromJson<LostReason[]>(p.lost_reasons, []);
      const stages: PipelineStageInput[] =
        patch.stages ??
        current.map((s) => ({
          id: s.id,
          name: s.name,
          probability: Number(s.probability),
          kind: s.kind as StageKind,
        }));
      const byId = new Map(current.map((s) => [s.id, s]));
      assertValid(pipelineProblems(stages, lostReasons, new Set(byId.keys())));
      const counts = await repo.dealCounts(tx, [id]);
      const kept = new Set(stages.flatMap((s) => (s.id ? [s.id] : [])));
      const removed = current.filter((s) => !kept.has(s.id));
      const busy = removed.filter((s) => (counts.get(s.id) ?? 0) > 0);
      if (busy.length > 0)
        throw new AppError(
          'PIPELINE_STAGE_NOT_EMPTY',
          `Stage "${busy[0]!.name}" holds ${counts.get(busy[0]!.id)} deal(s); move them before deleting it`,
          {
            details: busy.map((s) => ({
              field: 'stages',
              rule: 'not_empty',
              message: `"${s.name}" holds ${counts.get(s.id)} deal(s)`,
            })),
          },
        );
      const kindChanges = stages.flatMap((s, i) => {
        const before = s.id ? byId.get(s.id) : undefined;
        return before && before.kind !== s.kind && (counts.get(before.id) ?? 0) > 0
          ? [{ field: `stages.${i}.kind`, rule: 'not_empty', message: `"${before.name}" holds deals` }]
          : [];
      });
      if (kindChanges.length > 0)
        throw new AppError(
          'PIPELINE_STAGE_NOT_EMPTY',
          'A stage that holds deals keeps its kind; move its deals first',
          { details: kindChanges },
        );
      if (patch.stages) {
        await repo.deleteStages(
          tx,
          removed.map((s) => s.id),
        );
        const rows = stageRows(id, stages, now);
        await repo.insertStages(
          tx,
          rows.filter((r) => !byId.has(r.id)),
        );
        for (const r of rows.filter((x) => byId.has(x.id)))
          await repo.updateStage(tx, r.id, {
            name: r.name,
            position: r.position,
            probability: r.probability,
            kind: r.kind,
            updated_at: now,
          });
      }
      if (patch.isDefault) await repo.clearDefault(tx);
      await repo.updatePipeline(tx, id, {
        ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
        ...(patch.lostReasons ? { lost_reasons: JSON.stringify(patch.lostReasons) } : {}),
        ...(patch.isDefault ? { is_default: 1 } : {}),
        updated_at: now,
      });
      await deps.audit.record(tx, {
        actor,
        action: 'pipeline.updated',
        target: { type: 'pipeline', id },
        details: { fields: Object.keys(patch), removedStages: removed.map((s) => s.name) },
      });
      return get(id, tx);
    });
  }

  async function remove(id: string, actor: Actor): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const p = await row(tx, id);
      const deals = [...(await repo.dealCounts(tx, [id])).values()].reduce((a, b) => a + b, 0);
      if (p.is_default === 1 || deals > 0)
        throw new AppError(
          'PIPELINE_IN_USE',
          p.is_default === 1
            ? 'The default pipeline cannot be deleted; make another one the default first'
            : `The pipeline has ${deals} deal(s)`,
          { details: [{ field: 'id', rule: p.is_default === 1 ? 'default' : 'not_empty', message: p.name }] },
        );
      await repo.deletePipeline(tx, id);
      await deps.audit.record(tx, {
        actor,
        action: 'pipeline.deleted',
        target: { type: 'pipeline', id },
        details: { name: p.name },
      });
    });
  }

  return { list, get: (id: string, tx: Tx = db) => get(id, tx), row, create, update, remove };
}

export type PipelinesService = ReturnType<typeof createPipelinesService>;
