/**
 * Baseline server for the form-submission benchmark: a bare Fastify endpoint with the same body
 * schema and validator as POST /api/v1/public/forms/{slug}/submissions, answering 201 with an id,
 * storing nothing.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { PublicSubmission } from '../../contracts/forms.ts';
import { validatorCompiler } from '../../server/platform/http/validation.ts';
import { watchStalls } from './stalls.ts';

watchStalls();

const app = Fastify({ logger: false });
app.setValidatorCompiler(validatorCompiler);
app.post(
  '/forms/:slug/submissions',
  { schema: { body: PublicSubmission }, bodyLimit: 64 * 1024 },
  async (_request, reply) =>
    reply.status(201).send({
      id: randomUUID(),
      status: 'accepted',
      message: 'Thank you! We received your details.',
      redirectUrl: null,
      confirmationRequired: false,
    }),
);
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${(app.server.address() as { port: number }).port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
