/**
 * Webhooks module: subscriptions to domain events, signed deliveries through durable jobs with
 * retries, a delivery log with replay, and automatic disabling after repeated failures.
 */
import Type from 'typebox';
import { type WebhookEventType, webhookLimits } from '../../../contracts/webhooks.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/db.ts';
import { defineJob } from '../../platform/jobs/jobs.ts';
import type { JobQueue } from '../../platform/jobs/queue.ts';
import { bindRoutes, type ModuleParts } from '../../platform/module.ts';
import type { AuditService } from '../audit/index.ts';
import type { LeadsApi } from '../leads/index.ts';
import { webhooksRoutes } from './webhooks.routes.ts';
import {
  createWebhooksService,
  type Sender,
  type WebhookEvent,
  type WebhooksDeps,
} from './webhooks.service.ts';

export { verifySignature } from './signature.ts';
export type { Sender, WebhookEvent, WebhooksService } from './webhooks.service.ts';

type Deps = {
  database: Database;
  clock: Clock;
  jobs: Pick<JobQueue, 'enqueue'>;
  audit: Pick<AuditService, 'record'>;
  leads: Pick<LeadsApi, 'onResolved' | 'onLeadData'>;
  allowHttp: boolean;
  sender?: Sender;
  onDisabled?: WebhooksDeps['onDisabled'];
  backoff?: { baseMs: number; maxMs: number };
};

export function createWebhooksModule(deps: Deps) {
  const deliverJob = defineJob({
    name: 'webhooks.deliver',
    schema: Type.Object({ deliveryId: Type.String() }),
    maxAttempts: webhookLimits.maxAttempts,
    // 10 s, 20 s, 40 s … capped at an hour: twelve attempts span about three hours.
    backoff: deps.backoff ?? { baseMs: 10_000, maxMs: 3600_000 },
    async handler(payload, ctx) {
      await service.runDelivery(payload, { attempt: ctx.attempt, maxAttempts: ctx.maxAttempts });
    },
  });
  const pruneJob = defineJob({
    name: 'webhooks.prune',
    schema: Type.Object({}),
    maxAttempts: 3,
    async handler(_payload, ctx) {
      const removed = await service.prune();
      if (removed > 0) ctx.logger.info({ removed }, 'old webhook deliveries removed');
    },
  });
  const service = createWebhooksService({
    database: deps.database,
    clock: deps.clock,
    jobs: deps.jobs,
    audit: deps.audit,
    deliverJob: () => deliverJob,
    allowHttp: deps.allowHttp,
    sender: deps.sender,
    onDisabled: deps.onDisabled,
  });

  // Leads created or changed (form, API, import, edit): one publish per resolver batch.
  deps.leads.onResolved(async (tx, resolved) => {
    const created = resolved.filter((r) => r.created);
    const updated = resolved.filter((r) => r.updated);
    if (created.length === 0 && updated.length === 0) return;
    if (!(await service.wants(tx, ['lead.created', 'lead.updated']))) return;
    const leads = await leadData(
      tx,
      [...created, ...updated].map((r) => r.leadId),
    );
    const events: WebhookEvent[] = [];
    for (const r of created) {
      const lead = leads.get(r.leadId);
      if (lead)
        events.push({ type: 'lead.created', occurredAt: lead.updatedAtMs, data: { lead: lead.view } });
    }
    for (const r of updated) {
      const lead = leads.get(r.leadId);
      if (lead)
        events.push({ type: 'lead.updated', occurredAt: lead.updatedAtMs, data: { lead: lead.view } });
    }
    await service.publish(tx, events);
  });

  // Merges, their undo, erasures and deletions: ids only (an erased or deleted person's data is
  // not sent anywhere), in the transaction of the change.
  const leadEvent = async (tx: Tx, type: WebhookEventType, data: Record<string, unknown>[]) => {
    if (data.length === 0 || !(await service.wants(tx, [type]))) return;
    const occurredAt = deps.clock.now();
    await service.publish(
      tx,
      data.map((d) => ({ type, occurredAt, data: d })),
    );
  };
  deps.leads.onLeadData({
    name: 'webhooks',
    async merged(tx, m) {
      await leadEvent(tx, 'lead.merged', [
        { mergeId: m.mergeId, survivorId: m.survivorId, mergedId: m.mergedId },
      ]);
      return null;
    },
    async unmerged(tx, m) {
      await leadEvent(tx, 'lead.unmerged', [
        { mergeId: m.mergeId, survivorId: m.survivorId, mergedId: m.mergedId },
      ]);
    },
    async erased(tx, leadIds) {
      await service.redactDeliveries(tx, leadIds);
      await leadEvent(
        tx,
        'lead.erased',
        leadIds.map((leadId) => ({ leadId })),
      );
    },
    async deleted(tx, leadIds) {
      await leadEvent(
        tx,
        'lead.deleted',
        leadIds.map((leadId) => ({ leadId })),
      );
    },
  });

  const parts: ModuleParts = {
    name: 'webhooks',
    routes: bindRoutes(webhooksRoutes, { webhooks: service }),
    jobs: [deliverJob, pruneJob],
    schedules: [{ name: 'webhooks.prune.daily', job: pruneJob, payload: {}, everyMs: 86_400_000 }],
  };
  return { api: service, parts };
}

/** The lead as webhook receivers see it. */
async function leadData(tx: Tx, ids: string[]) {
  const out = new Map<string, { updatedAtMs: number; view: Record<string, unknown> }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await tx
      .selectFrom('leads')
      .select([
        'id',
        'email',
        'first_name',
        'last_name',
        'phone',
        'job_title',
        'company_name',
        'company_id',
        'country',
        'lifecycle_stage',
        'owner_id',
        'source',
        'created_at',
        'updated_at',
      ])
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      out.set(r.id, {
        updatedAtMs: Number(r.updated_at),
        view: {
          id: r.id,
          email: r.email,
          firstName: r.first_name,
          lastName: r.last_name,
          phone: r.phone,
          jobTitle: r.job_title,
          companyName: r.company_name,
          companyId: r.company_id,
          country: r.country,
          lifecycleStage: r.lifecycle_stage,
          ownerId: r.owner_id,
          source: r.source,
          createdAt: new Date(Number(r.created_at)).toISOString(),
          updatedAt: new Date(Number(r.updated_at)).toISOString(),
        },
      });
    }
  }
  return out;
}

export type WebhooksApi = ReturnType<typeof createWebhooksModule>['api'];
