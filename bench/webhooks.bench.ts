/**
 * Webhook publishing cost on imports: 10,000 new leads written through the leads batch path
 * (1,000 per transaction, as an import does) on SQLite. Baseline in the same run: the same leads
 * with no webhook subscription (publishing costs one query per batch). Subject: one subscription to
 * lead.created, so every lead also gets a delivery row and a durable job in its transaction.
 * Sending is not measured (it happens later, in the worker).
 */
import { createRuntime } from '../server/runtime.ts';
import { testConfig } from '../server/test-support/app.ts';
import { createTestDatabase } from '../server/test-support/db.ts';
import { testLogger } from '../server/test-support/logger.ts';
import { report } from './lib.ts';

const total = Number(process.env.BENCH_WEBHOOK_LEADS ?? 10_000);
const perBatch = 1000;
const actor = { type: 'system', label: 'bench' } as const;

async function run(label: string, subscribe: boolean) {
  const db = await createTestDatabase('sqlite');
  try {
    const runtime = await createRuntime(testConfig(), { database: db, logger: testLogger, migrate: false });
    if (subscribe) {
      await runtime.api.webhooks.create(
        { url: 'https://hooks.example.com/in', events: ['lead.created'] },
        { actor, admin: true },
      );
    }
    const started = performance.now();
    for (let b = 0; b < total / perBatch; b++) {
      const items = Array.from({ length: perBatch }, (_, i) => ({
        email: `p${b}-${i}@company${i % 300}.example`,
        firstName: 'Ada',
        lastName: 'Lovelace',
      }));
      await runtime.api.leads.batch(items, { source: 'import', actor });
    }
    const ms = performance.now() - started;
    const deliveries = await db.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const figures = {
      leads: total,
      ms: Math.round(ms),
      leadsPerSecond: Math.round((total / ms) * 1000),
      deliveries: Number(deliveries.n),
    };
    report(label, figures);
    return figures;
  } finally {
    await db.cleanup();
  }
}

const baseline = await run('leads batch, no webhook subscription (baseline)', false);
const subject = await run('leads batch, one lead.created subscription', true);
report('webhook publish ratio', { subjectVsBaseline: +(subject.ms / baseline.ms).toFixed(3) });
