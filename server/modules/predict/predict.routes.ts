import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PredictRun, PredictState, TrainOptions } from '../../../contracts/predict.ts';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { PredictService } from './predict.service.ts';

// Everyone who works leads reads the model; marketing (and admins) retrain it.
const read = access.of({ roles: ['marketing', 'sales_manager', 'sales_rep'], scopes: ['leads:read'] });
const train = access.of({ roles: ['marketing'], scopes: ['admin'] });

export const predictRoutes: FastifyPluginAsyncTypebox<{ predict: PredictService }> = async (
  app,
  { predict },
) => {
  app.get(
    '/api/v1/predict/model',
    {
      config: { access: read },
      schema: {
        tags: ['predict'],
        summary: "The active model's held-out report and top coefficients, and the latest training run",
        description: '`model` is null until a first run completes.',
        response: { 200: PredictState, ...errorResponses() },
      },
    },
    async () => predict.state(),
  );

  app.post(
    '/api/v1/predict/train',
    {
      config: { access: train },
      schema: {
        tags: ['predict'],
        summary: 'Train a new model version in the background',
        description:
          'Refuses (422 PREDICT_NOT_ENOUGH_DATA) below 200 labelled leads or 30 of each outcome. Follow the run with GET /api/v1/predict/runs/{id}; when it completes, every open lead has a new probability.',
        body: TrainOptions,
        response: { 202: PredictRun, ...errorResponses(409, 422) },
      },
    },
    async (request, reply) =>
      reply.status(202).send(
        await predict.createRun(request.body, {
          actor: actorOf(request.principal),
          trigger: 'manual',
          enqueue: true,
        }),
      ),
  );

  app.get(
    '/api/v1/predict/runs/:id',
    {
      config: { access: read },
      schema: {
        tags: ['predict'],
        summary: 'A training run: status, phase and progress',
        params: IdParams,
        response: { 200: PredictRun, ...errorResponses(404) },
      },
    },
    async (request) => predict.getRun(request.params.id),
  );
};
