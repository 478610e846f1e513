/** Leadloop for a benchmark, built in the calling process: its job worker running, an API key. */
import pino from 'pino';
import type { Scope } from '../../contracts/auth.ts';
import { buildApp } from '../../server/app.ts';
import { parseConfig } from '../../server/platform/config.ts';

export async function benchLeadloop(o: {
  /** SQLite data directory (also used beside PostgreSQL, for files). */
  dataDir: string;
  /** PostgreSQL instead of SQLite. */
  databaseUrl?: string;
  scopes: Scope[];
  /** Settings beyond the data directory, quiet logs and loopback (as parseConfig takes them). */
  config?: Parameters<typeof parseConfig>[1];
}) {
  const parsed = parseConfig(
    { DATABASE_URL: o.databaseUrl },
    { dataDir: o.dataDir, logLevel: 'silent', host: '127.0.0.1', ...o.config },
  );
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const app = await buildApp(parsed.config, { logger: pino({ level: 'silent' }) });
  const worker = app.runtime.createJobWorker();
  await worker.start();
  const { secret } = await app.runtime.api.auth.createApiKey(
    { type: 'system', label: 'bench' },
    { name: 'bench', scopes: o.scopes },
    { ip: null, userAgent: null },
  );
  return {
    app,
    secret,
    async close() {
      await app.close();
      await worker.stop(1000);
    },
  };
}
