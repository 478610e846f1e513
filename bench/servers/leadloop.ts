/** Leadloop itself on a fresh SQLite data directory (or BENCH_DATABASE_URL), with an API key. */
import { benchLeadloop } from './leadloop-app.ts';
import { scratchDir } from './scratch.ts';

const leadloop = await benchLeadloop({
  dataDir: process.env.BENCH_DATA_DIR ?? scratchDir('bench-leadloop-'),
  databaseUrl: process.env.BENCH_LEADLOOP_DATABASE_URL,
  scopes: ['leads:read', 'leads:write'],
});
await leadloop.app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(
  `key ${leadloop.secret}\nlistening ${(leadloop.app.server.address() as { port: number }).port}\n`,
);
process.on('SIGTERM', async () => {
  await leadloop.close();
  process.exit(0);
});
