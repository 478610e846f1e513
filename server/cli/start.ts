import { parseArgs } from 'node:util';
import { buildApp } from '../app.ts';
import { publicUrlOf } from '../platform/config.ts';
import { createRuntime } from '../runtime.ts';
import { loadDemoOnStart } from './demo.ts';
import { configOrExit, say, UsageError } from './io.ts';

export const startHelp = `Usage: leadloop start [--role all|web|worker] [--demo]

Starts Leadloop. Applies pending database migrations first.

  --role all      web app, API and job worker in one process (default)
  --role web      only the web app and API (run several behind a load balancer)
  --role worker   only the job worker (run several on PostgreSQL)
  --demo          first load a fictional demo dataset (5,000 leads) if the database holds
                  no leads yet (see docs/demo-data.md, or "leadloop demo" for other sizes)

Configuration comes from environment variables (docs/configuration.md): PORT, HOST,
LEADLOOP_DATA_DIR, DATABASE_URL and more.`;

const roleValues = ['all', 'web', 'worker'] as const;
type Role = (typeof roleValues)[number];

export async function start(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { role: { type: 'string', default: 'all' }, demo: { type: 'boolean', default: false } },
    strict: true,
  });
  const role = values.role as Role;
  if (!roleValues.includes(role)) throw new UsageError(`--role must be one of ${roleValues.join(', ')}`);
  const config = configOrExit();
  const runtime = await createRuntime(config);
  if (values.demo) await loadDemoOnStart(runtime);
  const log = runtime.logger;
  const app = role === 'worker' ? null : await buildApp(config, { runtime });
  const worker = role === 'web' ? null : runtime.createJobWorker();

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) {
      log.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    const timer = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000);
    timer.unref();
    await app?.close();
    await worker?.stop(config.shutdownTimeoutMs);
    await runtime.close();
    log.info('stopped');
    process.exit(0);
  }
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await worker?.start();
  if (app) {
    await app.listen({ port: config.port, host: config.host });
    const url = publicUrlOf(config);
    const needsSetup = await runtime.api.auth.setupNeeded();
    say(`Leadloop is running at ${url} (${runtime.database.dialect}, role ${role})`);
    if (needsSetup) say(`No user exists yet: open ${url} to create the first admin.`);
  } else {
    say(`Leadloop worker is running (${runtime.database.dialect})`);
  }
  return new Promise<number>(() => {}); // runs until a signal
}
