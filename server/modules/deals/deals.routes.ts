import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  Board,
  BoardQuery,
  Deal,
  DealDetail,
  DealInput,
  DealListQuery,
  DealPatch,
  LeadDealInput,
  LostInput,
  MoveInput,
  Pipeline,
  PipelineInput,
  PipelinePatch,
  ReopenInput,
} from '../../../contracts/deals.ts';
import { AppError } from '../../platform/errors.ts';
import { access, type Principal } from '../../platform/http/access.ts';
import { errorResponses, IdParams, PageOf } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { DealsService } from './deals.service.ts';
import type { PipelinesService } from './pipelines.service.ts';

const tags = ['deals'];
// Marketing reads deals and outcomes (the feedback loop); sales writes, each within their own.
const readDeals = access.of({ roles: ['marketing', 'sales_rep', 'sales_manager'], scopes: ['deals:read'] });
const writeDeals = access.of({ roles: ['sales_rep', 'sales_manager'], scopes: ['deals:write'] });
const editPipelines = access.of({ roles: ['sales_manager'], scopes: ['admin'] });

const who = (p: Principal | null): Principal => {
  if (!p) throw new AppError('UNAUTHENTICATED', 'Sign in first');
  return p;
};

export const dealsRoutes: FastifyPluginAsyncTypebox<{
  deals: DealsService;
  pipelines: PipelinesService;
}> = async (app, { deals, pipelines }) => {
  app.get(
    '/api/v1/pipelines',
    {
      config: { access: readDeals },
      schema: {
        tags,
        summary: 'Pipelines with their ordered stages (probability, kind, deals in each) and lost reasons',
        response: { 200: Type.Object({ data: Type.Array(Pipeline) }), ...errorResponses() },
      },
    },
    async () => ({ data: await pipelines.list() }),
  );

  app.post(
    '/api/v1/pipelines',
    {
      config: { access: editPipelines },
      schema: {
        tags,
        summary: 'Create a pipeline',
        description:
          'Exactly one won stage (100 %) and one lost stage (0 %), at least one open stage; lost reasons default to the standard list.',
        body: PipelineInput,
        response: { 201: Pipeline, ...errorResponses(422) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await pipelines.create(request.body, actorOf(request.principal))),
  );

  app.get(
    '/api/v1/pipelines/:id',
    {
      config: { access: readDeals },
      schema: {
        tags,
        summary: 'A pipeline',
        params: IdParams,
        response: { 200: Pipeline, ...errorResponses(404) },
      },
    },
    async (request) => pipelines.get(request.params.id),
  );

  app.patch(
    '/api/v1/pipelines/:id',
    {
      config: { access: editPipelines },
      schema: {
        tags,
        summary:
          'Change a pipeline: name, stages (add, rename, reorder, delete when empty), lost reasons, default',
        params: IdParams,
        body: PipelinePatch,
        response: { 200: Pipeline, ...errorResponses(404, 409, 422) },
      },
    },
    async (request) => pipelines.update(request.params.id, request.body, actorOf(request.principal)),
  );

  app.delete(
    '/api/v1/pipelines/:id',
    {
      config: { access: editPipelines },
      schema: {
        tags,
        summary: 'Delete a pipeline without deals (not the default one)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      await pipelines.remove(request.params.id, actorOf(request.principal));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/pipelines/:id/board',
    {
      config: { access: readDeals },
      schema: {
        tags,
        summary: 'The Kanban board: per stage the count, total and probability-weighted amount, and cards',
        params: IdParams,
        querystring: BoardQuery,
        response: { 200: Board, ...errorResponses(404) },
      },
    },
    async (request) => deals.board(request.params.id, request.query, await request.viewer()),
  );

  app.get(
    '/api/v1/deals',
    {
      config: { access: readDeals },
      schema: {
        tags,
        summary: 'Deals, filtered and sorted, a page at a time',
        querystring: DealListQuery,
        response: { 200: PageOf(Deal), ...errorResponses() },
      },
    },
    async (request) => deals.list(request.query, await request.viewer()),
  );

  app.post(
    '/api/v1/deals',
    {
      config: { access: writeDeals },
      schema: {
        tags,
        summary: 'Open a deal on one or more leads',
        description:
          "Linked leads move to `opportunity` where the lifecycle allows it. Reps own the deals they open (on leads they may act on); managers may give them to their teams' members.",
        body: DealInput,
        response: { 201: DealDetail, ...errorResponses(403, 404, 422) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await deals.create(request.body, who(request.principal), await request.viewer())),
  );

  app.post(
    '/api/v1/leads/:id/deals',
    {
      config: { access: writeDeals, lead: 'sell' },
      schema: {
        tags,
        summary: 'Open a deal on this lead (it becomes the primary lead)',
        params: IdParams,
        body: LeadDealInput,
        response: { 201: DealDetail, ...errorResponses(403, 404, 422) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await deals.createForLead(
            request.params.id,
            request.body,
            who(request.principal),
            await request.viewer(),
          ),
        ),
  );

  app.get(
    '/api/v1/deals/:id',
    {
      config: { access: readDeals },
      schema: {
        tags,
        summary: 'A deal with its linked leads and stage history',
        params: IdParams,
        response: { 200: DealDetail, ...errorResponses(404) },
      },
    },
    async (request) => deals.get(request.params.id, await request.viewer()),
  );

  app.patch(
    '/api/v1/deals/:id',
    {
      config: { access: writeDeals },
      schema: {
        tags,
        summary: 'Change a deal: name, amount, expected close date, owner, company, linked leads',
        description: 'The stage changes through /move, /won, /lost and /reopen.',
        params: IdParams,
        body: DealPatch,
        response: { 200: DealDetail, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (request) =>
      deals.patch(request.params.id, request.body, who(request.principal), await request.viewer()),
  );

  app.delete(
    '/api/v1/deals/:id',
    {
      config: { access: writeDeals },
      schema: {
        tags,
        summary: 'Delete a deal (made by mistake): its leads keep their stage',
        description:
          'For its owner, their managers and admins. To record an outcome, mark the deal lost instead. Sent to webhooks as deal.deleted.',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      await deals.remove(request.params.id, who(request.principal), await request.viewer());
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/deals/:id/move',
    {
      config: { access: writeDeals },
      schema: {
        tags,
        summary: 'Move a deal to a stage of its pipeline (and a place in the column)',
        description:
          'Into the won stage the deal is won; into the lost stage it is lost (send reasonCode and leadOutcome). A won or lost deal is reopened explicitly first.',
        params: IdParams,
        body: MoveInput,
        response: { 200: DealDetail, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (request) =>
      deals.move(request.params.id, request.body, who(request.principal), await request.viewer()),
  );

  app.post(
    '/api/v1/deals/:id/won',
    {
      config: { access: writeDeals },
      schema: {
        tags,
        summary: 'Mark a deal won: its leads become customers',
        params: IdParams,
        response: { 200: DealDetail, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => deals.won(request.params.id, who(request.principal), await request.viewer()),
  );

  app.post(
    '/api/v1/deals/:id/lost',
    {
      config: { access: writeDeals },
      schema: {
        tags,
        summary:
          "Mark a deal lost with one of the pipeline's reasons; its leads are recycled or disqualified",
        description: 'Leads that another open deal still holds stay opportunities; customers stay customers.',
        params: IdParams,
        body: LostInput,
        response: { 200: DealDetail, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (request) =>
      deals.lost(request.params.id, request.body, who(request.principal), await request.viewer()),
  );

  app.post(
    '/api/v1/deals/:id/reopen',
    {
      config: { access: writeDeals },
      schema: {
        tags,
        summary: 'Reopen a won or lost deal into an open stage',
        description:
          'Default stage: the one it was in before it closed. Its recycled leads become opportunities again.',
        params: IdParams,
        body: ReopenInput,
        response: { 200: DealDetail, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (request) =>
      deals.reopen(request.params.id, request.body, who(request.principal), await request.viewer()),
  );
};
