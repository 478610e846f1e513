/**
 * Baseline server for the upsert benchmark: a bare Fastify endpoint with the same body schema and
 * validator as POST /api/v1/leads, answering an id; with BASELINE_DB=1 it also inserts one row
 * into SQLite (WAL, synchronous=NORMAL) per request.
 */

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { LeadInput } from '../../contracts/leads.ts';
import { validatorCompiler } from '../../server/platform/http/validation.ts';
import { scratchDir } from './scratch.ts';

const withDb = process.env.BASELINE_DB === '1';
const app = Fastify({ logger: false });
app.setValidatorCompiler(validatorCompiler);
let insert: ((id: string, email: string, body: string) => void) | undefined;
if (withDb) {
  const db = new Database(path.join(scratchDir('bench-base-'), 'b.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'create table leads (id text primary key, email text unique, payload text not null, created_at integer not null)',
  );
  const stmt = db.prepare('insert into leads (id, email, payload, created_at) values (?, ?, ?, ?)');
  insert = (id, email, body) => {
    stmt.run(id, email, body, Date.now());
  };
}
app.post('/leads', { schema: { body: LeadInput } }, async (request, reply) => {
  const id = randomUUID();
  const body = request.body as { email?: string };
  insert?.(id, String(body.email), JSON.stringify(body));
  return reply.status(201).send({ id });
});
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
