/**
 * Leadloop for the form-submission benchmark: a fresh SQLite data directory (or
 * BENCH_LEADLOOP_DATABASE_URL), the per-IP form rate limit raised through configuration (the load
 * comes from one address), and one published form that takes posts without a render token, made
 * through the API as a marketer would.
 */
import pino from 'pino';
import type { FormCreate } from '../../contracts/forms.ts';
import { buildApp } from '../../server/app.ts';
import { parseConfig } from '../../server/platform/config.ts';
import { scratchDir } from './scratch.ts';
import { watchStalls } from './stalls.ts';

watchStalls();

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

const dataDir = scratchDir('bench-forms-');
const parsed = parseConfig(
  { DATABASE_URL: process.env.BENCH_LEADLOOP_DATABASE_URL },
  { dataDir, logLevel: 'silent', host: '127.0.0.1', formsRateLimit: 10_000_000 },
);
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const app = await buildApp(parsed.config, { logger: pino({ level: 'silent' }) });
const worker = app.runtime.createJobWorker();
await worker.start();
const { secret } = await app.runtime.api.auth.createApiKey(
  { type: 'system', label: 'bench' },
  { name: 'bench', scopes: ['capture'] },
  { ip: null, userAgent: null },
);
const created = await app.inject({
  method: 'POST',
  url: '/api/v1/forms',
  headers: { authorization: `Bearer ${secret}` },
  payload: benchForm,
});
if (created.statusCode !== 201) throw new Error(`creating the form: ${created.statusCode} ${created.body}`);
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(
  `key ${secret}\nform ${(created.json() as { id: string }).id}\nlistening ${(app.server.address() as { port: number }).port}\n`,
);
process.on('SIGTERM', async () => {
  await app.close();
  await worker.stop(1000);
  process.exit(0);
});
