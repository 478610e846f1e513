/**
 * Outbound webhooks: subscriptions, publishing events (one delivery row and one durable job per
 * matching subscription, inside the caller's transaction), sending with signatures, the delivery
 * log, replay, and disabling a subscription after repeated failed deliveries.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { type Selectable, sql } from 'kysely';
import {
  type WebhookAttempt,
  type WebhookDeliveriesQuery,
  type WebhookDelivery,
  type WebhookDeliveryDetail,
  type WebhookDeliveryPage,
  type WebhookEventType,
  type WebhookSubscription,
  type WebhookSubscriptionInput,
  type WebhookSubscriptionPatch,
  type WebhookSubscriptionWithSecret,
  webhookLimits,
  webhookPingType,
} from '../../../contracts/webhooks.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { prepared } from '../../platform/db/prepared.ts';
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookSubscriptionsTable,
} from '../../platform/db/schema.ts';
import { AppError } from '../../platform/errors.ts';
import { iso } from '../../platform/http/schemas.ts';
import { newId } from '../../platform/ids.ts';
import type { JobDefinition } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import type { Actor, AuditService } from '../audit/index.ts';
import { signatureHeader } from './signature.ts';
import { checkWebhookUrl, type LookupFunction, publicOnlyLookup } from './targets.ts';

type SubscriptionRow = Selectable<WebhookSubscriptionsTable>;
type DeliveryRow = Selectable<WebhookDeliveriesTable>;
type AttemptRow = Selectable<WebhookAttemptsTable>;

/** A subscription the server just turned off, for whoever is told about it. */
export type DisabledSubscription = { id: string; url: string; createdBy: string | null; failures: number };

/** Who changes a subscription: admins may target internal addresses, anyone else only public ones. */
export type Editor = { actor: Actor; admin: boolean };

/** An event to publish: `data` is the event's own payload. */
export type WebhookEvent = { type: WebhookEventType; occurredAt: number; data: unknown };

export type DeliverPayload = { deliveryId: string };

export type SendOutcome = {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseBody: string | null;
};

/** Sends one signed POST; never throws (a network failure is an outcome). */
export type Sender = (request: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Only public addresses may be reached (see targets.ts). */
  restricted: boolean;
}) => Promise<SendOutcome>;

/**
 * The real sender (node:http/https, redirects not followed). A restricted subscription connects
 * through a lookup that refuses private addresses, so the check covers the address actually used.
 */
export function createHttpSender(resolve?: LookupFunction): Sender {
  const guarded = publicOnlyLookup(resolve);
  return ({ url, body, headers, timeoutMs, restricted }) =>
    new Promise<SendOutcome>((done) => {
      const started = performance.now();
      const target = new URL(url);
      const finish = (o: Omit<SendOutcome, 'durationMs'>) =>
        done({ ...o, durationMs: Math.round(performance.now() - started) });
      const fail = (error: Error & { code?: string }) =>
        finish({
          ok: false,
          statusCode: null,
          error: String(
            error.code === 'EPRIVATEADDRESS' ? error.message : (error.code ?? error.message),
          ).slice(0, 500),
          responseBody: null,
        });
      const request = (target.protocol === 'https:' ? https : http).request(target, {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        signal: AbortSignal.timeout(timeoutMs),
        ...(restricted ? { lookup: guarded } : {}),
      });
      request.on('error', (error: Error & { code?: string }) =>
        error.name === 'AbortError' || error.name === 'TimeoutError'
          ? finish({
              ok: false,
              statusCode: null,
              error: `timed out after ${timeoutMs} ms`,
              responseBody: null,
            })
          : fail(error),
      );
      request.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const limit = webhookLimits.responseBodyBytes;
        const settle = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          finish({
            ok: status >= 200 && status < 300,
            statusCode: status,
            error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
            responseBody: chunks.length === 0 ? '' : text.length > limit ? text.slice(0, limit) : text,
          });
        };
        res.on('data', (chunk: Buffer) => {
          if (size >= limit) return;
          chunks.push(chunk);
          size += chunk.length;
          // Enough read: stop the transfer (the rest of a huge answer is not ours to wait for).
          if (size >= limit) {
            settle();
            res.destroy();
          }
        });
        res.on('end', () => size < limit && settle());
        res.on('error', () => size < limit && settle());
      });
      request.end(body);
    });
}

