import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams } from '../../platform/http/schemas.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import type { SystemService } from './system.service.ts';

const JobStatus = Type.Enum(['queued', 'running', 'succeeded', 'dead']);

const Job = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: JobStatus,
  payload: Type.Unknown(),
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  runAt: Type.String({ format: 'date-time' }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const systemRoutes: FastifyPluginAsyncTypebox<{ system: SystemService; jobs: JobQueue }> = async (
  app,
  { system, jobs },
) => {
  app.get(
    '/api/health',
    {
      config: { access: access.public('liveness probes') },
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/api/ready',
    {
      config: { access: access.public('readiness probes of load balancers') },
      schema: {
        tags: ['system'],
        summary: 'Readiness: the database answers and migrations are current (else 503)',
        response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: Type.Ref('ErrorResponse') },
      },
    },
    async () => {
      await system.assertReady();
      return { status: 'ready' as const };
    },
  );

  app.get(
    '/api/v1/jobs',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['jobs'],
        summary: 'List background jobs, newest first (status=dead for the dead-letter queue)',
        querystring: Type.Object(
          {
            status: Type.Optional(JobStatus),
            name: Type.Optional(Type.String({ maxLength: 100 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
            cursor: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            data: Type.Array(Job),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
            counts: Type.Record(Type.String(), Type.Integer(), { description: 'Jobs per status' }),
          }),
          ...errorResponses(),
        },
      },
    },
    async (request) => {
      const { cursor, ...rest } = request.query;
      const page = await jobs.list({ ...rest, ...(cursor ? { before: cursor } : {}) });
      return { ...page, counts: await jobs.counts() };
    },
  );

  app.post(
    '/api/v1/jobs/:id/retry',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['jobs'],
        summary: 'Put a dead-lettered job back in the queue with a fresh set of attempts',
        params: IdParams,
        response: { 200: Job, ...errorResponses(404, 409) },
      },
    },
    async (request) => system.retryJob(request.principal, request.params.id, request.ip),
  );

  app.delete(
    '/api/v1/jobs/:id',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['jobs'],
        summary: 'Discard a dead-lettered job',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      await system.discardJob(request.principal, request.params.id, request.ip);
      return reply.status(204).send(null);
    },
  );
};
