/**
 * The two apps of the form benchmarks, built in the calling process: Leadloop with the bench form
 * (the per-IP form rate limit raised through configuration, since all load comes from one address;
 * the form made through the API as a marketer would, published, taking posts without a render
 * token), and the baseline, a bare Fastify endpoint with the same body schema and validator that
 * answers 201 and stores nothing.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { type FormCreate, PublicSubmission } from '../../contracts/forms.ts';
import { validatorCompiler } from '../../server/platform/http/validation.ts';
import { benchLeadloop } from './leadloop-app.ts';

const benchForm: FormCreate = {
  name: 'Request a demo',
  slug: 'demo',
  status: 'published',
  fields: [
    { key: 'email', label: 'Work email', required: true },
    { key: 'firstName', label: 'First name', required: true },
    { key: 'lastName', label: 'Last name', required: true },
    { key: 'companyName', label: 'Company', required: false },
    { key: 'jobTitle', label: 'Job title', required: false },
    { key: 'country', label: 'Country', required: false },
  ],
  hiddenFields: [{ key: 'industry', source: 'fixed', value: 'Software' }],
  consents: [{ key: 'news', purpose: 'emailMarketing', text: 'Send me product news.', required: false }],
  allowedOrigins: ['https://www.example.com'],
  allowTokenless: true,
  handRaise: true,
};

/** Where Leadloop takes the bench form's submissions. */
export const leadloopSubmitUrl = '/api/v1/public/forms/demo/submissions';
/** Where the baseline takes them. */
export const bareSubmitUrl = '/forms/demo/submissions';

/** Leadloop on SQLite in `dataDir` (or PostgreSQL at `databaseUrl`), its job worker running, with the bench form. */
export async function leadloopFormsApp(dataDir: string, databaseUrl?: string) {
  const leadloop = await benchLeadloop({
    dataDir,
    databaseUrl,
    scopes: ['capture'],
    config: { formsRateLimit: 10_000_000 },
  });
  const created = await leadloop.app.inject({
    method: 'POST',
    url: '/api/v1/forms',
    headers: { authorization: `Bearer ${leadloop.secret}` },
    payload: benchForm,
  });
  if (created.statusCode !== 201) throw new Error(`creating the form: ${created.statusCode} ${created.body}`);
  return { ...leadloop, formId: (created.json() as { id: string }).id };
}

/** The baseline: the same body schema and validator, a 201 with an id, nothing stored. */
export function bareFormsApp() {
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.post(
    bareSubmitUrl.replace('demo', ':slug'),
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
  return app;
}
