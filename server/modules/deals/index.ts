/**
 * Deals module: pipelines with ordered stages (win probability, kind open / won / lost) and lost
 * reasons; deals with money, linked leads and a company; moves, won and lost with their effects on
 * the leads' lifecycle in the deal's transaction; the board; `deal.*` webhook events.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import type { LeadsApi } from '../leads/index.ts';
import type { LifecycleApi } from '../lifecycle/index.ts';
import type { PermissionsService } from '../permissions/index.ts';
import { dealLinksFollowLeads } from './deals.lead-data.ts';
import { createDealsRepo } from './deals.repo.ts';
import { dealsRoutes } from './deals.routes.ts';
import { createDealsService, type DealEvent } from './deals.service.ts';
import { createPipelinesService } from './pipelines.service.ts';

export type { DealEvent, DealsService } from './deals.service.ts';
export type { PipelinesService } from './pipelines.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  audit: Pick<AuditService, 'record'>;
  lifecycle: Pick<LifecycleApi, 'changeStageIn'>;
  /** The lead rule: which deals and linked leads a caller sees, and who may sell a lead. */
  permissions: Pick<PermissionsService, 'visibleIds' | 'requireLead'>;
  activeUserIds: (tx: Tx, ids: string[]) => Promise<Set<string>>;
  /** Webhook events, published in the deal's transaction. */
  publish?: (tx: Tx, events: DealEvent[]) => Promise<unknown>;
  /** Deals' linked leads follow merges and deletions. */
  leads: Pick<LeadsApi, 'onLeadData'>;
};

export function createDealsModule(deps: Deps) {
  const repo = createDealsRepo(deps.database.dialect);
  deps.leads.onLeadData(dealLinksFollowLeads);
  const pipelines = createPipelinesService({
    database: deps.database,
    repo,
    clock: deps.clock,
    audit: deps.audit,
  });
  const deals = createDealsService({
    database: deps.database,
    repo,
    clock: deps.clock,
    pipelines,
    changeStageIn: deps.lifecycle.changeStageIn,
    permissions: deps.permissions,
    activeUserIds: deps.activeUserIds,
    publish: deps.publish,
    audit: deps.audit,
  });
  const parts: ModuleParts = { name: 'deals', routes: bindRoutes(dealsRoutes, { deals, pipelines }) };
  return { api: { ...deals, pipelines }, parts };
}

export type DealsApi = ReturnType<typeof createDealsModule>['api'];
