/** Helpers the forms suites share: publishing a form, drawing it, submitting it, counting rows. */
import type { LightMyRequestResponse } from 'fastify';
import type { FormCreate } from '../../../contracts/forms.ts';
import type { TestApp } from '../../test-support/app.ts';

export type Headers = Record<string, string>;

let ip = 0;
/** A fresh client address, so the per-IP rate limit stays out of tests about other things. */
export function nextIp(): string {
  ip++;
  return `198.51.${Math.floor(ip / 250) % 250}.${(ip % 250) + 1}`;
}

export async function createForm(t: TestApp, headers: Headers, body: FormCreate) {
  const res = await t.request({ method: 'POST', url: '/api/v1/forms', headers, payload: body });
  if (res.statusCode !== 201) throw new Error(`create form: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; slug: string; consents: { key: string; version: string }[] };
}

/** The public definition (and its render token), as the embed fetches it. */
export async function draw(t: TestApp, slug: string, origin?: string) {
  const res = await t.request({
    method: 'GET',
    url: `/api/v1/public/forms/${slug}`,
    headers: origin ? { origin } : {},
  });
  if (res.statusCode !== 200) throw new Error(`draw: ${res.statusCode} ${res.body}`);
  return res.json() as { token: string; submitUrl: string; fields: { name: string }[] };
}

export function submitJson(
  t: TestApp,
  slug: string,
  body: unknown,
  opts: { origin?: string; ip?: string; userAgent?: string } = {},
): Promise<LightMyRequestResponse> {
  return t.request({
    method: 'POST',
    url: `/api/v1/public/forms/${slug}/submissions`,
    headers: {
      'content-type': 'application/json',
      'user-agent': opts.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36',
      ...(opts.origin ? { origin: opts.origin } : {}),
    },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
    remoteAddress: opts.ip ?? nextIp(),
  });
}

export function postHosted(
  t: TestApp,
  slug: string,
  fields: Record<string, string | string[]>,
  opts: { origin?: string; ip?: string } = {},
): Promise<LightMyRequestResponse> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
  return t.request({
    method: 'POST',
    url: `/f/${slug}`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36',
      ...(opts.origin ? { origin: opts.origin } : {}),
    },
    payload: body.toString(),
    remoteAddress: opts.ip ?? nextIp(),
  });
}

/** The hidden inputs of a hosted page, by name. */
export function hiddenInputs(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    out[m[1]!] = m[2]!
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'");
  return out;
}

/** Rows that a refused submission must not have added. */
export async function rowCounts(t: TestApp) {
  const count = async (
    table: 'form_submissions' | 'leads' | 'touchpoints' | 'mail_outbox' | 'consent_events',
  ) =>
    Number(
      (
        await t.tdb.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    submissions: await count('form_submissions'),
    leads: await count('leads'),
    touchpoints: await count('touchpoints'),
    mails: await count('mail_outbox'),
    consentEvents: await count('consent_events'),
  };
}

export async function leadByEmail(t: TestApp, headers: Headers, email: string) {
  const res = await t.request({
    method: 'GET',
    url: `/api/v1/leads?q=${encodeURIComponent(email)}`,
    headers,
  });
  const lead = (res.json().data as { id: string; email: string }[]).find((l) => l.email === email);
  if (!lead) return null;
  return (await t.request({ method: 'GET', url: `/api/v1/leads/${lead.id}`, headers })).json();
}

export async function touchpointsOf(t: TestApp, headers: Headers, leadId: string) {
  const res = await t.request({
    method: 'GET',
    url: `/api/v1/leads/${leadId}/touchpoints?limit=50`,
    headers,
  });
  return res.json().data as { type: string; source: string; properties: Record<string, unknown> }[];
}
