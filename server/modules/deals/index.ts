/**
 * Deals module: pipelines with ordered stages (win probability, kind open / won / lost) and lost
 * reasons; deals with money, linked leads and a company; moves, won and lost with their effects on
 * the leads' lifecycle in the deal's transaction; the board; `deal.*` webhook events.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { Principal } from '../../platform/http/access.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import type { LifecycleApi } from '../lifecycle/index.ts';
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
  /** Who may act on a lead, and whose deals a manager handles (the routing module's sales rules). */
  sales: {
    authorize: (tx: Tx, leadId: string, principal: Principal, action: 'act') => Promise<unknown>;
    managedMembers: (tx: Tx, managerId: string) => Promise<Set<string>>;
  };
  activeUserIds: (tx: Tx, ids: string[]) => Promise<Set<string>>;
  /** Webhook events, published in the deal's transaction. */
  publish?: (tx: Tx, events: DealEvent[]) => Promise<unknown>;
};

export function createDealsModule(deps: Deps) {
  const repo = createDealsRepo();
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
    authorizeLead: deps.sales.authorize,
    managedMembers: deps.sales.managedMembers,
    activeUserIds: deps.activeUserIds,
    publish: deps.publish,
  });
  const parts: ModuleParts = { name: 'deals', routes: bindRoutes(dealsRoutes, { deals, pipelines }) };
  return { api: { ...deals, pipelines }, parts };
}

export type DealsApi = ReturnType<typeof createDealsModule>['api'];
