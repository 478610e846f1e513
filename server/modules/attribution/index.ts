/**
 * Attribution module: channels from UTM values and referrers under versioned rules, each lead's
 * first and last touch, reclassification of history, campaigns and their costs.
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import type { LeadsApi } from '../leads/index.ts';
import { reclassifyJob } from './attribution.jobs.ts';
import { createAttributionRepo } from './attribution.repo.ts';
import { attributionRoutes } from './attribution.routes.ts';
import { type AttributionService, createAttributionService } from './attribution.service.ts';
import { createCampaignsRepo } from './campaigns.repo.ts';
import { createCampaignsService } from './campaigns.service.ts';

export { defaultRuleSet } from './attribution.rules.ts';
export type { AttributionService } from './attribution.service.ts';
export type { CampaignsService } from './campaigns.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue'>;
  audit: Pick<AuditService, 'record'>;
  leads: Pick<LeadsApi, 'onInsertingLeads' | 'onInsertingTouchpoints' | 'onResolved' | 'onTouchpointsMoved'>;
  /** Touchpoints per reclassification transaction, and the pause between them (tests tune them). */
  batchSize?: number;
  pauseMs?: number;
};

export function createAttributionModule(deps: Deps) {
  const repo = createAttributionRepo(deps.database.dialect);
  let service: AttributionService | undefined;
  const job = reclassifyJob(() => service!);
  service = createAttributionService({
    database: deps.database,
    repo,
    clock: deps.clock,
    jobs: deps.jobs,
    job: () => job,
    audit: deps.audit,
    batchSize: deps.batchSize,
    pauseMs: deps.pauseMs,
  });
  const attribution = service;
  const campaigns = createCampaignsService({
    database: deps.database,
    repo: createCampaignsRepo(),
    clock: deps.clock,
    audit: deps.audit,
    attribution,
    lockRules: (tx) => repo.lockRules(tx, 'exclusive'),
  });

  // Every touchpoint is classified as it is inserted; each lead's touches follow in the same transaction.
  deps.leads.onInsertingTouchpoints((tx, rows) => attribution.classifyRows(tx, rows));
  // A new lead's own touchpoints decide its first and last touch: written with the lead.
  deps.leads.onInsertingLeads((tx, leads) => attribution.beforeLeadsInsert(tx, leads));
  deps.leads.onResolved(attribution.onResolved);
  deps.leads.onTouchpointsMoved((tx, leadIds) => attribution.recomputeTouches(tx, leadIds).then(() => {}));

  const api = {
    /**
     * Recomputes the first and last touch of leads whose touchpoints moved (tracking calls it after
     * undoing an identity stitch), inside the caller's transaction; returns how many changed.
     */
    recomputeTouches: (tx: Tx, leadIds: string[]) => attribution.recomputeTouches(tx, leadIds),
    /** The published channel rules' version number. */
    currentRulesVersion: async (tx: Tx) => (await attribution.current(tx, { lock: false })).version,
    attribution,
    campaigns,
  };
  const parts: ModuleParts = {
    name: 'attribution',
    routes: bindRoutes(attributionRoutes, { attribution, campaigns }),
    jobs: [job],
  };
  return { api, parts };
}

export type AttributionApi = ReturnType<typeof createAttributionModule>['api'];
