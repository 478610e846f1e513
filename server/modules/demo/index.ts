/**
 * Demo module: a realistic, deterministic, fictional dataset with a documented hidden ground truth
 * (docs/demo-data.md), loaded by `leadloop demo`, `leadloop start --demo` or first-run setup.
 */
import Type from 'typebox';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import type { ModuleParts } from '../../platform/module.ts';
import type { LeadsApi } from '../leads/index.ts';
import type { LifecycleApi } from '../lifecycle/index.ts';
import { createDemoService, maxDemoLeads } from './demo.service.ts';

export type { DemoLead, DemoTruth } from './demo.generate.ts';
export type { LoadOptions, LoadSummary } from './demo.service.ts';

/** The dataset newcomers get (`start --demo`, the setup page's checkbox). */
export const demoDefaults = { leads: 5000, seed: 42 } as const;

type Deps = {
  database: Database;
  clock: Clock;
  leads: Pick<
    LeadsApi,
    'resolveBatch' | 'recordTouchpoints' | 'count' | 'listCustomFields' | 'createCustomField'
  >;
  jobs: Pick<JobQueue, 'enqueue'>;
  lifecycle: Pick<LifecycleApi, 'evaluate'>;
};

export function createDemoModule(deps: Deps) {
  const service = createDemoService(deps);

  const loadJob = defineJob({
    name: 'demo.load',
    schema: Type.Object({
      leads: Type.Integer({ minimum: 1, maximum: maxDemoLeads }),
      seed: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
      /** Anchored when enqueued, so that a retry resumes with the very same data. */
      now: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
    maxAttempts: 3,
    backoff: { baseMs: 5000, maxMs: 60_000 },
    async handler(payload, ctx) {
      // Not one transaction: batches commit on their own and a retry skips the ones already there.
      const summary = await service.load({
        ...payload,
        whenLeadsExist: 'add',
        // Small batches: the web app shares this process (role all) and answers between them.
        batchSize: 250,
        signal: ctx.signal,
        heartbeat: ctx.heartbeat,
        onProgress: (done, total) => ctx.logger.info({ done, total }, 'loading demo data'),
      });
      ctx.logger.info({ ...summary, stages: undefined }, 'demo data loaded');
    },
  });

  const api = {
    load: service.load,
    /** Enqueues loading the default demo dataset, inside the caller's transaction (first-run setup). */
    async enqueueLoad(tx: Tx, options: { leads: number; seed: number } = demoDefaults): Promise<void> {
      await deps.jobs.enqueue(
        tx,
        loadJob,
        { ...options, now: deps.clock.now() },
        {
          idempotencyKey: `demo.load:${options.seed}:${options.leads}`,
        },
      );
    },
  };
  const parts: ModuleParts = { name: 'demo', jobs: [loadJob] };
  return { api, parts };
}

export type DemoApi = ReturnType<typeof createDemoModule>['api'];
