/**
 * Tracking module: the first-party snippet (/t.js), the ingest endpoint, anonymous visitors' events,
 * identity stitching (visitor → lead, recorded and undoable) and the tracking settings.
 */
import Type from 'typebox';
import type { Clock } from '../../platform/clock.ts';
import type { Config } from '../../platform/config.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import { deletedWithLead, type LeadsApi } from '../leads/index.ts';
import type { PermissionsService } from '../permissions/index.ts';
import { createSnippetCache } from './snippet.ts';
import { createTrackingRepo } from './tracking.repo.ts';
import { trackingRoutes } from './tracking.routes.ts';
import { createTrackingService } from './tracking.service.ts';

export type { StitchInput, TrackingService } from './tracking.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  config: Pick<Config, 'trackRateLimit' | 'trackingAnonymousDays'>;
  leads: LeadsApi;
  audit: Pick<AuditService, 'record'>;
  /** The attribution module's recompute, when it exists (optional: tracking works without it). */
  recomputeTouches?: (tx: Tx, leadIds: string[]) => Promise<void>;
  permissions: Pick<PermissionsService, 'canWorkLead'>;
};

export function createTrackingModule(deps: Deps) {
  // A deleted lead's stitches go; a stitch that took a browser from it forgets it was its.
  const stitches = deletedWithLead('tracking', ['visitor_stitches']);
  deps.leads.onLeadData({
    ...stitches,
    async deleted(tx, leadIds) {
      await stitches.deleted(tx, leadIds);
      await tx
        .updateTable('visitor_stitches')
        .set({ previous_lead_id: null })
        .where('previous_lead_id', 'in', leadIds)
        .execute();
    },
  });
  const service = createTrackingService({
    database: deps.database,
    clock: deps.clock,
    repo: createTrackingRepo(deps.database.dialect),
    leads: deps.leads,
    audit: deps.audit,
    recomputeTouches: deps.recomputeTouches,
    permissions: deps.permissions,
  });
  const purge = defineJob({
    name: 'tracking.purge_anonymous',
    schema: Type.Object({}),
    async handler(_payload, ctx) {
      const cutoff = ctx.clock.now() - deps.config.trackingAnonymousDays * 86_400_000;
      const deleted = await service.purgeAnonymous(cutoff);
      ctx.logger.info({ deleted }, 'old anonymous tracking events deleted');
    },
  });
  const api = {
    /**
     * Joins a visitor's browser to a lead inside the caller's transaction (forms call it after a
     * submission with a visitor id): its anonymous events become touchpoints on the lead, the
     * visitor id is attached, the stitch is recorded (undoable) and returned.
     */
    stitch: service.stitch,
    /** stitch for a group of browsers at once (a group of form submissions), the same records. */
    stitchMany: service.stitchMany,
    /** The tracking settings (cached for a few seconds). */
    settings: service.settings,
    ingest: service.ingest,
    undo: service.undo,
    stitchesOf: service.stitchesOf,
  };
  const parts: ModuleParts = {
    name: 'tracking',
    routes: bindRoutes(trackingRoutes, {
      tracking: service,
      clock: deps.clock,
      snippet: createSnippetCache(),
      rateLimitPerMinute: deps.config.trackRateLimit,
    }),
    jobs: [purge],
    schedules: [{ name: 'tracking.purge_anonymous.daily', job: purge, payload: {}, everyMs: 86_400_000 }],
  };
  return { api, parts };
}

export type TrackingApi = ReturnType<typeof createTrackingModule>['api'];
