import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { LeadStages } from '../../../contracts/lifecycle.ts';
import {
  Assignment,
  BusinessHours,
  Inbox,
  QualifyInput,
  RejectInput,
  Rep,
  RepPatch,
  Rule,
  RulesInput,
  Team,
  TeamInput,
} from '../../../contracts/routing.ts';
import { AppError } from '../../platform/errors.ts';
import { access, type Principal } from '../../platform/http/access.ts';
import { errorResponses, IdParams } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { RoutingService } from './routing.service.ts';
import type { SalesService } from './sales.service.ts';
import type { SettingsService } from './settings.service.ts';

const tags = ['routing'];
const managers = access.of({ roles: ['sales_manager'] });
const sales = access.of({ roles: ['sales_rep', 'sales_manager'], scopes: ['leads:write'] });
const salesPeople = access.of({ roles: ['sales_rep', 'sales_manager'] });

const who = (p: Principal | null): Principal => {
  if (!p) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return p;
};
const userOf = (p: Principal | null) => {
  const principal = who(p);
  if (principal.kind !== 'user') throw new AppError('FORBIDDEN', 'People only');
  return principal;
};

export const routingRoutes: FastifyPluginAsyncTypebox<{
  routing: RoutingService;
  settings: SettingsService;
  sales: SalesService;
}> = async (app, { routing, settings, sales: salesService }) => {
  app.get(
    '/api/v1/inbox',
    {
      config: { access: salesPeople },
      schema: {
        tags,
        summary: "The sales inbox: assignments waiting for acceptance, and the team's unassigned queue",
        response: { 200: Inbox, ...errorResponses() },
      },
    },
    async (request) => salesService.inbox(who(request.principal)),
  );

  app.post(
    '/api/v1/leads/:id/accept',
    {
      config: { access: sales },
      schema: {
        tags,
        summary: 'Accept an assigned lead (→ sal)',
        description:
          "Reps accept their own leads (or one from their team's queue, which claims it); managers their team's.",
        params: IdParams,
        response: { 200: LeadStages, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => salesService.accept(request.params.id, who(request.principal)),
  );

  app.post(
    '/api/v1/leads/:id/reject',
    {
      config: { access: sales },
      schema: {
        tags,
        summary: "Reject an assigned lead with one of the policy's reasons (→ recycled or disqualified)",
        params: IdParams,
        body: RejectInput,
        response: { 200: LeadStages, ...errorResponses(400, 403, 404, 409, 422) },
      },
    },
    async (request) => salesService.reject(request.params.id, request.body, who(request.principal)),
  );

  app.post(
    '/api/v1/leads/:id/qualify',
    {
      config: { access: sales },
      schema: {
        tags,
        summary: 'Sales-qualify a lead with need, budget, authority and timing (→ sql)',
        description:
          "The active policy says which answers are required (a missing one is 422 `STAGE_REQUIREMENTS_MISSING` naming it). Who may qualify: as for accept. The answers are kept on the stage history and the lead's timeline.",
        params: IdParams,
        body: QualifyInput,
        response: { 200: LeadStages, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (request) => salesService.qualify(request.params.id, request.body, who(request.principal)),
  );

  app.post(
    '/api/v1/leads/:id/claim',
    {
      config: { access: salesPeople },
      schema: {
        tags,
        summary: "Take a lead from your team's unassigned queue",
        params: IdParams,
        response: { 200: Assignment, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => salesService.claim(request.params.id, who(request.principal)),
  );

  app.get(
    '/api/v1/leads/:id/assignments',
    {
      config: {
        access: access.of({ roles: ['marketing', 'sales_rep', 'sales_manager'], scopes: ['leads:read'] }),
      },
      schema: {
        tags,
        summary: "A lead's routing history: every assignment, its reason, SLA and outcome",
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(Assignment) }), ...errorResponses() },
      },
    },
    async (request) => ({ data: await routing.assignmentsOf(request.params.id) }),
  );

  app.get(
    '/api/v1/routing/teams',
    {
      config: { access: salesPeople },
      schema: {
        tags,
        summary: 'Sales teams (the pools routing rules send leads to)',
        response: { 200: Type.Object({ data: Type.Array(Team) }), ...errorResponses() },
      },
    },
    async () => ({ data: await settings.listTeams() }),
  );

  app.post(
    '/api/v1/routing/teams',
    {
      config: { access: managers },
      schema: {
        tags,
        summary: 'Create a team',
        body: TeamInput,
        response: { 201: Team, ...errorResponses(400, 422) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await settings.createTeam(request.body, actorOf(request.principal))),
  );

  app.put(
    '/api/v1/routing/teams/:id',
    {
      config: { access: managers },
      schema: {
        tags,
        summary: 'Change a team: name, manager, members and their weights',
        description:
          'Members who stay keep their place in the round-robin; new members join at its current turn.',
        params: IdParams,
        body: TeamInput,
        response: { 200: Team, ...errorResponses(400, 404, 422) },
      },
    },
    async (request) => settings.updateTeam(request.params.id, request.body, actorOf(request.principal)),
  );

  app.get(
    '/api/v1/routing/rules',
    {
      config: { access: salesPeople },
      schema: {
        tags,
        summary: 'Routing rules, in order (first match wins, the default last)',
        response: { 200: Type.Object({ data: Type.Array(Rule) }), ...errorResponses() },
      },
    },
    async () => ({ data: await settings.listRules() }),
  );

  app.put(
    '/api/v1/routing/rules',
    {
      config: { access: managers },
      schema: {
        tags,
        summary: 'Replace the ordered rule list',
        description: 'Conditions are filter-language JSON; rules given with their id keep it.',
        body: RulesInput,
        response: { 200: Type.Object({ data: Type.Array(Rule) }), ...errorResponses(400, 422) },
      },
    },
    async (request) => ({
      data: await settings.replaceRules(request.body.rules, actorOf(request.principal)),
    }),
  );

  app.get(
    '/api/v1/routing/reps',
    {
      config: { access: salesPeople },
      schema: {
        tags,
        summary: 'Sales users with availability, capacity and open leads',
        response: { 200: Type.Object({ data: Type.Array(Rep) }), ...errorResponses() },
      },
    },
    async () => ({ data: await settings.listReps() }),
  );

  app.patch(
    '/api/v1/routing/reps/:id',
    {
      config: { access: salesPeople },
      schema: {
        tags,
        summary: "A rep's availability (themself or a manager) and capacity (managers)",
        params: IdParams,
        body: RepPatch,
        response: { 200: Rep, ...errorResponses(400, 403, 422) },
      },
    },
    async (request) => {
      const p = userOf(request.principal);
      if (p.role === 'sales_rep') {
        if (p.userId !== request.params.id)
          throw new AppError('ROUTING_REP_NOT_YOURS', 'Reps set only their own availability', {
            details: [{ field: 'id', rule: 'self', message: 'not you' }],
          });
        if (request.body.capacity !== undefined)
          throw new AppError('ROUTING_REP_NOT_YOURS', 'Capacity is set by managers', {
            details: [{ field: 'capacity', rule: 'role', message: 'managers only' }],
          });
      }
      return settings.patchRep(request.params.id, request.body, actorOf(p));
    },
  );

  app.get(
    '/api/v1/routing/hours',
    {
      config: { access: access.signedIn() },
      schema: {
        tags,
        summary: 'Business hours the SLA counts in',
        response: { 200: BusinessHours, ...errorResponses() },
      },
    },
    async () => routing.businessHours(),
  );

  app.put(
    '/api/v1/routing/hours',
    {
      config: { access: managers },
      schema: {
        tags,
        summary: 'Set business hours (weekly schedule and time zone)',
        body: BusinessHours,
        response: { 200: BusinessHours, ...errorResponses(400, 422) },
      },
    },
    async (request) => settings.setHours(request.body as never, actorOf(request.principal)),
  );
};
