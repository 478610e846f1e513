import Type from 'typebox';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { ImportsService } from './imports.service.ts';

/**
 * Runs an import. Not one transaction: the import commits batch by batch with its checkpoint, so a
 * retry (after a crash, a lost lease or a shutdown) resumes from the last committed batch.
 */
export function importJob(service: () => Pick<ImportsService, 'run' | 'markFailed'>) {
  return defineJob({
    name: 'imports.run',
    schema: Type.Object({ importId: Type.String({ minLength: 1, maxLength: 64 }) }),
    maxAttempts: 8,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    async handler(payload, ctx) {
      await service().run(payload.importId, ctx);
    },
    async onDead(payload, _ctx, error) {
      await service().markFailed(payload.importId, error);
    },
  });
}
