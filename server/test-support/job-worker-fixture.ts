/**
 * A worker process for jobs.contract.test.ts. Runs the race job (records which worker ran each key)
 * and two crash-test jobs whose first attempt stalls after applying its effect, so the parent can
 * SIGKILL it mid-job; later attempts finish at once. Prints "ready" once polling, and
 * "started <attempt>" when a stalled attempt is underway.
 */
import type { Kysely } from 'kysely';
import pino from 'pino';
import Type from 'typebox';
import { systemClock } from '../platform/clock.ts';
import { openDatabase } from '../platform/db/db.ts';
import { createJobRegistry, defineJob } from '../platform/jobs/jobs.ts';
import { createJobQueue } from '../platform/jobs/queue.ts';
import { createWorker } from '../platform/jobs/worker.ts';

const location = JSON.parse(process.env.FIXTURE_DB ?? '{}');
const database =
  location.dialect === 'sqlite'
    ? await openDatabase({ dialect: 'sqlite', file: location.file })
    : await openDatabase({
        dialect: 'postgres',
        url: location.url,
        searchPath: location.searchPath,
        poolSize: 3,
      });

// biome-ignore lint/suspicious/noExplicitAny: the effects table belongs to the test, not the app schema
const untyped = (db: unknown) => db as Kysely<any>;
const stall = async (attempt: number) => {
  if (attempt === 1) {
    process.stdout.write(`started ${attempt}\n`);
    await new Promise((r) => setTimeout(r, 60_000));
  }
};

const txEffect = defineJob({
  name: 'test.tx_effect',
  schema: Type.Object({ key: Type.String() }),
  transactional: true,
  async handler(payload, ctx) {
    await untyped(ctx.db)
      .insertInto('test_effects')
      .values({ key: payload.key, attempt: ctx.attempt })
      .execute();
    await stall(ctx.attempt);
  },
});

const idempotentEffect = defineJob({
  name: 'test.idem_effect',
  schema: Type.Object({ key: Type.String() }),
  async handler(payload, ctx) {
    await untyped(ctx.db)
      .insertInto('test_effects')
      .values({ key: payload.key, attempt: ctx.attempt })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    await stall(ctx.attempt);
  },
});

const race = defineJob({
  name: 'test.race',
  schema: Type.Object({ key: Type.String() }),
  async handler(payload, ctx) {
    // Not idempotent on purpose: a second run of the same key would hit the primary key and fail.
    await untyped(ctx.db)
      .insertInto('test_effects')
      .values({ key: payload.key, attempt: ctx.attempt, worker: process.env.FIXTURE_WORKER_ID })
      .execute();
  },
});

const queue = createJobQueue({ database, clock: systemClock });
const worker = createWorker({
  database,
  queue,
  registry: createJobRegistry([txEffect, idempotentEffect, race]),
  clock: systemClock,
  logger: pino({ level: 'silent' }),
  concurrency: 4,
  pollMs: 5,
  workerId: process.env.FIXTURE_WORKER_ID,
  leaseMs: Number(process.env.FIXTURE_LEASE_MS ?? 1500),
});
await worker.start();
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await worker.stop(2000);
  await database.close();
  process.exit(0);
});
