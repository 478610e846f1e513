/**
 * Scoring module: versioned scoring models (fit and engagement rules), each lead's score kept
 * current in the transaction that changes it, its breakdown and history, backtests and publishing.
 * It registers on the leads module's hooks (as attribution and lifecycle do) and calls
 * lifecycle.evaluate after every score change.
 */
import Type from 'typebox';
import { unvalidatedSources } from '../../../contracts/lifecycle.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { FiltersApi } from '../filters/index.ts';
import { deletedWithLead, type LeadsApi } from '../leads/index.ts';
import type { LifecycleApi } from '../lifecycle/index.ts';
import { scoringRoutes } from './scoring.routes.ts';
import { createScoringService } from './scoring.service.ts';

export type { ScoringService } from './scoring.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue'>;
  leads: Pick<
    LeadsApi,
    'onInsertingLeads' | 'onResolved' | 'onTouchpointsMoved' | 'onCompaniesChanged' | 'onLeadData'
  >;
  filters: Pick<FiltersApi, 'catalog'>;
  lifecycle: Pick<LifecycleApi, 'evaluate' | 'activePolicy'>;
};

export function createScoringModule(deps: Deps) {
  const rescoreJob = defineJob({
    name: 'scoring.rescore',
    schema: Type.Object({ version: Type.Integer({ minimum: 1 }) }),
    maxAttempts: 5,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    async handler(payload, ctx) {
      await service.rescoreAll(payload.version, ctx);
    },
  });
  const companyJob = defineJob({
    name: 'scoring.rescore_company',
    schema: Type.Object({ companyId: Type.String({ minLength: 1, maxLength: 64 }) }),
    maxAttempts: 5,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    async handler(payload, ctx) {
      await service.rescoreCompany(payload.companyId, ctx);
    },
  });
  const service = createScoringService({
    database: deps.database,
    clock: deps.clock,
    filters: deps.filters,
    lifecycle: deps.lifecycle,
    enqueueRescore: async (tx, version) => {
      await deps.jobs.enqueue(tx, rescoreJob, { version }, { idempotencyKey: `scoring.rescore:${version}` });
    },
    enqueueCompanyRescore: async (tx, companyId) => {
      await deps.jobs.enqueue(tx, companyJob, { companyId });
    },
  });

  // New leads, field changes and touchpoints: scored in the same transaction. Imported and demo
  // history is scored too, but (as lifecycle does for hand-raises) moves no stage: those leads
  // carry their historical stages. New leads of such history are scored before their insert
  // (scoreBeforeInsert); the listener then writes their state and history.
  deps.leads.onInsertingLeads((tx, leads) => service.scoreBeforeInsert(tx, leads));
  // A deleted lead's score and its history go with it.
  deps.leads.onLeadData(deletedWithLead('scoring', ['lead_scores', 'lead_score_history']));
  deps.leads.onResolved(async (tx, all) => {
    const cause = all.some((r) => r.created) ? 'created' : 'activity';
    const resolved = await service.scorable(tx, await service.finishScoredEarly(tx, all, cause));
    if (resolved.length === 0) return;
    const newTouchpoints = new Map(resolved.map((r) => [r.leadId, r.touchpoints]));
    const historical = new Set(
      resolved
        .filter(
          (r) =>
            r.touchpoints.length > 0 && r.touchpoints.every((tp) => unvalidatedSources.includes(tp.source)),
        )
        .map((r) => r.leadId),
    );
    await service.scoreLeads(
      tx,
      resolved.map((r) => r.leadId),
      { newTouchpoints, historical, cause },
    );
  });
  // A company's fields changed: fit rules on company fields may score its leads differently.
  deps.leads.onCompaniesChanged(async (tx, companyIds) => {
    await service.companiesChanged(tx, companyIds);
  });
  // Merges move touchpoints: those leads are rebuilt from theirs.
  deps.leads.onTouchpointsMoved(async (tx, leadIds) => {
    await service.scoreLeads(tx, leadIds, { full: true, cause: 'merge' });
  });

  const parts: ModuleParts = {
    name: 'scoring',
    routes: bindRoutes(scoringRoutes, { scoring: service }),
    jobs: [rescoreJob, companyJob],
  };
  return { api: service, parts };
}

export type ScoringApi = ReturnType<typeof createScoringModule>['api'];
