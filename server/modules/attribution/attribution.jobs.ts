import Type from 'typebox';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { AttributionService } from './attribution.service.ts';

export const reclassifySchema = Type.Object({ runId: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * Reclassifies touchpoint history after a publish or a change of campaign keys. Not one
 * transaction: each batch commits with the run's checkpoint, so a retry (after a crash, a lost
 * lease or a shutdown) resumes from the last committed batch.
 */
export function reclassifyJob(
  service: () => Pick<AttributionService, 'runReclassification' | 'markRunFailed'>,
) {
  return defineJob({
    name: 'attribution.reclassify',
    schema: reclassifySchema,
    maxAttempts: 8,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    async handler(payload, ctx) {
      await service().runReclassification(payload.runId, ctx);
    },
    async onDead(payload, _ctx, error) {
      await service().markRunFailed(payload.runId, error);
    },
  });
}

export type ReclassifyJob = ReturnType<typeof reclassifyJob>;
