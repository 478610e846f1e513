/**
 * Lifecycle module: stages and their transition history, the versioned qualification policy with
 * its approvals, MQL evaluation, and the domain events (`lead.stage_changed`, `lead.mql`).
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import type { LeadsApi } from '../leads/index.ts';
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
  leads: Pick<LeadsApi, 'onResolved'>;
};

export function createLifecycleModule(deps: Deps) {
  const repo = createLifecycleRepo();
  const policy = createPolicyService({ database: deps.database, repo, clock: deps.clock, audit: deps.audit });
  const lifecycle = createLifecycleService({ database: deps.database, repo, clock: deps.clock, policy });

  // Stage moves the resolver makes, and hand-raises among new touchpoints, in the same transaction.
  deps.leads.onResolved(lifecycle.onResolved);

  const api = {
    /** Applies the active policy to these leads in the caller's transaction (scoring calls it on every score change). */
    evaluate: lifecycle.evaluate,
    /** The active policy, read in the caller's transaction. */
    activePolicy: policy.active,
    /** Domain events after a cursor (handoff routing, webhooks). */
    eventsAfter: lifecycle.eventsAfter,
    stagesOf: lifecycle.stagesOf,
    changeStage: lifecycle.changeStage,
    policy,
  };
  const parts: ModuleParts = {
    name: 'lifecycle',
    routes: bindRoutes(lifecycleRoutes, { lifecycle, policy }),
  };
  return { api, parts };
}

export type LifecycleApi = ReturnType<typeof createLifecycleModule>['api'];
