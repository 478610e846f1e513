/**
 * Routing module: handoff of MQLs to sales. Teams and rules, round-robin / load-balanced /
 * named-owner / account-based assignment in the MQL's transaction, SLA timers with escalation and
 * reassignment, the sales inbox with accept / reject / claim, and in-app notifications.
 */
import Type from 'typebox';
import type { Filter } from '../../../contracts/filters.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import type { LifecycleApi } from '../lifecycle/index.ts';
import type { PermissionsService } from '../permissions/index.ts';
import { routingRoutes } from './routing.routes.ts';
import { createRoutingService, type RoutingDeps } from './routing.service.ts';
import { createSalesService } from './sales.service.ts';
import { createSettingsService } from './settings.service.ts';

export type { PublishedEvent, RoutingService } from './routing.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue'>;
  audit: Pick<AuditService, 'record'>;
  lifecycle: Pick<LifecycleApi, 'onEvents' | 'changeStage' | 'activePolicy'>;
  filters: RoutingDeps['filters'] & { validate(raw: unknown, root?: string, tx?: Tx): Promise<Filter> };
  publish?: RoutingDeps['publish'];
  permissions: Pick<PermissionsService, 'viewerOf' | 'requireLead'>;
  mail?: RoutingDeps['mail'];
};

export function createRoutingModule(deps: Deps) {
  const slaJob = defineJob({
    name: 'routing.sla',
    schema: Type.Object({ assignmentId: Type.String() }),
    maxAttempts: 8,
    // Its effects (escalation, reassignment) and its completion commit together, exactly once.
    transactional: true,
    async handler(payload, ctx) {
      const outcome = await routing.slaExpired(ctx.db, payload.assignmentId);
      if (outcome !== 'ignored')
        ctx.logger.info({ assignmentId: payload.assignmentId, outcome }, 'routing SLA passed');
    },
  });
  const routing = createRoutingService({
    database: deps.database,
    clock: deps.clock,
    jobs: deps.jobs,
    filters: deps.filters,
    publish: deps.publish,
    mail: deps.mail,
    slaJob: () => slaJob,
  });
  const settings = createSettingsService({
    database: deps.database,
    clock: deps.clock,
    audit: deps.audit,
    validateFilter: (raw, root, tx) => deps.filters.validate(raw, root, tx),
    routing,
  });
  const sales = createSalesService({
    database: deps.database,
    routing,
    changeStage: deps.lifecycle.changeStage,
    activePolicy: deps.lifecycle.activePolicy,
    permissions: deps.permissions,
  });
  // New MQLs are routed, and sales' moves out of MQL close assignments, in the writing transaction.
  deps.lifecycle.onEvents(routing.onEvents);

  const api = { routing, settings, sales, slaJob };
  const parts: ModuleParts = {
    name: 'routing',
    routes: bindRoutes(routingRoutes, { routing, settings, sales }),
    jobs: [slaJob],
  };
  return { api, parts };
}

export type RoutingApi = ReturnType<typeof createRoutingModule>['api'];
