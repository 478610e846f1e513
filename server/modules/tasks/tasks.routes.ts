import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { Task, TaskInput, TaskPage, TaskPatch, TasksQuery } from '../../../contracts/tasks.ts';
import { AppError } from '../../platform/errors.ts';
import { access, type Principal } from '../../platform/http/access.ts';
import { errorResponses, IdParams } from '../../platform/http/schemas.ts';
import type { TasksService } from './tasks.service.ts';

const tags = ['tasks'];
const read = access.of({ roles: ['marketing', 'sales_rep', 'sales_manager'], scopes: ['leads:read'] });
const write = access.of({ roles: ['marketing', 'sales_rep', 'sales_manager'], scopes: ['leads:write'] });

const who = (p: Principal | null): Principal => {
  if (!p) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return p;
};

export const tasksRoutes: FastifyPluginAsyncTypebox<{ tasks: TasksService }> = async (app, { tasks }) => {
  app.get(
    '/api/v1/tasks',
    {
      config: { access: read },
      schema: {
        tags,
        summary: 'Tasks: yours by default, soonest due first',
        description:
          'Filters: assigneeId (me, a user id, any), leadId, status, dueBefore (exclusive), dueAfter (inclusive), overdue. With leadId every assignee is included.',
        querystring: TasksQuery,
        response: { 200: TaskPage, ...errorResponses(403, 422) },
      },
    },
    async (request) => tasks.list(request.query, who(request.principal)),
  );

  app.post(
    '/api/v1/tasks',
    {
      config: { access: write },
      schema: {
        tags,
        summary: 'Create a task (assigned to you unless assigneeId says otherwise)',
        description: 'A reminderAt makes the assignee get an in-app notification and an email at that time.',
        body: TaskInput,
        response: { 201: Task, ...errorResponses(422) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await tasks.create(request.body, who(request.principal))),
  );

  app.get(
    '/api/v1/tasks/:id',
    {
      config: { access: read },
      schema: {
        tags,
        summary: 'One task',
        params: IdParams,
        response: { 200: Task, ...errorResponses(404) },
      },
    },
    async (request) => tasks.get(request.params.id, who(request.principal)),
  );

  app.patch(
    '/api/v1/tasks/:id',
    {
      config: { access: write },
      schema: {
        tags,
        summary: 'Change a task: complete or reopen it (status), reschedule it, move its reminder',
        description: 'Its assignee, its creator or an admin. A changed reminder replaces the pending one.',
        params: IdParams,
        body: TaskPatch,
        response: { 200: Task, ...errorResponses(403, 404, 422) },
      },
    },
    async (request) => tasks.update(request.params.id, request.body, who(request.principal)),
  );

  app.delete(
    '/api/v1/tasks/:id',
    {
      config: { access: write },
      schema: {
        tags,
        summary: 'Delete a task (and its pending reminder)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      await tasks.remove(request.params.id, who(request.principal));
      return reply.status(204).send(null);
    },
  );
};
