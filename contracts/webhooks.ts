/**
 * Outbound webhooks: subscriptions to domain events, deliveries and their attempts. Shared by the
 * server and the web app.
 */
import Type, { type Static } from 'typebox';
import type { ErrorSpec } from './errors.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const IsoDate = Type.String({ format: 'date-time' });

/** Every event type a subscription may ask for. */
export const webhookEventTypes = [
  'lead.created',
  'lead.updated',
  'lead.stage_changed',
  'lead.mql',
  'lead.assigned',
  'lead.accepted',
  'lead.rejected',
  'lead.merged',
  'lead.unmerged',
  'lead.erased',
  'lead.deleted',
  'deal.created',
  'deal.stage_changed',
  'deal.won',
  'deal.lost',
  'deal.deleted',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
export const isWebhookEventType = (t: string): t is WebhookEventType =>
  (webhookEventTypes as readonly string[]).includes(t);

/** The ping a "test" sends; not subscribable. */
export const webhookPingType = 'webhook.ping';

/** pending: being tried (a job owns it); held: its subscription was off when its turn came, sent on re-enable. */
export const webhookDeliveryStatuses = ['pending', 'held', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/** Limits of delivery: attempts per delivery, and failed deliveries in a row before disabling. */
export const webhookLimits = {
  maxAttempts: 12,
  timeoutMs: 10_000,
  disableAfterFailures: 5,
  responseBodyBytes: 2048,
  signatureToleranceSeconds: 300,
  /** Finished deliveries (and their attempts) are kept this long. */
  retentionDays: 30,
} as const;

const EventTypes = Type.Array(Type.Enum([...webhookEventTypes]), {
  minItems: 1,
  maxItems: webhookEventTypes.length,
  uniqueItems: true,
  description: 'The event types to receive',
});

export const WebhookSubscriptionInput = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'Where to POST: https, or http to a loopback address',
    }),
    events: EventTypes,
    description: Type.Optional(Type.String({ maxLength: 500 })),
    active: Type.Optional(Type.Boolean({ description: 'Default true' })),
  },
  { additionalProperties: false },
);
export type WebhookSubscriptionInput = Static<typeof WebhookSubscriptionInput>;

export const WebhookSubscriptionPatch = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    events: Type.Optional(EventTypes),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    active: Type.Optional(Type.Boolean({ description: 'true re-enables an auto-disabled subscription' })),
  },
  { additionalProperties: false },
);
export type WebhookSubscriptionPatch = Static<typeof WebhookSubscriptionPatch>;

export const WebhookSubscription = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: Type.String(),
  events: Type.Array(Type.String()),
  active: Type.Boolean(),
  disabledReason: Nullable(Type.String({ description: 'Why the server disabled it (repeated failures)' })),
  disabledAt: Nullable(IsoDate),
  consecutiveFailures: Type.Integer(),
  restricted: Type.Boolean({
    description:
      'Made or last changed by someone who is not an admin: https to public addresses only, checked again on every delivery',
  }),
  lastDeliveryAt: Nullable(IsoDate),
  lastDeliveryStatus: Nullable(Type.String()),
  createdAt: IsoDate,
  updatedAt: IsoDate,
});
export type WebhookSubscription = Static<typeof WebhookSubscription>;

/** Create and rotate answer with the secret: the only times it is shown. */
export const WebhookSubscriptionWithSecret = Type.Object({
  subscription: WebhookSubscription,
  secret: Type.String({ description: 'The signing secret; shown only now' }),
});
export type WebhookSubscriptionWithSecret = Static<typeof WebhookSubscriptionWithSecret>;

export const WebhookAttempt = Type.Object({
  id: Type.String(),
  attempt: Type.Integer(),
  trigger: Type.String({ description: 'automatic, replay or test' }),
  statusCode: Nullable(Type.Integer()),
  ok: Type.Boolean(),
  durationMs: Type.Integer(),
  error: Nullable(Type.String()),
  responseBody: Nullable(Type.String({ description: 'The first 2 KB of the response' })),
  startedAt: IsoDate,
});
export type WebhookAttempt = Static<typeof WebhookAttempt>;

export const WebhookDelivery = Type.Object({
  id: Type.String({ description: 'Sent as Leadloop-Delivery: the receiver’s idempotency key' }),
  subscriptionId: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  status: Type.Enum([...webhookDeliveryStatuses]),
  attempts: Type.Integer(),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  lastDurationMs: Nullable(Type.Integer()),
  createdAt: IsoDate,
  deliveredAt: Nullable(IsoDate),
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;

export const WebhookDeliveryDetail = Type.Object({
  delivery: WebhookDelivery,
  payload: Type.Unknown({ description: 'The JSON body as sent' }),
  attempts: Type.Array(WebhookAttempt),
});
export type WebhookDeliveryDetail = Static<typeof WebhookDeliveryDetail>;

export const WebhookDeliveriesQuery = Type.Object({
  status: Type.Optional(Type.Enum([...webhookDeliveryStatuses])),
  eventType: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 100 })),
});
export type WebhookDeliveriesQuery = Static<typeof WebhookDeliveriesQuery>;

export const WebhookDeliveryPage = Type.Object({
  data: Type.Array(WebhookDelivery),
  nextCursor: Nullable(Type.String()),
});
export type WebhookDeliveryPage = Static<typeof WebhookDeliveryPage>;

export const webhookErrors = {
  WEBHOOK_NOT_FOUND: { status: 404, kind: 'user', description: 'No webhook subscription has this id.' },
  WEBHOOK_DELIVERY_NOT_FOUND: {
    status: 404,
    kind: 'user',
    description: 'No delivery of this subscription has this id.',
  },
  WEBHOOK_URL_INVALID: {
    status: 422,
    kind: 'user',
    description:
      'The target URL is not an absolute https URL (plain http is accepted only for loopback addresses, unless the server allows it), carries credentials, or — for a subscription made by someone who is not an admin — points at a private, loopback, link-local or internal address (`details[0].rule` is `public_address`).',
  },
  WEBHOOK_ADMIN_ONLY: {
    status: 403,
    kind: 'auth',
    description:
      'The subscription was set up by an admin (it may reach internal addresses); only an admin may change, test, replay or delete it.',
  },
} as const satisfies Record<string, ErrorSpec>;
