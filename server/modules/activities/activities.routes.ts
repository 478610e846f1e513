import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  Activity,
  ActivityInput,
  ActivityList,
  ActivityPatch,
  MyLeadsPage,
  MyLeadsQuery,
} from '../../../contracts/activities.ts';
import { AppError } from '../../platform/errors.ts';
import { access, type Principal } from '../../platform/http/access.ts';
import { errorResponses, IdParams, PageQuery } from '../../platform/http/schemas.ts';
import type { ActivitiesService } from './activities.service.ts';

const tags = ['activities'];
const read = access.of({ roles: ['marketing', 'sales_rep', 'sales_manager'], scopes: ['leads:read'] });
const write = access.of({ roles: ['marketing', 'sales_rep', 'sales_manager'], scopes: ['leads:write'] });

const who = (p: Principal | null): Principal => {
  if (!p) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return p;
};

export const activitiesRoutes: FastifyPluginAsyncTypebox<{ activities: ActivitiesService }> = async (
  app,
  { activities },
) => {
  app.get(
    '/api/v1/leads/:id/activities',
    {
      config: { access: read },
      schema: {
        tags,
        summary: "A lead's activities (calls, emails, meetings, demos, notes), latest first",
        params: IdParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: ActivityList, ...errorResponses(404) },
      },
    },
    async (request) => activities.list(request.params.id, request.query),
  );

  app.post(
    '/api/v1/leads/:id/activities',
    {
      config: { access: write },
      schema: {
        tags,
        summary: 'Log an activity on a lead',
        description:
          'occurredAt defaults to now. The first call, email, meeting or demo logged by sales after an assignment is its first touch (see GET /api/v1/leads/{id}/assignments).',
        params: IdParams,
        body: ActivityInput,
        response: { 201: Activity, ...errorResponses(404, 422) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await activities.create(request.params.id, request.body, who(request.principal))),
  );

  app.patch(
    '/api/v1/activities/:id',
    {
      config: { access: write },
      schema: {
        tags,
        summary: 'Change an activity (its author or an admin)',
        params: IdParams,
        body: ActivityPatch,
        response: { 200: Activity, ...errorResponses(403, 404, 422) },
      },
    },
    async (request) => activities.update(request.params.id, request.body, who(request.principal)),
  );

  app.delete(
    '/api/v1/activities/:id',
    {
      config: { access: write },
      schema: {
        tags,
        summary: 'Delete an activity (its author or an admin)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      await activities.remove(request.params.id, who(request.principal));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/my-leads',
    {
      config: { access: access.of({ roles: ['sales_rep', 'sales_manager'] }) },
      schema: {
        tags,
        summary: 'Leads you own, with stage, score, SLA state, next open task and last activity',
        description: 'Most recently changed first.',
        querystring: MyLeadsQuery,
        response: { 200: MyLeadsPage, ...errorResponses() },
      },
    },
    async (request) => {
      const p = who(request.principal);
      if (p.kind !== 'user') throw new AppError('FORBIDDEN', 'People only');
      return activities.myLeads(p.userId, request.query);
    },
  );
};
