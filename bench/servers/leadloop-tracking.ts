/** Leadloop for the tracking benchmark: a fresh SQLite data directory, the per-IP rate limit off. */
import pino from 'pino';
import { buildApp } from '../../server/app.ts';
import { parseConfig } from '../../server/platform/config.ts';
import { scratchDir } from './scratch.ts';

const dataDir = scratchDir('bench-tracking-');
const parsed = parseConfig(
  { DATABASE_URL: process.env.BENCH_LEADLOOP_DATABASE_URL },
  { dataDir, logLevel: 'silent', host: '127.0.0.1', trackRateLimit: 0 },
);
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const app = await buildApp(parsed.config, { logger: pino({ level: 'silent' }) });
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  process.exit(0);
});
