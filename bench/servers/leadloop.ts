/** Leadloop itself on a fresh SQLite data directory (or BENCH_DATABASE_URL), with an API key. */
import pino from 'pino';
import { buildApp } from '../../server/app.ts';
import { parseConfig } from '../../server/platform/config.ts';
import { scratchDir } from './scratch.ts';

const dataDir = process.env.BENCH_DATA_DIR ?? scratchDir('bench-leadloop-');
const parsed = parseConfig(
  { DATABASE_URL: process.env.BENCH_LEADLOOP_DATABASE_URL },
  { dataDir, logLevel: 'silent', host: '127.0.0.1' },
);
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const app = await buildApp(parsed.config, { logger: pino({ level: 'silent' }) });
const worker = app.runtime.createJobWorker();
await worker.start();
const { secret } = await app.runtime.api.auth.createApiKey(
  { type: 'system', label: 'bench' },
  { name: 'bench', scopes: ['leads:read', 'leads:write'] },
  { ip: null, userAgent: null },
);
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`key ${secret}\nlistening ${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  await worker.stop(1000);
  process.exit(0);
});
