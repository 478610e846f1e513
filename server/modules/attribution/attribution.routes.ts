import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  Campaign,
  CampaignCost,
  CampaignCostInput,
  CampaignCostPatch,
  CampaignInput,
  CampaignPatch,
  CampaignTrend,
  ClassifyResult,
  ClassifySample,
  Reclassification,
  RuleSetDefinition,
  RuleSetDraft,
  RuleSetVersion,
} from '../../../contracts/attribution.ts';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams, PageOf, PageQuery } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { WriteContext } from '../leads/index.ts';
import type { AttributionService } from './attribution.service.ts';
import type { CampaignsService } from './campaigns.service.ts';

// Marketing owns campaigns and channel rules; sales reads them; API keys read with leads:read and
// write with the admin scope.
const read = access.of({ roles: ['marketing', 'sales_manager', 'sales_rep'], scopes: ['leads:read'] });
const write = access.of({ roles: ['marketing'], scopes: ['admin'] });

function ctxOf(request: FastifyRequest): WriteContext {
  return {
    actor: actorOf(request.principal),
    source: request.principal?.kind === 'apiKey' ? 'api' : 'manual',
    ip: request.ip,
  };
}

const CostParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  costId: Type.String({ minLength: 1, maxLength: 64 }),
});
const VersionParams = Type.Object({ version: Type.Integer({ minimum: 1 }) });

