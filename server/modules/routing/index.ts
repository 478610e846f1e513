/**
 * Routing module: handoff of MQLs to sales. Teams and rules, round-robin / load-balanced /
 * named-owner / account-based assignment in the MQL's transaction, SLA timers with escalation and
 * reassignment, a warning before the SLA passes, the sales inbox with accept / reject / claim, and
 * the first touch by sales on each assignment.
 */
import Type from 'typebox';
import type { Filter } from '../../../contracts/filters.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { iso } from '../../platform/http/schemas.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import { deletedWithLead, type LeadsApi, rowsOfLeads } from '../leads/index.ts';
import type { LifecycleApi } from '../lifecycle/index.ts';
import type { PermissionsService } from '../permissions/index.ts';
import { routingRoutes } from './routing.routes.ts';
import { createRoutingService, type RoutingDeps } from './routing.service.ts';
import { createSalesService } from './sales.service.ts';
import { createSettingsService } from './settings.service.ts';

export type { PublishedEvent, RoutingService } from './routing.service.ts';
export type { SalesService } from './sales.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue' | 'cancel'>;
  audit: Pick<AuditService, 'record'>;
  lifecycle: Pick<LifecycleApi, 'onEvents' | 'changeStage' | 'changeStageIn' | 'stagesOf' | 'activePolicy'>;
  filters: RoutingDeps['filters'] & { validate(raw: unknown, root?: string, tx?: Tx): Promise<Filter> };
  publish?: RoutingDeps['publish'];
  notify?: RoutingDeps['notify'];
  /** When the SLA warning goes out, in percent of the SLA window (0: none). */
  slaWarningPercent?: number;
  permissions: Pick<PermissionsService, 'viewerOf' | 'requireLead'>;
  /** An erased lead's assignments lose the notes people wrote on them. */
  leads: Pick<LeadsApi, 'onLeadData'>;
};

export function createRoutingModule(deps: Deps) {
  deps.leads.onLeadData({
    name: 'routing',
    merged: async () => null,
    unmerged: async () => {},
    async erased(tx, leadIds) {
      for (let i = 0; i < leadIds.length; i += 500)
        await tx
          .updateTable('lead_assignments')
          .set({ note: null })
          .where('lead_id', 'in', leadIds.slice(i, i + 500))
          .execute();
    },
    // A pending SLA timer of a deleted assignment finds nothing and does nothing.
    deleted: (tx, leadIds) => deletedWithLead('routing', ['lead_assignments']).deleted(tx, leadIds),
    async exported(tx, leadIds) {
      const rows = await rowsOfLeads(tx, 'lead_assignments', leadIds, 'assigned_at');
      return {
        assignments: rows.map((a) => ({
          assignedAt: iso(Number(a.assigned_at)),
          why: a.reason,
          status: a.status,
          reasonCode: a.reason_code,
          note: a.note,
        })),
      };
    },
  });
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
  const slaWarningJob = defineJob({
    name: 'routing.sla_warning',
    schema: Type.Object({ assignmentId: Type.String() }),
    maxAttempts: 8,
    // The warning (notification and its mail) and the job's completion commit together, once.
    transactional: true,
    async handler(payload, ctx) {
      const outcome = await routing.slaWarning(ctx.db, payload.assignmentId);
      if (outcome === 'warned')
        ctx.logger.info({ assignmentId: payload.assignmentId }, 'routing SLA warning sent');
    },
  });
  const routing = createRoutingService({
    database: deps.database,
    clock: deps.clock,
    jobs: deps.jobs,
    filters: deps.filters,
    publish: deps.publish,
    notify: deps.notify,
    slaJob: () => slaJob,
    slaWarningJob: () => slaWarningJob,
    slaWarningPercent: deps.slaWarningPercent,
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
    changeStageIn: deps.lifecycle.changeStageIn,
    stagesOf: deps.lifecycle.stagesOf,
    activePolicy: deps.lifecycle.activePolicy,
    clock: deps.clock,
    permissions: deps.permissions,
  });
  // New MQLs are routed, and sales' moves out of MQL close assignments, in the writing transaction.
  deps.lifecycle.onEvents(routing.onEvents);

  const api = { routing, settings, sales, slaJob, slaWarningJob };
  const parts: ModuleParts = {
    name: 'routing',
    routes: bindRoutes(routingRoutes, { routing, settings, sales }),
    jobs: [slaJob, slaWarningJob],
  };
  return { api, parts };
}

export type RoutingApi = ReturnType<typeof createRoutingModule>['api'];
