import Type from 'typebox';
import { defineJob } from '../../platform/jobs/jobs.ts';

export const reevaluateSchema = Type.Object({ version: Type.Integer({ minimum: 1 }) });

/**
 * After a policy version takes effect, applies it to every lead it could qualify (subscribers,
 * leads, recycled), in batches that each commit on their own. Evaluation only promotes leads that
 * qualify now, so a retry simply walks again; a newer version's own job takes over from this one.
 */
export function reevaluateJob(
  run: (version: number, ctx: { signal: AbortSignal; heartbeat(): Promise<void> }) => Promise<void>,
) {
  return defineJob({
    name: 'lifecycle.reevaluate',
    schema: reevaluateSchema,
    maxAttempts: 5,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    async handler(payload, ctx) {
      await run(payload.version, ctx);
    },
  });
}

export type ReevaluateJob = ReturnType<typeof reevaluateJob>;