export const httpSender: Sender = createHttpSender();

const toSubscription = (r: SubscriptionRow): WebhookSubscription => ({
  id: r.id,
  url: r.url,
  description: r.description,
  events: JSON.parse(r.events) as string[],
  active: r.active === 1,
  disabledReason: r.disabled_reason,
  disabledAt: iso(r.disabled_at === null ? null : Number(r.disabled_at)),
  consecutiveFailures: r.consecutive_failures,
  restricted: r.restricted === 1,
  lastDeliveryAt: iso(r.last_delivery_at === null ? null : Number(r.last_delivery_at)),
  lastDeliveryStatus: r.last_delivery_status,
  createdAt: iso(Number(r.created_at)),
  updatedAt: iso(Number(r.updated_at)),
});

const toAttempt = (r: AttemptRow): WebhookAttempt => ({
  id: r.id,
  attempt: r.attempt,
  trigger: r.trigger,
  statusCode: r.status_code,
  ok: r.ok === 1,
  durationMs: r.duration_ms,
  error: r.error,
  responseBody: r.response_body,
  startedAt: iso(Number(r.started_at)),
});

const toDelivery = (r: DeliveryRow, lastDurationMs: number | null): WebhookDelivery => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  eventId: r.event_id,
  eventType: r.event_type,
  status: r.status as WebhookDelivery['status'],
  attempts: r.attempts,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  lastDurationMs,
  createdAt: iso(Number(r.created_at)),
  deliveredAt: iso(r.delivered_at === null ? null : Number(r.delivered_at)),
});

const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

export type WebhooksDeps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue'>;
  audit: Pick<AuditService, 'record'>;
  deliverJob: () => JobDefinition;
  allowHttp: boolean;
  sender?: Sender;
  /** Tells people a subscription was turned off after repeated failures (in that transaction). */
  onDisabled?: (tx: Tx, sub: DisabledSubscription) => Promise<void>;
  /** Failed deliveries in a row that disable a subscription. */
  disableAfterFailures?: number;
  timeoutMs?: number;
};

// Producers ask on every capture whether anyone wants their events: compiled once (see prepared.ts).
const activeSubscriptionRows = prepared(0, (tx) =>
  tx.selectFrom('webhook_subscriptions').select(['id', 'events']).where('active', '=', 1),
);

