/**
 * Baseline server for the form-submission benchmark (forms-apps.ts): a bare Fastify endpoint with
 * the same body schema and validator as POST /api/v1/public/forms/{slug}/submissions, answering
 * 201 with an id, storing nothing.
 */
import { bareFormsApp } from './forms-apps.ts';
import { watchStalls } from './stalls.ts';

watchStalls();

const app = bareFormsApp();
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
