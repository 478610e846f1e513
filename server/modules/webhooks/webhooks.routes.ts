import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  WebhookDeliveriesQuery,
  WebhookDeliveryDetail,
  WebhookDeliveryPage,
  WebhookSubscription,
  WebhookSubscriptionInput,
  WebhookSubscriptionPatch,
  WebhookSubscriptionWithSecret,
} from '../../../contracts/webhooks.ts';
import { access, type Principal } from '../../platform/http/access.ts';
import { errorResponses, IdParams } from '../../platform/http/schemas.ts';
import { actorOf } from '../audit/index.ts';
import type { Editor, WebhooksService } from './webhooks.service.ts';

// Marketing connects its tools too; what non-admins may target is narrower (see targets.ts).
const manage = access.of({ roles: ['marketing'], scopes: ['admin'] });
const tags = ['webhooks'];
const DeliveryParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64 }),
  deliveryId: Type.String({ minLength: 1, maxLength: 64 }),
});

function editorOf(principal: Principal | null): Editor {
  const admin =
    principal?.kind === 'user' ? principal.role === 'admin' : principal?.scopes.includes('admin') === true;
  return { actor: actorOf(principal), admin };
}

export const webhooksRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhooksService }> = async (
  app,
  { webhooks },
) => {
  app.get(
    '/api/v1/webhooks',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: 'Webhook subscriptions',
        response: { 200: Type.Object({ data: Type.Array(WebhookSubscription) }), ...errorResponses() },
      },
    },
    async () => ({ data: await webhooks.list() }),
  );

  app.post(
    '/api/v1/webhooks',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: 'Subscribe a URL to events',
        description:
          'Answers with the signing secret, shown only now (rotate to get a new one). The URL must be https; plain http only for loopback addresses unless the server allows it (LEADLOOP_WEBHOOKS_ALLOW_HTTP).',
        body: WebhookSubscriptionInput,
        response: { 201: WebhookSubscriptionWithSecret, ...errorResponses(422) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await webhooks.create(request.body, editorOf(request.principal))),
  );

  app.get(
    '/api/v1/webhooks/:id',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: 'A webhook subscription',
        params: IdParams,
        response: { 200: WebhookSubscription, ...errorResponses(404) },
      },
    },
    async (request) => webhooks.get(request.params.id),
  );

  app.patch(
    '/api/v1/webhooks/:id',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: 'Change a subscription, or enable / disable it',
        description:
          '`active: true` re-enables a subscription the server disabled after failures; deliveries held meanwhile are sent.',
        params: IdParams,
        body: WebhookSubscriptionPatch,
        response: { 200: WebhookSubscription, ...errorResponses(404, 422) },
      },
    },
    async (request) => webhooks.update(request.params.id, request.body, editorOf(request.principal)),
  );

  app.delete(
    '/api/v1/webhooks/:id',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: 'Delete a subscription and its delivery log',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await webhooks.remove(request.params.id, editorOf(request.principal));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/webhooks/:id/rotate-secret',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: 'Replace the signing secret',
        description: 'The new secret signs every delivery from now on; it is shown only in this answer.',
        params: IdParams,
        response: { 200: WebhookSubscriptionWithSecret, ...errorResponses(404) },
      },
    },
    async (request) => webhooks.rotateSecret(request.params.id, editorOf(request.principal)),
  );

  app.post(
    '/api/v1/webhooks/:id/ping',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: 'Send a signed webhook.ping now',
        description: 'Logged as a delivery; the answer holds its attempt (status code, duration, error).',
        params: IdParams,
        response: { 200: WebhookDeliveryDetail, ...errorResponses(404) },
      },
    },
    async (request) => webhooks.ping(request.params.id, editorOf(request.principal)),
  );

  app.get(
    '/api/v1/webhooks/:id/deliveries',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: "A subscription's delivery log, newest first",
        params: IdParams,
        querystring: WebhookDeliveriesQuery,
        response: { 200: WebhookDeliveryPage, ...errorResponses(404) },
      },
    },
    async (request) => webhooks.deliveries(request.params.id, request.query),
  );

  app.get(
    '/api/v1/webhooks/:id/deliveries/:deliveryId',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: 'A delivery with its body and every attempt',
        params: DeliveryParams,
        response: { 200: WebhookDeliveryDetail, ...errorResponses(404) },
      },
    },
    async (request) => webhooks.detail(request.params.id, request.params.deliveryId),
  );

  app.post(
    '/api/v1/webhooks/:id/deliveries/:deliveryId/replay',
    {
      config: { access: manage },
      schema: {
        tags,
        summary: 'Send a delivery again now',
        description: 'Same body, same Leadloop-Delivery id, a fresh signature; recorded as a new attempt.',
        params: DeliveryParams,
        response: { 200: WebhookDeliveryDetail, ...errorResponses(404) },
      },
    },
    async (request) =>
      webhooks.replay(request.params.id, request.params.deliveryId, editorOf(request.principal)),
  );
};