export function createWebhooksService(deps: WebhooksDeps) {
  const { database, clock } = deps;
  const db = database.db;
  const send = deps.sender ?? httpSender;
  const disableAfter = deps.disableAfterFailures ?? webhookLimits.disableAfterFailures;
  const timeoutMs = deps.timeoutMs ?? webhookLimits.timeoutMs;

  async function row(tx: Tx, id: string): Promise<SubscriptionRow> {
    const r = await tx
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r) throw new AppError('WEBHOOK_NOT_FOUND', `No webhook subscription ${id}`);
    return r;
  }

  async function list(): Promise<WebhookSubscription[]> {
    const rows = await db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toSubscription);
  }

  async function get(id: string): Promise<WebhookSubscription> {
    return toSubscription(await row(db, id));
  }

  /** The subscription, when this editor may change it: non-admins only the restricted ones. */
  async function editable(tx: Tx, id: string, editor: Editor): Promise<SubscriptionRow> {
    const r = await row(tx, id);
    if (!editor.admin && r.restricted !== 1)
      throw new AppError(
        'WEBHOOK_ADMIN_ONLY',
        `Webhook ${id} was set up by an admin; only an admin may change it`,
      );
    return r;
  }

  const urlRules = (editor: Editor) => ({
    allowHttp: deps.allowHttp && editor.admin,
    restricted: !editor.admin,
  });

  async function create(
    input: WebhookSubscriptionInput,
    editor: Editor,
  ): Promise<WebhookSubscriptionWithSecret> {
    const { actor } = editor;
    const url = checkWebhookUrl(input.url, urlRules(editor));
    const now = clock.now();
    const id = newId('whk', now);
    const secret = newSecret();
    await db.transaction().execute(async (tx) => {
      await tx
        .insertInto('webhook_subscriptions')
        .values({
          id,
          url,
          description: input.description?.trim() ?? '',
          events: JSON.stringify(input.events),
          secret,
          active: input.active === false ? 0 : 1,
          disabled_reason: null,
          disabled_at: null,
          consecutive_failures: 0,
          last_delivery_at: null,
          last_delivery_status: null,
          restricted: editor.admin ? 0 : 1,
          created_by: 'id' in actor ? actor.id : null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await deps.audit.record(tx, {
        actor,
        action: 'webhook.created',
        target: { type: 'webhook', id },
        details: { url, events: input.events },
      });
    });
    return { subscription: await get(id), secret };
  }

  async function update(
    id: string,
    patch: WebhookSubscriptionPatch,
    editor: Editor,
  ): Promise<WebhookSubscription> {
    const { actor } = editor;
    const url = patch.url === undefined ? undefined : checkWebhookUrl(patch.url, urlRules(editor));
    await db.transaction().execute(async (tx) => {
      const current = await editable(tx, id, editor);
      // A restricted subscription stays restricted until an admin sets its URL again.
      const restricted = editor.admin ? (url !== undefined ? 0 : current.restricted) : 1;
      const now = clock.now();
      const enabling = patch.active === true && current.active === 0;
      await tx
        .updateTable('webhook_subscriptions')
        .set({
          ...(url !== undefined ? { url } : {}),
          ...(patch.events ? { events: JSON.stringify(patch.events) } : {}),
          ...(patch.description !== undefined ? { description: patch.description.trim() } : {}),
          ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
          restricted,
          ...(enabling ? { disabled_reason: null, disabled_at: null, consecutive_failures: 0 } : {}),
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      if (enabling) {
        // Deliveries held while it was off go out now.
        // Held deliveries have no job left: give each a new one. Pending ones still have theirs.
        const held = await tx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('subscription_id', '=', id)
          .where('status', '=', 'held')
          .execute();
        await tx
          .updateTable('webhook_deliveries')
          .set({ status: 'pending', updated_at: now })
          .where('subscription_id', '=', id)
          .where('status', '=', 'held')
          .execute();
        for (const h of held) await deps.jobs.enqueue(tx, deps.deliverJob(), { deliveryId: h.id });
      }
      await deps.audit.record(tx, {
        actor,
        action: 'webhook.updated',
        target: { type: 'webhook', id },
        details: { ...patch, ...(url ? { url } : {}) },
      });
    });
    return get(id);
  }

  async function remove(id: string, editor: Editor): Promise<void> {
    const { actor } = editor;
    await db.transaction().execute(async (tx) => {
      await editable(tx, id, editor);
      const deliveries = tx.selectFrom('webhook_deliveries').select('id').where('subscription_id', '=', id);
      await tx.deleteFrom('webhook_attempts').where('delivery_id', 'in', deliveries).execute();
      await tx.deleteFrom('webhook_deliveries').where('subscription_id', '=', id).execute();
      await tx.deleteFrom('webhook_subscriptions').where('id', '=', id).execute();
      await deps.audit.record(tx, { actor, action: 'webhook.deleted', target: { type: 'webhook', id } });
    });
  }

  async function rotateSecret(id: string, editor: Editor): Promise<WebhookSubscriptionWithSecret> {
    const { actor } = editor;
    const secret = newSecret();
    await db.transaction().execute(async (tx) => {
      await editable(tx, id, editor);
      await tx
        .updateTable('webhook_subscriptions')
        .set({ secret, updated_at: clock.now() })
        .where('id', '=', id)
        .execute();
      await deps.audit.record(tx, {
        actor,
        action: 'webhook.secret_rotated',
        target: { type: 'webhook', id },
      });
    });
    return { subscription: await get(id), secret };
  }

  /** Active subscriptions, each with the set of event types it wants. */
  async function activeSubscriptions(tx: Tx) {
    const { rows } = await activeSubscriptionRows(tx);
    return rows.map((r) => ({ id: r.id, events: new Set(JSON.parse(r.events) as string[]) }));
  }

  /** True when some active subscription wants one of these types (lets producers skip building data). */
  async function wants(tx: Tx, types: readonly WebhookEventType[]): Promise<boolean> {
    const subs = await activeSubscriptions(tx);
    return subs.some((s) => types.some((t) => s.events.has(t)));
  }

  async function insertDeliveries(
    tx: Tx,
    rows: { subscriptionId: string; eventId: string; type: string; body: string }[],
    now: number,
  ): Promise<string[]> {
    const values = rows.map((r) => ({
      id: newId('whd', now),
      subscription_id: r.subscriptionId,
      event_id: r.eventId,
      event_type: r.type,
      payload: r.body,
      status: 'pending',
      attempts: 0,
      last_status_code: null,
      last_error: null,
      created_at: now,
      delivered_at: null,
      updated_at: now,
    }));
    for (let i = 0; i < values.length; i += 500) {
      await tx
        .insertInto('webhook_deliveries')
        .values(values.slice(i, i + 500))
        .execute();
    }
    for (const v of values) await deps.jobs.enqueue(tx, deps.deliverJob(), { deliveryId: v.id });
    return values.map((v) => v.id);
  }

  /**
   * Publishes events inside the caller's transaction: one delivery and one job per event and
   * matching active subscription. Nothing is sent if the caller rolls back. One query when nobody listens.
   */
  async function publish(tx: Tx, events: WebhookEvent | readonly WebhookEvent[]): Promise<string[]> {
    const list = Array.isArray(events) ? (events as readonly WebhookEvent[]) : [events as WebhookEvent];
    if (list.length === 0) return [];
    const subs = await activeSubscriptions(tx);
    if (subs.length === 0) return [];
    const now = clock.now();
    const rows: { subscriptionId: string; eventId: string; type: string; body: string }[] = [];
    for (const event of list) {
      const matching = subs.filter((s) => s.events.has(event.type));
      if (matching.length === 0) continue;
      const eventId = newId('evt', now);
      const body = JSON.stringify({
        id: eventId,
        type: event.type,
        occurredAt: new Date(event.occurredAt).toISOString(),
        data: event.data,
      });
      for (const s of matching) rows.push({ subscriptionId: s.id, eventId, type: event.type, body });
    }
    return insertDeliveries(tx, rows, now);
  }

  /**
   * An erasure: the stored bodies of deliveries about these leads (sent or still pending) become
   * `{ id, type, occurredAt, data: { erased: true, leadIds } }` — what went out before has gone,
   * what goes out later names no one. Found by the lead id in the body (a scan of the delivery log,
   * which keeps 30 days).
   */
  async function redactDeliveries(tx: Tx, leadIds: string[]): Promise<number> {
    // Events that carry ids and nothing else keep their bodies.
    const idOnlyEvents = ['lead.merged', 'lead.unmerged', 'lead.erased', 'lead.deleted'];
    let n = 0;
    for (const leadId of leadIds) {
      if (!/^[A-Za-z0-9_-]+$/.test(leadId)) continue;
      const rows = await tx
        .selectFrom('webhook_deliveries')
        .select(['id', 'payload'])
        .where('payload', 'like', `%"${leadId}"%`)
        .where('event_type', 'not in', idOnlyEvents)
        .execute();
      for (const r of rows) {
        const body = JSON.parse(r.payload) as { id: string; type: string; occurredAt: string };
        await tx
          .updateTable('webhook_deliveries')
          .set({
            payload: JSON.stringify({
              id: body.id,
              type: body.type,
              occurredAt: body.occurredAt,
              data: { erased: true, leadIds: [leadId] },
            }),
          })
          .where('id', '=', r.id)
          .execute();
        n++;
      }
    }
    return n;
  }

  /** Sends a delivery once and records the attempt; updates the delivery and its subscription. */
  async function attempt(
    delivery: DeliveryRow,
    sub: SubscriptionRow,
    trigger: 'automatic' | 'replay' | 'test',
  ): Promise<SendOutcome> {
    const startedAt = clock.now();
    const outcome = await send({
      url: sub.url,
      body: delivery.payload,
      timeoutMs,
      restricted: sub.restricted === 1,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Leadloop-Webhooks/1',
        'leadloop-event': delivery.event_type,
        'leadloop-delivery': delivery.id,
        'leadloop-signature': signatureHeader(sub.secret, startedAt, delivery.payload),
      },
    });
    await db.transaction().execute(async (tx) => {
      const now = clock.now();
      await tx
        .updateTable('webhook_deliveries')
        .set({ attempts: sql<number>`attempts + 1` })
        .where('id', '=', delivery.id)
        .execute();
      const fresh = await tx
        .selectFrom('webhook_deliveries')
        .select(['attempts'])
        .where('id', '=', delivery.id)
        .executeTakeFirst();
      if (!fresh) return;
      const n = fresh.attempts;
      await tx
        .insertInto('webhook_attempts')
        .values({
          id: newId('wha', now),
          delivery_id: delivery.id,
          attempt: n,
          trigger,
          status_code: outcome.statusCode,
          ok: outcome.ok ? 1 : 0,
          duration_ms: outcome.durationMs,
          error: outcome.error,
          response_body: outcome.responseBody,
          started_at: startedAt,
        })
        .execute();
      await tx
        .updateTable('webhook_deliveries')
        .set({
          last_status_code: outcome.statusCode,
          last_error: outcome.error,
          updated_at: now,
          ...(outcome.ok ? { status: 'delivered', delivered_at: now } : {}),
        })
        .where('id', '=', delivery.id)
        .execute();
      await tx
        .updateTable('webhook_subscriptions')
        .set({
          last_delivery_at: now,
          last_delivery_status: outcome.ok ? 'delivered' : 'failed',
          ...(outcome.ok ? { consecutive_failures: 0 } : {}),
        })
        .where('id', '=', sub.id)
        .execute();
    });
    return outcome;
  }

  /** Marks a delivery failed for good and disables its subscription after too many in a row. */
  async function giveUp(deliveryId: string, subscriptionId: string): Promise<void> {
    await db.transaction().execute(async (tx) => {
      const now = clock.now();
      await tx
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', updated_at: now })
        .where('id', '=', deliveryId)
        .where('status', '=', 'pending')
        .execute();
      // Counted in the database: several deliveries of one subscription may give up at once.
      await tx
        .updateTable('webhook_subscriptions')
        .set({ consecutive_failures: sql<number>`consecutive_failures + 1`, updated_at: now })
        .where('id', '=', subscriptionId)
        .execute();
      const disabled = await tx
        .updateTable('webhook_subscriptions')
        .set({
          active: 0,
          disabled_at: now,
          disabled_reason: `Disabled automatically after ${disableAfter} failed deliveries in a row`,
        })
        .where('id', '=', subscriptionId)
        .where('active', '=', 1)
        .where('consecutive_failures', '>=', disableAfter)
        .executeTakeFirst();
      const disable = Number(disabled.numUpdatedRows) > 0;
      if (disable) {
        await deps.audit.record(tx, {
          actor: { type: 'system', label: 'webhooks' },
          action: 'webhook.disabled',
          target: { type: 'webhook', id: subscriptionId },
          details: { failures: disableAfter },
        });
        const sub = await row(tx, subscriptionId);
        await deps.onDisabled?.(tx, {
          id: sub.id,
          url: sub.url,
          createdBy: sub.created_by,
          failures: disableAfter,
        });
      }
    });
  }

  /** The delivery job: one attempt; throws to be retried with backoff; gives up after the last. */
  async function runDelivery(
    payload: DeliverPayload,
    ctx: { attempt: number; maxAttempts: number },
  ): Promise<void> {
    const delivery = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', payload.deliveryId)
      .executeTakeFirst();
    if (delivery?.status !== 'pending') return;
    const sub = await db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('id', '=', delivery.subscription_id)
      .executeTakeFirst();
    if (!sub) return;
    if (sub.active === 0) {
      // Held: this job ends; re-enabling the subscription gives the delivery a new one.
      await db
        .updateTable('webhook_deliveries')
        .set({ status: 'held', updated_at: clock.now() })
        .where('id', '=', delivery.id)
        .where('status', '=', 'pending')
        .execute();
      return;
    }
    const outcome = await attempt(delivery, sub, 'automatic');
    if (outcome.ok) return;
    if (ctx.attempt >= ctx.maxAttempts) {
      await giveUp(delivery.id, sub.id);
      return;
    }
    throw new Error(`webhook delivery ${delivery.id} failed: ${outcome.error}`);
  }

  async function deliveryRow(subscriptionId: string, id: string): Promise<DeliveryRow> {
    const r = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .where('subscription_id', '=', subscriptionId)
      .executeTakeFirst();
    if (!r)
      throw new AppError('WEBHOOK_DELIVERY_NOT_FOUND', `No delivery ${id} of webhook ${subscriptionId}`);
    return r;
  }

  async function detail(subscriptionId: string, id: string): Promise<WebhookDeliveryDetail> {
    const d = await deliveryRow(subscriptionId, id);
    const attempts = await db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('delivery_id', '=', id)
      .orderBy('attempt')
      .execute();
    return {
      delivery: toDelivery(d, attempts.at(-1)?.duration_ms ?? null),
      payload: JSON.parse(d.payload),
      attempts: attempts.map(toAttempt),
    };
  }

  async function deliveries(subscriptionId: string, q: WebhookDeliveriesQuery): Promise<WebhookDeliveryPage> {
    await row(db, subscriptionId);
    const limit = q.limit ?? 50;
    let query = db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('subscription_id', '=', subscriptionId)
      .orderBy('id', 'desc')
      .limit(limit + 1);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.eventType) query = query.where('event_type', '=', q.eventType);
    if (q.cursor) query = query.where('id', '<', q.cursor);
    const rows = await query.execute();
    const page = rows.slice(0, limit);
    const durations = new Map<string, number>();
    if (page.length > 0) {
      const attempts = await db
        .selectFrom('webhook_attempts')
        .select(['delivery_id', 'attempt', 'duration_ms'])
        .where(
          'delivery_id',
          'in',
          page.map((r) => r.id),
        )
        .orderBy('attempt')
        .execute();
      for (const a of attempts) durations.set(a.delivery_id, a.duration_ms);
    }
    return {
      data: page.map((r) => toDelivery(r, durations.get(r.id) ?? null)),
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** Sends one delivery again now, whatever its status; a new attempt row. */
  async function replay(subscriptionId: string, id: string, editor: Editor): Promise<WebhookDeliveryDetail> {
    const { actor } = editor;
    const sub = await editable(db, subscriptionId, editor);
    const d = await deliveryRow(subscriptionId, id);
    await attempt(d, sub, 'replay');
    await deps.audit.record(db, {
      actor,
      action: 'webhook.replayed',
      target: { type: 'webhook', id: subscriptionId },
      details: { deliveryId: id },
    });
    return detail(subscriptionId, id);
  }

  /** Sends a `webhook.ping` to the subscription now (whatever its events), logged as a delivery. */
  async function ping(subscriptionId: string, editor: Editor): Promise<WebhookDeliveryDetail> {
    const sub = await editable(db, subscriptionId, editor);
    const now = clock.now();
    const eventId = newId('evt', now);
    const id = newId('whd', now);
    const body = JSON.stringify({
      id: eventId,
      type: webhookPingType,
      occurredAt: new Date(now).toISOString(),
      data: { subscriptionId },
    });
    await db
      .insertInto('webhook_deliveries')
      .values({
        id,
        subscription_id: subscriptionId,
        event_id: eventId,
        event_type: webhookPingType,
        payload: body,
        status: 'pending',
        attempts: 0,
        last_status_code: null,
        last_error: null,
        created_at: now,
        delivered_at: null,
        updated_at: now,
      })
      .execute();
    const outcome = await attempt(await deliveryRow(subscriptionId, id), sub, 'test');
    if (!outcome.ok) {
      await db
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', updated_at: clock.now() })
        .where('id', '=', id)
        .execute();
    }
    return detail(subscriptionId, id);
  }

  /** Deletes finished deliveries (delivered, failed) created before `before`, in batches. */
  async function prune(before = clock.now() - webhookLimits.retentionDays * 86_400_000): Promise<number> {
    let removed = 0;
    for (;;) {
      const ids = (
        await db
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('created_at', '<', before)
          .where('status', 'in', ['delivered', 'failed'])
          .limit(500)
          .execute()
      ).map((r) => r.id);
      if (ids.length === 0) return removed;
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('webhook_attempts').where('delivery_id', 'in', ids).execute();
        await tx.deleteFrom('webhook_deliveries').where('id', 'in', ids).execute();
      });
      removed += ids.length;
      await new Promise((r) => setImmediate(r));
    }
  }

  return {
    prune,
    list,
    get,
    create,
    update,
    remove,
    rotateSecret,
    publish,
    wants,
    redactDeliveries,
    runDelivery,
    deliveries,
    detail,
    replay,
    ping,
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
