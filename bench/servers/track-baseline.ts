/**
 * Baseline server for the tracking benchmark: a bare Fastify endpoint that takes the same text/plain
 * batch and runs the same validation (parseBatch) as POST /api/v1/public/track, then answers 202
 * without storing anything.
 */
import Fastify from 'fastify';
import { parseBatch } from '../../server/modules/tracking/tracking.validate.ts';

const app = Fastify({ logger: false, bodyLimit: 256 * 1024 });
app.post('/track', async (request, reply) => {
  const raw = typeof request.body === 'string' ? JSON.parse(request.body) : request.body;
  const parsed = parseBatch(raw, Date.now());
  if (!parsed.ok) return reply.status(400).send({ error: parsed.details });
  return reply.status(202).send({ accepted: parsed.batch.events.length, dropped: 0 });
});
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
