/**
 * A Leadloop worker process for the import crash test: the real runtime (every module, the real
 * import job) on the test's database, polling fast with a short lease so a restart after SIGKILL
 * takes the job over quickly. Prints "ready" once polling.
 */
import pino from 'pino';
import { parseConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/db/db.ts';
import { createRuntime } from '../runtime.ts';

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
const parsed = parseConfig(
  {},
  {
    logLevel: 'silent',
    dataDir: process.env.FIXTURE_DATA_DIR,
    jobPollMs: 20,
    jobLeaseMs: 1500,
    workerConcurrency: 1,
  },
);
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const runtime = await createRuntime(parsed.config, {
  database,
  migrate: false,
  logger: pino({ level: 'silent' }),
  ...(process.env.FIXTURE_BULK_MIN_ROWS
    ? { importBulkMinRows: Number(process.env.FIXTURE_BULK_MIN_ROWS) }
    : {}),
});
const worker = runtime.createJobWorker();
await worker.start();
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await worker.stop(2000);
  await database.close();
  process.exit(0);
});
