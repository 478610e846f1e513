/**
 * Segments module: dynamic segments (a saved filter) and static lists, usable as a lead list
 * filter (`segment=<id>`) and exportable. Dynamic membership changes when the event arrives: the
 * module listens to the leads module (leads created or changed, touchpoints recorded or moved)
 * and re-evaluates in the same transaction. Other modules may listen to membership changes.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import type { FiltersApi } from '../filters/index.ts';
import { deletedWithLead, type LeadsApi } from '../leads/index.ts';
import type { LeadScope, PermissionsService } from '../permissions/index.ts';
import { recheckJob, refreshJob } from './segments.jobs.ts';
import { createSegmentsRepo } from './segments.repo.ts';
import { segmentsRoutes } from './segments.routes.ts';
import { createSegmentsService, type SegmentsService } from './segments.service.ts';

export type { MembershipChange, MembershipListener, SegmentsService } from './segments.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue'>;
  audit: Pick<AuditService, 'record'>;
  filters: FiltersApi;
  leads: Pick<LeadsApi, 'onResolved' | 'onTouchpointsMoved' | 'onListQuery' | 'onLeadData'>;
  exportCsv?: (
    query: Record<string, string | undefined>,
    scope: LeadScope,
  ) => Promise<{ stream: NodeJS.ReadableStream; filename: string }>;
  permissions: Pick<PermissionsService, 'visibleIds'>;
  batchSize?: number;
};

export function createSegmentsModule(deps: Deps) {
  let service: SegmentsService | undefined;
  const refresh = refreshJob(() => service!);
  const recheck = recheckJob(() => service!);
  service = createSegmentsService({
    database: deps.database,
    repo: createSegmentsRepo(),
    clock: deps.clock,
    filters: deps.filters,
    audit: deps.audit,
    jobs: deps.jobs,
    refreshJob: () => refresh,
    exportCsv: deps.exportCsv,
    permissions: deps.permissions,
    batchSize: deps.batchSize,
  });
  const segments = service;

  // Membership follows events, in the transaction that carries them.
  // A deleted lead leaves its lists and their history.
  deps.leads.onLeadData(deletedWithLead('segments', ['segment_members', 'segment_history']));
  deps.leads.onResolved((tx, resolved) =>
    segments.onLeadsChanged(
      tx,
      resolved.map((r) => r.leadId),
    ),
  );
  deps.leads.onTouchpointsMoved((tx, leadIds) => segments.onLeadsChanged(tx, leadIds));
  // `segment=<id>` on the lead list, count, stats and export.
  deps.leads.onListQuery({
    keys: ['segment'],
    apply: async (query) => [await segments.whereOf(String(query.segment))],
  });

  const parts: ModuleParts = {
    name: 'segments',
    routes: bindRoutes(segmentsRoutes, { segments }),
    jobs: [refresh, recheck],
    schedules: [
      { name: 'segments.recheck_time_windows.hourly', job: recheck, payload: {}, everyMs: 3600_000 },
    ],
  };
  return { api: segments, parts };
}

export type SegmentsApi = ReturnType<typeof createSegmentsModule>['api'];