export const attributionRoutes: FastifyPluginAsyncTypebox<{
  attribution: AttributionService;
  campaigns: CampaignsService;
}> = async (app, { attribution, campaigns }) => {
  // ── Campaigns ──
  app.get(
    '/api/v1/campaigns',
    {
      config: { access: read },
      schema: {
        tags: ['campaigns'],
        summary: 'List campaigns with their totals (spend per currency, leads first-touched, touches)',
        querystring: Type.Object(
          {
            ...PageQuery,
            q: Type.Optional(
              Type.String({ maxLength: 200, description: 'Words in the name or a utm_campaign value' }),
            ),
            status: Type.Optional(
              Type.String({ maxLength: 100, description: 'One status or several, comma-separated' }),
            ),
            channel: Type.Optional(Type.String({ maxLength: 40 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(Campaign), ...errorResponses() },
      },
    },
    async (request) => campaigns.list(request.query),
  );

  app.post(
    '/api/v1/campaigns',
    {
      config: { access: write },
      schema: {
        tags: ['campaigns'],
        summary: 'Create a campaign',
        description:
          'utm_campaign values are matched ignoring case; touchpoints already recorded with them are attributed in the background.',
        body: CampaignInput,
        response: { 201: Campaign, ...errorResponses(409) },
      },
    },
    async (request, reply) => reply.status(201).send(await campaigns.create(request.body, ctxOf(request))),
  );

  app.get(
    '/api/v1/campaigns/:id',
    {
      config: { access: read },
      schema: {
        tags: ['campaigns'],
        summary: 'Get a campaign with its totals',
        params: IdParams,
        response: { 200: Campaign, ...errorResponses(404) },
      },
    },
    async (request) => campaigns.get(request.params.id),
  );

  app.patch(
    '/api/v1/campaigns/:id',
    {
      config: { access: write },
      schema: {
        tags: ['campaigns'],
        summary: 'Change a campaign',
        description:
          'Changing its utm_campaign values or its channel reclassifies the touchpoints concerned in the background.',
        params: IdParams,
        body: CampaignPatch,
        response: { 200: Campaign, ...errorResponses(404, 409) },
      },
    },
    async (request) => campaigns.update(request.params.id, request.body, ctxOf(request)),
  );

  app.delete(
    '/api/v1/campaigns/:id',
    {
      config: { access: write },
      schema: {
        tags: ['campaigns'],
        summary: 'Delete a campaign and its costs',
        description: 'Its touchpoints and leads lose the campaign in the background; their channels stay.',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await campaigns.remove(request.params.id, ctxOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/campaigns/:id/trend',
    {
      config: { access: read },
      schema: {
        tags: ['campaigns'],
        summary: "A campaign's cost by month and its leads by week of first touch (for charts)",
        params: IdParams,
        response: { 200: CampaignTrend, ...errorResponses(404) },
      },
    },
    async (request) => campaigns.trend(request.params.id),
  );

  app.get(
    '/api/v1/campaigns/:id/costs',
    {
      config: { access: read },
      schema: {
        tags: ['campaigns'],
        summary: "A campaign's cost entries, newest day first",
        params: IdParams,
        response: { 200: Type.Object({ data: Type.Array(CampaignCost) }), ...errorResponses(404) },
      },
    },
    async (request) => ({ data: await campaigns.listCosts(request.params.id) }),
  );

  app.post(
    '/api/v1/campaigns/:id/costs',
    {
      config: { access: write },
      schema: {
        tags: ['campaigns'],
        summary: 'Add a cost entry (integer minor units with an ISO 4217 currency)',
        params: IdParams,
        body: CampaignCostInput,
        response: { 201: CampaignCost, ...errorResponses(404) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await campaigns.addCost(request.params.id, request.body, ctxOf(request))),
  );

  app.patch(
    '/api/v1/campaigns/:id/costs/:costId',
    {
      config: { access: write },
      schema: {
        tags: ['campaigns'],
        summary: 'Change a cost entry',
        params: CostParams,
        body: CampaignCostPatch,
        response: { 200: CampaignCost, ...errorResponses(404) },
      },
    },
    async (request) => campaigns.updateCost(request.params.id, request.params.costId, request.body),
  );

  app.delete(
    '/api/v1/campaigns/:id/costs/:costId',
    {
      config: { access: write },
      schema: {
        tags: ['campaigns'],
        summary: 'Delete a cost entry',
        params: CostParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await campaigns.deleteCost(request.params.id, request.params.costId);
      return reply.status(204).send(null);
    },
  );

  // ── Channel rules ──
  app.get(
    '/api/v1/channel-rules',
    {
      config: { access: read },
      schema: {
        tags: ['attribution'],
        summary: 'The published channel rules (the current version)',
        response: { 200: RuleSetVersion, ...errorResponses() },
      },
    },
    async () => attribution.published(),
  );

  app.get(
    '/api/v1/channel-rules/draft',
    {
      config: { access: read },
      schema: {
        tags: ['attribution'],
        summary: 'The draft of the channel rules (a copy of the published rules when nobody started one)',
        response: { 200: RuleSetDraft, ...errorResponses() },
      },
    },
    async () => attribution.getDraft(),
  );

  app.put(
    '/api/v1/channel-rules/draft',
    {
      config: { access: write },
      schema: {
        tags: ['attribution'],
        summary: 'Save the draft of the channel rules',
        body: Type.Object(
          {
            definition: RuleSetDefinition,
            basedOn: Type.Integer({ minimum: 1, description: 'The version the draft was started from' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: RuleSetDraft, ...errorResponses(409) },
      },
    },
    async (request) => attribution.saveDraft(request.body.definition, request.body.basedOn, ctxOf(request)),
  );

  app.delete(
    '/api/v1/channel-rules/draft',
    {
      config: { access: write },
      schema: {
        tags: ['attribution'],
        summary: 'Discard the draft; answers the fresh draft (a copy of the published rules)',
        response: { 200: RuleSetDraft, ...errorResponses() },
      },
    },
    async () => attribution.discardDraft(),
  );

  app.post(
    '/api/v1/channel-rules/publish',
    {
      config: { access: write },
      schema: {
        tags: ['attribution'],
        summary: 'Publish the draft as the next version and reclassify history under it',
        description:
          'New touchpoints are classified under the new version at once; history is reclassified by a background run whose progress /api/v1/channel-rules/reclassifications/{id} shows.',
        body: Type.Object(
          { note: Type.Optional(Type.String({ maxLength: 500 })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ version: RuleSetVersion, reclassification: Reclassification }),
          ...errorResponses(409),
        },
      },
    },
    async (request) => attribution.publish(request.body.note ?? null, ctxOf(request)),
  );

  app.get(
    '/api/v1/channel-rules/versions',
    {
      config: { access: read },
      schema: {
        tags: ['attribution'],
        summary: 'Every published version of the channel rules, newest first',
        response: { 200: Type.Object({ data: Type.Array(RuleSetVersion) }), ...errorResponses() },
      },
    },
    async () => ({ data: await attribution.listVersions() }),
  );

  app.get(
    '/api/v1/channel-rules/versions/:version',
    {
      config: { access: read },
      schema: {
        tags: ['attribution'],
        summary: 'One published version of the channel rules',
        params: VersionParams,
        response: { 200: RuleSetVersion, ...errorResponses(404) },
      },
    },
    async (request) => attribution.getVersion(request.params.version),
  );

  app.post(
    '/api/v1/channel-rules/versions/:version/restore',
    {
      config: { access: write },
      schema: {
        tags: ['attribution'],
        summary: 'Copy a published version into the draft (publish the draft to go back to it)',
        params: VersionParams,
        response: { 200: RuleSetDraft, ...errorResponses(404) },
      },
    },
    async (request) => attribution.restoreVersion(request.params.version, ctxOf(request)),
  );

  app.post(
    '/api/v1/channel-rules/test',
    {
      config: { access: read },
      schema: {
        tags: ['attribution'],
        summary: 'Classify a sample visit against a rule set (the one given, or the published one)',
        body: Type.Object(
          { sample: ClassifySample, definition: Type.Optional(RuleSetDefinition) },
          { additionalProperties: false },
        ),
        response: { 200: ClassifyResult, ...errorResponses() },
      },
    },
    async (request) => attribution.test(request.body.sample, request.body.definition),
  );

  app.get(
    '/api/v1/channel-rules/reclassifications',
    {
      config: { access: read },
      schema: {
        tags: ['attribution'],
        summary: 'The latest reclassification runs, newest first',
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(Reclassification) }), ...errorResponses() },
      },
    },
    async (request) => ({ data: await attribution.listRuns(request.query.limit) }),
  );

  app.get(
    '/api/v1/channel-rules/reclassifications/:id',
    {
      config: { access: read },
      schema: {
        tags: ['attribution'],
        summary: 'A reclassification run and its progress',
        params: IdParams,
        response: { 200: Reclassification, ...errorResponses(404) },
      },
    },
    async (request) => attribution.getRun(request.params.id),
  );
};
