/** System module: health and readiness, the job admin (dead letters), housekeeping schedules. */
import Type from 'typebox';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import { purgeExpiredIdempotencyKeys } from '../../platform/http/idempotency.ts';
import { createJobsRepo } from '../../platform/jobs/jobs.repo.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import { systemRoutes } from './system.routes.ts';
import { createSystemService } from './system.service.ts';

const keepSucceededJobsMs = 7 * 86_400_000;

export function createSystemModule(deps: {
  database: Database;
  clock: Clock;
  jobs: JobQueue;
  audit: AuditService;
}) {
  const api = createSystemService(deps);
  const housekeeping = defineJob({
    name: 'system.housekeeping',
    schema: Type.Object({}),
    async handler(_payload, ctx) {
      const now = ctx.clock.now();
      const keys = await purgeExpiredIdempotencyKeys(deps.database, now);
      const jobs = await createJobsRepo(deps.database.dialect).deleteFinishedBefore(
        ctx.db,
        now - keepSucceededJobsMs,
      );
      ctx.logger.info({ idempotencyKeys: keys, jobs }, 'housekeeping done');
    },
  });
  const parts: ModuleParts = {
    name: 'system',
    routes: bindRoutes(systemRoutes, { system: api, jobs: deps.jobs }),
    jobs: [housekeeping],
    schedules: [{ name: 'system.housekeeping.hourly', job: housekeeping, payload: {}, everyMs: 3600_000 }],
  };
  return { api, parts };
}
