import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import {
  DomainEvent,
  LeadStages,
  OverrideInput,
  PolicyDraftInput,
  PolicyVersion,
  StageChangeInput,
} from '../../../contracts/lifecycle.ts';
import { access } from '../../platform/http/access.ts';
import { errorResponses, IdParams } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { WriteContext } from '../leads/index.ts';
import { stageGuardOf } from '../permissions/index.ts';
import type { LifecycleService } from './lifecycle.service.ts';
import type { PolicyService } from './policy.service.ts';

const readLeads = access.of({ roles: ['marketing', 'sales_manager', 'sales_rep'], scopes: ['leads:read'] });
const writeLeads = access.of({ roles: ['marketing', 'sales_manager', 'sales_rep'], scopes: ['leads:write'] });
const readPolicy = access.of({ roles: ['marketing', 'sales_manager', 'sales_rep'], scopes: ['leads:read'] });
// Both sides of the agreement draft and propose; approving is checked per role in the service.
const shapePolicy = access.of({ roles: ['marketing', 'sales_manager'] });

function ctxOf(request: FastifyRequest): WriteContext {
  return {
    actor: actorOf(request.principal),
    source: request.principal?.kind === 'apiKey' ? 'api' : 'manual',
    ip: request.ip,
  };
}

const VersionParams = Type.Object({ version: Type.Integer({ minimum: 1 }) });

export const lifecycleRoutes: FastifyPluginAsyncTypebox<{
  lifecycle: LifecycleService;
  policy: PolicyService;
}> = async (app, { lifecycle, policy }) => {
  app.get(
    '/api/v1/leads/:id/stages',
    {
      config: { access: readLeads, lead: 'see' },
      schema: {
        tags: ['lifecycle'],
        summary: "A lead's stage history, the date it entered each stage, and the moves you may make now",
        params: IdParams,
        response: { 200: LeadStages, ...errorResponses(404) },
      },
    },
    async (request) => lifecycle.stagesOf(request.params.id, undefined, stageGuardOf(await request.viewer())),
  );

  app.post(
    '/api/v1/leads/:id/stage',
    {
      config: { access: writeLeads, lead: 'edit' },
      schema: {
        tags: ['lifecycle'],
        summary: 'Move a lead to another stage',
        description:
          "Follows the transition table: forward moves need nothing more; backward moves (recycle, disqualify, reopen) need a `reason` or a `reasonCode` from the active policy; moving to SQL needs the BANT answers the policy requires. Recorded in the history with the actor, time and policy version. Marketing hands leads off at MQL: accepting, rejecting an MQL, qualifying and later moves are sales' (403 LEAD_ACTION_NOT_ALLOWED).",
        params: IdParams,
        body: StageChangeInput,
        response: { 200: LeadStages, ...errorResponses(403, 404, 409, 422) },
      },
    },
    async (request) =>
      lifecycle.changeStage(
        request.params.id,
        request.body,
        ctxOf(request),
        stageGuardOf(await request.viewer()),
      ),
  );

  app.get(
    '/api/v1/events',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['lifecycle'],
        summary: 'Domain events (lead.stage_changed, lead.mql) after a cursor, oldest first',
        querystring: Type.Object(
          {
            after: Type.Optional(
              Type.String({ maxLength: 64, description: 'The last event id already seen' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            type: Type.Optional(
              Type.String({ maxLength: 200, description: 'One type or several, comma-separated' }),
            ),
            leadId: Type.Optional(Type.String({ maxLength: 64 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            data: Type.Array(DomainEvent),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses(),
        },
      },
    },
    async (request) =>
      lifecycle.eventsAfter({
        after: request.query.after,
        limit: request.query.limit,
        types: request.query.type?.split(',').filter(Boolean),
        leadId: request.query.leadId,
      }),
  );

  // ── Policy ──
  app.get(
    '/api/v1/policy',
    {
      config: { access: readPolicy },
      schema: {
        tags: ['lifecycle'],
        summary: 'The qualification policy in force',
        response: { 200: PolicyVersion, ...errorResponses(404) },
      },
    },
    async () => policy.getActive(),
  );

  app.get(
    '/api/v1/policy/versions',
    {
      config: { access: readPolicy },
      schema: {
        tags: ['lifecycle'],
        summary: 'Every policy version, newest first, with its status and approvals',
        response: { 200: Type.Object({ data: Type.Array(PolicyVersion) }), ...errorResponses() },
      },
    },
    async () => ({ data: await policy.versions() }),
  );

  app.get(
    '/api/v1/policy/versions/:version',
    {
      config: { access: readPolicy },
      schema: {
        tags: ['lifecycle'],
        summary: 'One policy version',
        params: VersionParams,
        response: { 200: PolicyVersion, ...errorResponses(404) },
      },
    },
    async (request) => policy.getVersion(request.params.version),
  );

  app.post(
    '/api/v1/policy/draft',
    {
      config: { access: shapePolicy },
      schema: {
        tags: ['lifecycle'],
        summary: 'Start a draft (from the active policy unless a definition is given)',
        body: PolicyDraftInput,
        response: { 201: PolicyVersion, ...errorResponses(409) },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return policy.createDraft(request.body, ctxOf(request));
    },
  );

  app.put(
    '/api/v1/policy/draft',
    {
      config: { access: shapePolicy },
      schema: {
        tags: ['lifecycle'],
        summary: 'Edit the draft',
        body: PolicyDraftInput,
        response: { 200: PolicyVersion, ...errorResponses(404) },
      },
    },
    async (request) => policy.updateDraft(request.body, ctxOf(request)),
  );

  app.delete(
    '/api/v1/policy/draft',
    {
      config: { access: shapePolicy },
      schema: {
        tags: ['lifecycle'],
        summary: 'Discard the draft (kept as withdrawn)',
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await policy.discardDraft(ctxOf(request));
      reply.code(204);
      return null;
    },
  );

  app.post(
    '/api/v1/policy/versions/:version/propose',
    {
      config: { access: shapePolicy },
      schema: {
        tags: ['lifecycle'],
        summary: 'Propose the draft for approval by marketing and sales',
        params: VersionParams,
        response: { 200: PolicyVersion, ...errorResponses(404, 409) },
      },
    },
    async (request) => policy.propose(request.params.version, ctxOf(request)),
  );

  app.post(
    '/api/v1/policy/versions/:version/approve',
    {
      config: { access: shapePolicy },
      schema: {
        tags: ['lifecycle'],
        summary:
          'Approve a proposed version (marketing or sales manager); with both approvals it becomes active',
        params: VersionParams,
        response: { 200: PolicyVersion, ...errorResponses(404, 409) },
      },
    },
    async (request) => policy.approve(request.params.version, request.principal, ctxOf(request)),
  );

  app.post(
    '/api/v1/policy/versions/:version/override',
    {
      config: { access: access.admin() },
      schema: {
        tags: ['lifecycle'],
        summary:
          'Make a draft or proposed version active without both approvals (admins; the reason is recorded)',
        params: VersionParams,
        body: OverrideInput,
        response: { 200: PolicyVersion, ...errorResponses(404, 409) },
      },
    },
    async (request) => policy.override(request.params.version, request.body.reason, ctxOf(request)),
  );
};
