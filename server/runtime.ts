/**
 * The composition root: opens the database, applies migrations, loads secrets and wires the
 * modules. Both roles use it: the web role builds the HTTP app on it, the worker role runs jobs.
 */

import path from 'node:path';
import pino, { type Logger } from 'pino';
import { isWebhookEventType, type WebhookEventType } from '../contracts/webhooks.ts';
import { createActivitiesModule } from './modules/activities/index.ts';
import { createAttributionModule } from './modules/attribution/index.ts';
import { createAuditModule } from './modules/audit/index.ts';
import { createAuthModule } from './modules/auth/index.ts';
import { createDealsModule } from './modules/deals/index.ts';
import { createDemoModule } from './modules/demo/index.ts';
import { createFiltersModule } from './modules/filters/index.ts';
import { createFormsModule } from './modules/forms/index.ts';
import { createImportsModule } from './modules/imports/index.ts';
import { createLeadsModule, deletedWithLead } from './modules/leads/index.ts';
import { createLifecycleModule } from './modules/lifecycle/index.ts';
import { createMailModule } from './modules/mail/index.ts';
import { createNotificationsModule } from './modules/notifications/index.ts';
import { createPermissionsModule } from './modules/permissions/index.ts';
import { createPredictModule } from './modules/predict/index.ts';
import { createRoutingModule } from './modules/routing/index.ts';
import { createScoringModule } from './modules/scoring/index.ts';
import { createSegmentsModule } from './modules/segments/index.ts';
import { createSystemModule } from './modules/system/index.ts';
import { createTasksModule } from './modules/tasks/index.ts';
import { createTrackingModule } from './modules/tracking/index.ts';
import { createWebhooksModule } from './modules/webhooks/index.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import { type Config, publicUrlOf, resolveDataDir } from './platform/config.ts';
import { type Database, dropUniqueIndexSamples, openDatabase } from './platform/db/db.ts';
import { migrateToLatest } from './platform/db/migrate.ts';
import { createJobRegistry, type JobRegistry, type Schedule } from './platform/jobs/jobs.ts';
import { createJobQueue } from './platform/jobs/queue.ts';
import { createWorker, type Worker } from './platform/jobs/worker.ts';
import type { ModuleParts } from './platform/module.ts';
import { loadSecrets } from './platform/secrets.ts';

export type RuntimeOptions = {
  clock?: Clock;
  logger?: Logger;
  /** An already open database (tests); otherwise opened from the config. */
  database?: Database;
  /** Apply pending migrations while starting (default true). */
  migrate?: boolean;
  /** Rows from which an import into a small database defers indexes (tests lower it). */
  importBulkMinRows?: number;
  /** Rows after which an import on PostgreSQL first refreshes table statistics (tests lower it). */
  importAnalyzeFirstAt?: number;
};

