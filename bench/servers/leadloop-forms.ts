/**
 * Leadloop for the form-submission benchmark (forms-apps.ts): a fresh SQLite data directory (or
 * BENCH_LEADLOOP_DATABASE_URL) and the bench form, listening on a free port.
 */
import { leadloopFormsApp } from './forms-apps.ts';
import { scratchDir } from './scratch.ts';
import { watchStalls } from './stalls.ts';

watchStalls();

const leadloop = await leadloopFormsApp(scratchDir('bench-forms-'), process.env.BENCH_LEADLOOP_DATABASE_URL);
await leadloop.app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(
  `key ${leadloop.secret}\nform ${leadloop.formId}\nlistening ${(leadloop.app.server.address() as { port: number }).port}\n`,
);
process.on('SIGTERM', async () => {
  await leadloop.close();
  process.exit(0);
});
