/**
 * Predict module: a logistic-regression model of which leads become customers, trained on leads
 * whose outcome is known, judged on a held-out part, retrained daily and on demand; every open
 * lead's conversion probability and top factors (read by the leads module's views).
 */
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/db.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import { predictRoutes } from './predict.routes.ts';
import { createPredictService, type PredictService, trainSchema } from './predict.service.ts';

export type { PredictService } from './predict.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue'>;
  audit: Pick<AuditService, 'record'>;
  batchSize?: number;
};

export function createPredictModule(deps: Deps) {
  let service: PredictService | undefined;
  const trainJob = defineJob({
    name: 'predict.train',
    schema: trainSchema,
    maxAttempts: 3,
    backoff: { baseMs: 5000, maxMs: 300_000 },
    async handler(payload, ctx) {
      const runId = payload.runId ?? (await service!.scheduledRun());
      if (!runId) {
        ctx.logger.info('predictive model not retrained: not enough labelled leads, or a run is under way');
        return;
      }
      const run = await service!.runTraining(runId, { heartbeat: ctx.heartbeat, signal: ctx.signal });
      ctx.logger.info({ runId, status: run.status, version: run.version }, 'predictive model training run');
    },
    async onDead(payload, _ctx, error) {
      if (payload.runId) await service!.markFailed(payload.runId, error);
    },
  });
  service = createPredictService({
    database: deps.database,
    clock: deps.clock,
    jobs: deps.jobs,
    job: () => trainJob,
    audit: deps.audit,
    batchSize: deps.batchSize,
  });
  const api = service;
  const parts: ModuleParts = {
    name: 'predict',
    routes: bindRoutes(predictRoutes, { predict: service }),
    jobs: [trainJob],
    schedules: [{ name: 'predict.train.daily', job: trainJob, payload: {}, everyMs: 86_400_000 }],
  };
  return { api, parts };
}

export type PredictApi = ReturnType<typeof createPredictModule>['api'];