export async function createRuntime(config: Config, options: RuntimeOptions = {}) {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'leadloop' } });
  const ownsDatabase = !options.database;
  const database =
    options.database ??
    (config.databaseUrl
      ? await openDatabase({
          dialect: 'postgres',
          url: config.databaseUrl,
          poolSize: config.databasePoolSize,
        })
      : await openDatabase({
          dialect: 'sqlite',
          file: path.join(resolveDataDir(config), 'leadloop.sqlite'),
        }));
  try {
    if (options.migrate ?? true) {
      const { applied } = await migrateToLatest(database.db);
      if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
      // Some migrations analyze.
      if (database.sqlite) dropUniqueIndexSamples(database.sqlite);
    }
    const secrets = await loadSecrets(database, config, clock.now());
    const jobs = createJobQueue({ database, clock });

    const audit = createAuditModule({ database, clock });
    const auth = createAuthModule({
      database,
      clock,
      secrets,
      config,
      audit: audit.api,
      // First-run setup may ask for demo data; auth only knows this function, not the demo module.
      loadDemo: (tx) => demo.api.enqueueLoad(tx),
    });
    const system = createSystemModule({ database, clock, jobs, audit: audit.api });
    const mail = createMailModule({ database, clock, jobs, config });
    // Who sees and works which lead: every module that lists or changes leads asks it.
    const permissions = createPermissionsModule({ database });
    const leads = createLeadsModule({
      database,
      clock,
      audit: audit.api,
      activeUserIds: auth.api.activeUserIds,
      permissions: permissions.api,
    });
    // Mails about a lead lose the person's data when the lead is erased.
    leads.api.onLeadData(mail.api.leadData);
    // In-app notifications, each also sent by email through the outbox (unless the person opted out),
    // only about leads their recipient sees; they follow their lead (merges, erasures, deletions).
    const notifications = createNotificationsModule({
      database,
      clock,
      mail: (tx, message) => mail.api.send(tx, message),
      publicUrl: () => publicUrlOf(config),
      permissions: permissions.api,
      leads: leads.api,
    });
    // Attribution classifies touchpoints as the leads module inserts them (it registers its hooks).
    const attribution = createAttributionModule({
      database,
      clock,
      jobs,
      audit: audit.api,
      leads: leads.api,
    });
    // Lifecycle records the resolver's stage moves and promotes hand-raises (it registers its hooks).
    const lifecycle = createLifecycleModule({ database, clock, jobs, audit: audit.api, leads: leads.api });
    const tracking = createTrackingModule({
      database,
      clock,
      config,
      leads: leads.api,
      audit: audit.api,
      // Undoing a stitch moves touchpoints off a lead: its first and last touch follow.
      recomputeTouches: async (tx, ids) => void (await attribution.api.recomputeTouches(tx, ids)),
      permissions: permissions.api,
    });
    const forms = createFormsModule({
      database,
      clock,
      secrets,
      audit: audit.api,
      leads: leads.api,
      mail: mail.api,
      activeUserIds: auth.api.activeUserIds,
      users: auth.api.listUsers,
      // Optional: without tracking, a submission still attaches the visitor id to its lead.
      stitch: tracking.api.stitch,
      stitchMany: tracking.api.stitchMany,
      publicUrl: () => publicUrlOf(config),
      rateLimit: config.formsRateLimit,
    });

    const imports = createImportsModule({
      database,
      clock,
      jobs,
      audit: audit.api,
      leads: leads.api,
      lifecycle: lifecycle.api,
      bulkMinRows: options.importBulkMinRows,
      analyzeFirstAt: options.importAnalyzeFirstAt,
    });
    // Indexes an import set aside and can no longer build itself (it ended while the process died).
    await imports.api.restoreAbandonedIndexes(logger);
    const demo = createDemoModule({ database, clock, jobs, leads: leads.api, lifecycle: lifecycle.api });
    const predict = createPredictModule({ database, clock, jobs, audit: audit.api });
    // A deleted lead's prediction goes with it.
    leads.api.onLeadData(deletedWithLead('predict', ['lead_predictions']));
    // The filter language (lead lists, segments, scoring…), and segments built on it.
    const filters = createFiltersModule({ database, clock, leads: leads.api });
    const segments = createSegmentsModule({
      database,
      clock,
      jobs,
      audit: audit.api,
      filters: filters.api,
      leads: leads.api,
      exportCsv: (query, scope) => imports.api.exportCsv(query, scope),
      permissions: permissions.api,
    });
    // Outbound webhooks: lead events are published in the transaction that writes the lead.
    const webhooks = createWebhooksModule({
      database,
      clock,
      jobs,
      audit: audit.api,
      leads: leads.api,
      allowHttp: config.webhooksAllowHttp,
      // A subscription turned off after repeated failures: the admins and whoever set it up are told.
      onDisabled: async (tx, sub) => {
        const people = new Set(await auth.api.activeAdminIds(tx));
        if (sub.createdBy && (await auth.api.activeUserIds(tx, [sub.createdBy])).has(sub.createdBy))
          people.add(sub.createdBy);
        for (const userId of people)
          await notifications.api.notify(tx, {
            userId,
            kind: 'webhook.disabled',
            title: `Webhook to ${new URL(sub.url).host} turned off`,
            body: `${sub.url} failed ${sub.failures} deliveries in a row, so Leadloop stopped sending to it. New events are held; fix the endpoint, then turn the webhook back on in Settings → Webhooks and the held events go out.`,
          });
      },
    });
    // Domain events (stage changes, MQLs) go out to webhook subscribers in the same transaction.
    lifecycle.api.onEvents(async (tx, events) => {
      const out = events.filter((e) => isWebhookEventType(e.type));
      if (out.length > 0)
        await webhooks.api.publish(
          tx,
          out.map((e) => ({
            type: e.type as WebhookEventType,
            occurredAt: e.occurredAt,
            data: { eventId: e.id, leadId: e.leadId, ...e.payload },
          })),
        );
    });
    // Scoring keeps scores current as leads change and engage, then lets lifecycle apply the policy.
    const scoring = createScoringModule({
      database,
      clock,
      jobs,
      leads: leads.api,
      filters: filters.api,
      lifecycle: lifecycle.api,
    });

    // Handoff: new MQLs are routed to sales in the transaction that made them MQLs.
    const routing = createRoutingModule({
      database,
      clock,
      jobs,
      audit: audit.api,
      lifecycle: lifecycle.api,
      filters: filters.api,
      publish: (tx, events) => webhooks.api.publish(tx, events),
      notify: (tx, n) => notifications.api.notify(tx, n),
      permissions: permissions.api,
      slaWarningPercent: config.slaWarningPercent,
      leads: leads.api,
    });
    // Sales work: tasks with reminders, and activities that record the first touch on assignments.
    // Both follow the lead rule and their leads through merges, erasures and deletions.
    const tasks = createTasksModule({
      database,
      clock,
      jobs,
      notifications: notifications.api,
      permissions: permissions.api,
      leads: leads.api,
    });
    const activities = createActivitiesModule({
      database,
      clock,
      routing: routing.api.routing,
      tasks: tasks.api,
      permissions: permissions.api,
      leads: leads.api,
    });

    // Deals: moves, won and lost take the linked leads through lifecycle in the deal's transaction.
    const deals = createDealsModule({
      database,
      clock,
      audit: audit.api,
      lifecycle: lifecycle.api,
      permissions: permissions.api,
      activeUserIds: auth.api.activeUserIds,
      publish: (tx, events) => webhooks.api.publish(tx, events),
      leads: leads.api,
    });

    const modules: ModuleParts[] = [
      permissions.parts,
      system.parts,
      audit.parts,
      auth.parts,
      leads.parts,
      imports.parts,
      demo.parts,
      mail.parts,
      attribution.parts,
      tracking.parts,
      forms.parts,
      predict.parts,
      lifecycle.parts,
      filters.parts,
      segments.parts,
      webhooks.parts,
      scoring.parts,
      routing.parts,
      deals.parts,
      notifications.parts,
      tasks.parts,
      activities.parts,
    ];
    const registry: JobRegistry = createJobRegistry(modules.flatMap((m) => m.jobs ?? []));
    const schedules: Schedule[] = modules.flatMap((m) => m.schedules ?? []);

    function createJobWorker(overrides: { concurrency?: number } = {}): Worker {
      return createWorker({
        database,
        queue: jobs,
        registry,
        schedules,
        clock,
        logger: logger.child({ role: 'worker' }),
        concurrency: overrides.concurrency ?? config.workerConcurrency,
        pollMs: config.jobPollMs,
        leaseMs: config.jobLeaseMs,
      });
    }

    return {
      config,
      clock,
      logger,
      database,
      secrets,
      jobs,
      modules,
      registry,
      createJobWorker,
      resolvePrincipal: auth.resolvePrincipal,
      api: {
        audit: audit.api,
        auth: auth.api,
        system: system.api,
        leads: leads.api,
        imports: imports.api,
        demo: demo.api,
        mail: mail.api,
        permissions: permissions.api,
        attribution: attribution.api,
        tracking: tracking.api,
        forms: forms.api,
        predict: predict.api,
        lifecycle: lifecycle.api,
        filters: filters.api,
        segments: segments.api,
        webhooks: webhooks.api,
        scoring: scoring.api,
        routing: routing.api,
        deals: deals.api,
        notifications: notifications.api,
        tasks: tasks.api,
        activities: activities.api,
      },
      async close() {
        if (ownsDatabase) await database.close();
      },
    };
  } catch (error) {
    if (ownsDatabase) await database.close();
    throw error;
  }
}

export type Runtime = Awaited<ReturnType<typeof createRuntime>>;
