import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  BacktestResult,
  DraftInput,
  PreviewInput,
  ScoreBreakdown,
  ScoreHistoryEntry,
  ScoringModel,
  ScoringModelSummary,
} from '../../../contracts/scoring.ts';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { ScoringService } from './scoring.service.ts';

const people = ['marketing', 'sales_manager', 'sales_rep'] as const;
const readScores = access.of({ roles: people, scopes: ['leads:read'] });
/** Models are marketing's (with admins); sales reads them. */
const readModels = access.of({ roles: people, scopes: ['leads:read'] });
const writeModels = access.of({ roles: ['marketing'], scopes: ['admin'] });

const Draft = Type.Intersect([
  ScoringModel,
  Type.Object({
    backtest: Type.Union([BacktestResult, Type.Null()]),
    saved: Type.Boolean({ description: 'false: no draft yet; this is the published model to start from' }),
  }),
]);

export const scoringRoutes: FastifyPluginAsyncTypebox<{ scoring: ScoringService }> = async (
  app,
  { scoring },
) => {
  app.get(
    '/api/v1/scoring/models',
    {
      config: { access: readModels },
      schema: {
        tags: ['scoring'],
        summary: 'Scoring model versions, newest first, with the rescore progress of published ones',
        response: { 200: Type.Object({ data: Type.Array(ScoringModelSummary) }), ...errorResponses() },
      },
    },
    async () => ({ data: await scoring.list() }),
  );

  app.get(
    '/api/v1/scoring/models/:version',
    {
      config: { access: readModels },
      schema: {
        tags: ['scoring'],
        summary: 'One scoring model version with its definition',
        params: Type.Object({ version: Type.Integer({ minimum: 1, maximum: 1_000_000 }) }),
        response: { 200: ScoringModel, ...errorResponses(404) },
      },
    },
    async (request) => scoring.get(request.params.version),
  );

  app.get(
    '/api/v1/scoring/draft',
    {
      config: { access: readModels },
      schema: {
        tags: ['scoring'],
        summary: 'The draft model (or the published one to start a draft from) and its last backtest',
        response: { 200: Draft, ...errorResponses() },
      },
    },
    async () => scoring.draft(),
  );

  app.put(
    '/api/v1/scoring/draft',
    {
      config: { access: writeModels },
      schema: {
        tags: ['scoring'],
        summary: 'Save the draft model (checked: fields, operators, caps, decay, thresholds)',
        body: DraftInput,
        response: { 200: ScoringModel, ...errorResponses() },
      },
    },
    async (request) => scoring.saveDraft(request.body),
  );

  app.delete(
    '/api/v1/scoring/draft',
    {
      config: { access: writeModels },
      schema: {
        tags: ['scoring'],
        summary: 'Discard the draft',
        response: { 204: Type.Null(), ...errorResponses() },
      },
    },
    async (_request, reply) => {
      await scoring.discardDraft();
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/scoring/draft/backtest',
    {
      config: { access: writeModels },
      schema: {
        tags: ['scoring'],
        summary:
          'Run the draft and the published model over every lead: who would be MQL under the active policy, and how they ended',
        response: { 200: BacktestResult, ...errorResponses(409) },
      },
    },
    async () => scoring.backtest(),
  );

  app.post(
    '/api/v1/scoring/draft/publish',
    {
      config: { access: writeModels },
      schema: {
        tags: ['scoring'],
        summary:
          'Publish the draft; every lead is rescored in the background (progress in the versions list)',
        response: { 202: ScoringModelSummary, ...errorResponses(409) },
      },
    },
    async (request, reply) => reply.status(202).send(await scoring.publish(actorOf(request.principal))),
  );

  app.post(
    '/api/v1/scoring/preview',
    {
      config: { access: readModels },
      schema: {
        tags: ['scoring'],
        summary:
          "A model (the editor's definition, or the saved draft) applied to one lead, with its breakdown",
        body: PreviewInput,
        response: { 200: ScoreBreakdown, ...errorResponses(404) },
      },
    },
    async (request) => {
      await request.requireLead(request.body.leadId, 'see', 'leadId');
      return scoring.preview(request.body.leadId, request.body.definition);
    },
  );

  app.get(
    '/api/v1/leads/:id/score',
    {
      config: { access: readScores, lead: 'see' },
      schema: {
        tags: ['scoring'],
        summary:
          "A lead's score under the published model: the rules that fired, their points and what decay left",
        params: IdParams,
        response: { 200: ScoreBreakdown, ...errorResponses(404) },
      },
    },
    async (request) => scoring.breakdown(request.params.id),
  );

  app.get(
    '/api/v1/leads/:id/score/history',
    {
      config: { access: readScores, lead: 'see' },
      schema: {
        tags: ['scoring'],
        summary: "A lead's score each time it changed (oldest first, the latest 500)",
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(ScoreHistoryEntry) }), ...errorResponses(404) },
      },
    },
    async (request) => ({ data: await scoring.history(request.params.id) }),
  );
};
