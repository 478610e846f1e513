/**
 * Lifecycle module: stages and their transition history, the versioned qualification policy with
 * its approvals, MQL evaluation, and the domain events (`lead.stage_changed`, `lead.mql`).
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import { iso } from '../../platform/http/schemas.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import { deletedWithLead, type LeadsApi, rowsOfLeads } from '../leads/index.ts';
import { reevaluateJob } from './lifecycle.jobs.ts';
import { createLifecycleRepo } from './lifecycle.repo.ts';
import { lifecycleRoutes } from './lifecycle.routes.ts';
import { createLifecycleService } from './lifecycle.service.ts';
import { createPolicyService } from './policy.service.ts';

export type { EvaluationCause, LifecycleService, TransitionMade } from './lifecycle.service.ts';
export type { ActivePolicy, PolicyService } from './policy.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  audit: Pick<AuditService, 'record'>;
  jobs: Pick<JobQueue, 'enqueue'>;
  leads: Pick<LeadsApi, 'onInsertingLeads' | 'onResolved' | 'onTouchpointsMoved' | 'onLeadData'>;
};

export function createLifecycleModule(deps: Deps) {
  const repo = createLifecycleRepo(deps.database.dialect);
  const job = reevaluateJob((version, ctx) => lifecycle.reevaluateAll(version, ctx).then(() => {}));
  const policy = createPolicyService({
    database: deps.database,
    repo,
    clock: deps.clock,
    audit: deps.audit,
    // A new version applies to the leads already there, in the background.
    onActivated: async (tx, version) => {
      await deps.jobs.enqueue(tx, job, { version }, { idempotencyKey: `lifecycle.reevaluate:${version}` });
    },
  });
  const lifecycle = createLifecycleService({ database: deps.database, repo, clock: deps.clock, policy });

  // Stage moves the resolver makes, and hand-raises among new touchpoints, in the same transaction.
  deps.leads.onInsertingLeads(lifecycle.beforeLeadsInsert);
  deps.leads.onResolved(lifecycle.onResolved);
  deps.leads.onTouchpointsMoved(async (tx, leadIds) => {
    await lifecycle.reconcile(tx, leadIds);
  });
  // Stage history stays with its lead row (merges keep the merged lead's own history with it);
  // an erasure removes what people wrote in it, a deletion the rows.
  deps.leads.onLeadData({
    name: 'lifecycle',
    merged: async () => null,
    unmerged: async () => {},
    erased: (tx, leadIds) => repo.eraseTexts(tx, leadIds),
    deleted: deletedWithLead('lifecycle', ['lead_stage_history', 'domain_events']).deleted,
    async exported(tx, leadIds) {
      const rows = await rowsOfLeads(tx, 'lead_stage_history', leadIds, 'at');
      return {
        stageHistory: rows.map((h) => ({
          from: h.from_stage,
          to: h.to_stage,
          at: iso(Number(h.at)),
          by: h.actor_label,
          reason: h.reason,
          reasonCode: h.reason_code,
        })),
      };
    },
  });

  const api = {
    /** Applies the active policy to these leads in the caller's transaction (scoring calls it on every score change). */
    evaluate: lifecycle.evaluate,
    /** The active policy, read in the caller's transaction. */
    activePolicy: policy.active,
    /** Domain events after a cursor (handoff routing, webhooks). */
    eventsAfter: lifecycle.eventsAfter,
    /** Told of every domain event in the transaction that writes it (webhooks, handoff). */
    onEvents: lifecycle.onEvents,
    stagesOf: lifecycle.stagesOf,
    changeStage: lifecycle.changeStage,
    /** The same move inside the caller's transaction, with extra details for its history row. */
    changeStageIn: lifecycle.changeStageIn,
    /** Applies an active version to every lead it could qualify (what the job does). */
    reevaluateAll: lifecycle.reevaluateAll,
    policy,
  };
  const parts: ModuleParts = {
    name: 'lifecycle',
    routes: bindRoutes(lifecycleRoutes, { lifecycle, policy }),
    jobs: [job],
  };
  return { api, parts };
}

export type LifecycleApi = ReturnType<typeof createLifecycleModule>['api'];
