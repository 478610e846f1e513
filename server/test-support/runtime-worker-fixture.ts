/**
 * A worker process for crash-safety.test.ts: the whole runtime (every module's jobs) on the test's
 * database, with a clock stopped at FIXTURE_NOW. The first attempt of the job named FIXTURE_STALL
 * stalls after its handler ran, inside its transaction, so the parent can SIGKILL it mid-job.
 * Prints "ready" once polling and "stalled <job>" when the stalled attempt is underway.
 */
import pino from 'pino';
import { createManualClock } from '../platform/clock.ts';
import { parseConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/db.ts';
import type { JobDefinition } from '../platform/jobs/jobs.ts';
import { createWorker } from '../platform/jobs/worker.ts';
import { createRuntime } from '../runtime.ts';

const location = JSON.parse(process.env.FIXTURE_DB ?? '{}');
const database =
  location.dialect === 'sqlite'
    ? await openDatabase({ dialect: 'sqlite', file: location.file })
    : await openDatabase({
        dialect: 'postgres',
        url: location.url,
        searchPath: location.searchPath,
        poolSize: 5,
      });
const parsed = parseConfig({}, { logLevel: 'silent' });
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const clock = createManualClock(Number(process.env.FIXTURE_NOW));
const logger = pino({ level: 'silent' });
const runtime = await createRuntime(parsed.config, { database, clock, logger, migrate: false });

const stallName = process.env.FIXTURE_STALL;
let stalled = false;
const registry = new Map<string, JobDefinition>();
for (const [name, def] of runtime.registry) {
  registry.set(
    name,
    name !== stallName
      ? def
      : {
          ...def,
          async handler(payload, ctx) {
            await def.handler(payload, ctx);
            if (ctx.attempt === 1 && !stalled) {
              stalled = true;
              process.stdout.write(`stalled ${name}\n`);
              await new Promise((r) => setTimeout(r, 60_000));
            }
          },
        },
  );
}

const worker = createWorker({
  database,
  queue: runtime.jobs,
  registry,
  clock,
  logger,
  concurrency: 4,
  pollMs: 5,
  workerId: 'doomed',
  leaseMs: Number(process.env.FIXTURE_LEASE_MS ?? 1500),
});
await worker.start();
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await worker.stop(2000);
  await database.close();
  process.exit(0);
});
