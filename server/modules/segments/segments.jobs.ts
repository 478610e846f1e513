import Type from 'typebox';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { SegmentsService } from './segments.service.ts';

/** Rebuilds a dynamic segment's recorded members after it is created or its filter changes. */
export function refreshJob(service: () => Pick<SegmentsService, 'refresh'>) {
  return defineJob({
    name: 'segments.refresh',
    schema: Type.Object({ segmentId: Type.String({ minLength: 1, maxLength: 64 }) }),
    maxAttempts: 5,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    async handler(payload, ctx) {
      await service().refresh(payload.segmentId, ctx.signal);
    },
  });
}

/** Time windows drift without events: re-checks the segments whose filters have one. */
export function recheckJob(service: () => Pick<SegmentsService, 'recheckTimeWindows'>) {
  return defineJob({
    name: 'segments.recheck_time_windows',
    schema: Type.Object({}),
    maxAttempts: 3,
    backoff: { baseMs: 5000, maxMs: 300_000 },
    async handler(_payload, ctx) {
      await service().recheckTimeWindows(ctx.signal);
    },
  });
}
