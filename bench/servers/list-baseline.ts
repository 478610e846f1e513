/**
 * Baseline server for the list benchmark: a bare Fastify endpoint on the same SQLite file that
 * answers a page of 50 leads by primary key (`where id > ? order by id limit 50`) as JSON.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';

const db = new Database(path.join(process.env.BENCH_DATA_DIR!, 'leadloop.sqlite'), { readonly: true });
const page = db.prepare('select * from leads where id > ? order by id limit 50');
const app = Fastify({ logger: false });
app.get('/leads', async (request) => {
  const after = (request.query as { after?: string }).after ?? '';
  const data = page.all(after) as { id: string }[];
  return { data, nextCursor: data.at(-1)?.id ?? null };
});
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
