import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import Type from 'typebox';
import {
  Segment,
  SegmentHistoryEntry,
  SegmentInput,
  SegmentMembersChange,
  SegmentPatch,
} from '../../../contracts/segments.ts';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { SegmentsService } from './segments.service.ts';

const people = ['marketing', 'sales_manager', 'sales_rep'] as const;
const readSegments = access.of({ roles: people, scopes: ['leads:read'] });
const writeSegments = access.of({ roles: people, scopes: ['leads:write'] });
const deleteSegments = access.of({ roles: ['marketing', 'sales_manager'], scopes: ['leads:write'] });

function sendCsv(reply: FastifyReply, file: { stream: NodeJS.ReadableStream; filename: string }) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`)
    .header('cache-control', 'no-store')
    .send(file.stream);
}

export const segmentsRoutes: FastifyPluginAsyncTypebox<{ segments: SegmentsService }> = async (
  app,
  { segments },
) => {
  app.get(
    '/api/v1/segments',
    {
      config: { access: readSegments },
      schema: {
        tags: ['segments'],
        summary: 'List segments with their member counts',
        response: { 200: Type.Object({ data: Type.Array(Segment) }), ...errorResponses() },
      },
    },
    async () => ({ data: await segments.list() }),
  );

  app.post(
    '/api/v1/segments',
    {
      config: { access: writeSegments },
      schema: {
        tags: ['segments'],
        summary: 'Create a segment: dynamic (a filter) or static (a list)',
        description:
          'A dynamic segment needs `filter` (the filter language); its members are filled in the background and follow events from then on.',
        body: SegmentInput,
        response: { 201: Segment, ...errorResponses() },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await segments.create(request.body, actorOf(request.principal))),
  );

  app.get(
    '/api/v1/segments/:id',
    {
      config: { access: readSegments },
      schema: {
        tags: ['segments'],
        summary: 'One segment',
        params: IdParams,
        response: { 200: Segment, ...errorResponses(404) },
      },
    },
    async (request) => segments.get(request.params.id),
  );

  app.patch(
    '/api/v1/segments/:id',
    {
      config: { access: writeSegments },
      schema: {
        tags: ['segments'],
        summary: "Rename a segment or change a dynamic segment's filter",
        params: IdParams,
        body: SegmentPatch,
        response: { 200: Segment, ...errorResponses(404) },
      },
    },
    async (request) => segments.update(request.params.id, request.body, actorOf(request.principal)),
  );

  app.delete(
    '/api/v1/segments/:id',
    {
      config: { access: deleteSegments },
      schema: {
        tags: ['segments'],
        summary: 'Delete a segment (its leads stay)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await segments.remove(request.params.id, actorOf(request.principal));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/segments/:id/count',
    {
      config: { access: readSegments },
      schema: {
        tags: ['segments'],
        summary: 'How many leads a segment holds now',
        description:
          '`count` is live (a dynamic segment counted from its filter this moment); `recorded` is the members as recorded by events.',
        params: IdParams,
        response: {
          200: Type.Object({ count: Type.Integer(), recorded: Type.Integer() }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => segments.count(request.params.id),
  );

  app.get(
    '/api/v1/segments/:id/history',
    {
      config: { access: readSegments },
      schema: {
        tags: ['segments'],
        summary: 'Leads that entered or left the segment, newest first',
        params: IdParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }),
        response: { 200: Type.Object({ data: Type.Array(SegmentHistoryEntry) }), ...errorResponses(404) },
      },
    },
    async (request) => ({
      data: await segments.history(request.params.id, request.query.limit, (await request.viewer()).scope),
    }),
  );

  app.post(
    '/api/v1/segments/:id/members',
    {
      config: { access: writeSegments },
      schema: {
        tags: ['segments'],
        summary: 'Add leads to a static segment',
        description: 'Ids of unknown or merged leads are skipped and named in `skipped`.',
        params: IdParams,
        body: SegmentMembersChange,
        response: {
          200: Type.Object({ added: Type.Integer(), skipped: Type.Array(Type.String()) }),
          ...errorResponses(404, 409),
        },
      },
    },
    async (request) =>
      segments.addMembers(
        request.params.id,
        request.body.leadIds,
        actorOf(request.principal),
        await request.viewer(),
      ),
  );

  app.post(
    '/api/v1/segments/:id/members/remove',
    {
      config: { access: writeSegments },
      schema: {
        tags: ['segments'],
        summary: 'Remove leads from a static segment',
        params: IdParams,
        body: SegmentMembersChange,
        response: { 200: Type.Object({ removed: Type.Integer() }), ...errorResponses(404, 409) },
      },
    },
    async (request) =>
      segments.removeMembers(
        request.params.id,
        request.body.leadIds,
        actorOf(request.principal),
        await request.viewer(),
      ),
  );

  app.get(
    '/api/v1/segments/:id/export.csv',
    {
      config: { access: readSegments },
      schema: {
        tags: ['segments'],
        summary: "A segment's members as CSV (the lead export's default columns)",
        params: IdParams,
        response: { 200: Type.String({ description: 'text/csv' }), ...errorResponses(404) },
      },
    },
    async (request, reply) =>
      sendCsv(reply, await segments.exportCsv(request.params.id, (await request.viewer()).scope)),
  );
};
