/**
 * A real page: a plain third-party-style site on another loopback origin includes Leadloop's
 * tracking snippet (`/t.js`) and the form embed (one `<script>` tag). A visitor arrives from a paid
 * Google ad, comes back from a newsletter, clicks through to the contact page and submits the
 * embedded form. Leadloop then holds one lead whose timeline has the three page views (stitched from
 * the anonymous visitor by the submission), the submission, and the first touch of the first
 * campaign: paid search. Beacons are awaited by polling, never by sleeping.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildApp } from '../server/app.ts';
import { parseConfig } from '../server/platform/config.ts';
import { testLogger } from '../server/test-support/logger.ts';
import {
  apiCaller,
  browserAvailable,
  chromiumPath,
  cleanArtifacts,
  screenshot as fullScreenshot,
  newPage,
  pageProblems,
} from './support.ts';

const journey = 'capture-page';
// A person's browser: a headless browser's own user agent is (rightly) taken for a bot. Set for the
// whole browser, since beacons sent while a page unloads leave without the page's overrides.
const personAgent =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const email = 'rosa.parks@montgomery.example';

async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await fullScreenshot(page, journey, name);
}

async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      `--user-agent=${personAgent}`,
    ],
  });
}

/** A free loopback port, so Leadloop's public URL (in the embed's submit URL) is known before it starts. */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function startLeadloop() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'leadloop-e2e-capture-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const parsed = parseConfig({}, { dataDir, logLevel: 'silent', host: '127.0.0.1', port, publicUrl: url });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const app = await buildApp(parsed.config, { logger: testLogger });
  const worker = app.runtime.createJobWorker();
  await worker.start();
  await app.listen({ host: '127.0.0.1', port });
  return {
    app,
    url,
    async close() {
      await app.close();
      await worker.stop(2000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The customer's website: three pages with the snippet and the embed, on its own origin. */
function siteHtml(leadloop: string, slug: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${title}</title>
  <script src="${leadloop}/t.js" async></script>
  <style>body { font-family: sans-serif; max-width: 720px; margin: 2rem auto; } nav a { margin-right: 1rem; }</style>
</head>
<body>
  <nav><a href="/">Home</a><a href="/pricing">Pricing</a><a id="to-contact" href="/contact?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=june-news">Contact</a></nav>
  <h1>${title}</h1>
  ${body}
  <h2>Talk to us</h2>
  <script src="${leadloop}/embed.js" data-leadloop-form="${slug}" async></script>
</body>
</html>`;
}

async function startSite(leadloop: string, slug: string) {
  const pages: Record<string, [string, string]> = {
    '/': ['Acme Widgets — Home', '<p>Widgets for every workshop.</p>'],
    '/pricing': ['Acme Widgets — Pricing', '<p>Starter 9 €, Team 49 €, Enterprise: ask us.</p>'],
    '/contact': ['Acme Widgets — Contact', '<p>Tell us about your project.</p>'],
  };
  const server: Server = createServer((req, res) => {
    const page = pages[new URL(req.url ?? '/', 'http://site').pathname];
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(siteHtml(leadloop, slug, page[0], page[1]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Polls until `check` returns a value (not undefined), or fails naming what it waited for. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

type TouchpointRow = {
  id: string;
  type: string;
  occurredAt: string;
  channel?: string | null;
  properties: Record<string, unknown>;
};

describe('capture on a real page', () => {
  let leadloop: Awaited<ReturnType<typeof startLeadloop>>;
  let site: Awaited<ReturnType<typeof startSite>>;
  let browser: Browser | undefined;
  let key = '';

  const call = apiCaller(
    () => leadloop.url,
    () => key,
  );

  before(async () => {
    leadloop = await startLeadloop();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await leadloop?.close();
  });

  it('tracks a visitor across three pages, captures the embedded form and attributes the first touch', async (t) => {
    if (!browserAvailable(t)) return;
    cleanArtifacts(journey);
    browser = await launchBrowser();
    // The marketer: first-run setup in the app's own browser context, then an API key.
    const { page: app } = await newPage(browser, leadloop.url);
    const setup = await app.request.post('/api/setup', {
      data: { email: 'mia@leadloop.example', name: 'Mia Marketer', password: 'a strong first password' },
    });
    assert.equal(setup.status(), 201);
    const { csrfToken } = (await setup.json()) as { csrfToken: string };
    const created = await app.request.post('/api/v1/api-keys', {
      data: { name: 'Site setup', scopes: ['admin'] },
      headers: { 'x-csrf-token': csrfToken },
    });
    assert.equal(created.status(), 201);
    key = ((await created.json()) as { secret: string }).secret;

    // The site's origin is known once it listens; the form and tracking settings allow it.
    const slug = 'talk-to-us';
    site = await startSite(leadloop.url, slug);
    await call('PUT', '/api/v1/tracking/settings', {
      allowedDomains: [`127.0.0.1:${site.port}`],
      requireConsent: false,
      sameBrowserSamePerson: false,
    });
    const form = (await call('POST', '/api/v1/forms', {
      name: 'Talk to us',
      slug,
      status: 'published',
      fields: [
        { key: 'email', label: 'Work email', required: true },
        { key: 'firstName', label: 'First name', required: true },
        { key: 'lastName', label: 'Last name', required: false },
      ],
      consents: [{ key: 'news', purpose: 'emailMarketing', text: 'Send me product news.', required: false }],
      allowedOrigins: [site.origin],
      submitLabel: 'Send',
      // The test fills the form at machine speed; the fill-time trap has its own tests.
      minFillSeconds: 0,
    })) as { id: string };

    // The visitor: another browser context (another person), with a person's user agent.
    const visitor = await browser.newContext({
      viewport: { width: 1200, height: 900 },
      locale: 'en-GB',
      userAgent: personAgent,
    });
    await visitor.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
    const page = await visitor.newPage();
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    try {
      await visit(page, visitor, form.id);
    } catch (error) {
      await screenshot(page, 'failure').catch(() => {});
      throw error;
    }
    assert.deepEqual(problems, []);

    // The lead page shows the same timeline.
    const lead = (await call('GET', `/api/v1/leads?q=${encodeURIComponent(email)}`)).data[0] as {
      id: string;
    };
    await app.goto(`/leads/${lead.id}`);
    await app.getByRole('heading', { name: /Rosa Parks/ }).waitFor();
    const timeline = app.getByLabel('Timeline');
    await until('three page views on the lead page', async () =>
      (await timeline.locator('[data-type="page_viewed"]').count()) === 3 ? true : undefined,
    );
    assert.equal(await timeline.locator('[data-type="form_submitted"]').count(), 1);
    await screenshot(app, '02-lead-timeline');
    assert.deepEqual(pageProblems(app), []);
  });

  async function visit(page: Page, visitor: BrowserContext, formId: string): Promise<void> {
    const db = leadloop.app.runtime.database.db;
    const anonymousEvents = async (visitorId: string) =>
      Number(
        (
          await db
            .selectFrom('visitor_events')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('visitor_id', '=', visitorId)
            .executeTakeFirstOrThrow()
        ).n,
      );

    // 1. From a Google ad (paid search).
    await page.goto(`${site.origin}/?utm_source=google&utm_medium=cpc&utm_campaign=spring`);
    await page.getByRole('button', { name: 'Send' }).waitFor();
    const visitorId = await until('the tracking cookie', async () => {
      const c = (await visitor.cookies(site.origin)).find((x) => x.name === 'll_vid');
      return c?.value;
    });
    // 2. Later, from a newsletter (a new arrival: no referrer).
    await page.goto(`${site.origin}/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=june-news`);
    await page.getByRole('button', { name: 'Send' }).waitFor();
    // 3. A click through to the contact page.
    await page.locator('#to-contact').click();
    await page.waitForURL(/\/contact\?/);
    await page.getByRole('button', { name: 'Send' }).waitFor();

    // All three page views reached Leadloop while the visitor was still anonymous (the snippet
    // sends on leaving a page, and a few seconds after the last event).
    await until('three anonymous page views', async () => {
      const n = await anonymousEvents(visitorId);
      if (n !== 3) throw new Error(`${n} so far`);
      return true;
    });
    const before = (await call('GET', `/api/v1/leads?q=${encodeURIComponent(email)}`)).data;
    assert.deepEqual(before, [], 'no lead before the form is sent');

    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('First name').fill('Rosa');
    await page.getByLabel('Last name').fill('Parks');
    await page.getByLabel('Send me product news.').check();
    await screenshot(page, '01-contact-page-filled');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('status').filter({ hasText: 'Thank you' }).waitFor();

    // Exactly one lead, with the visitor's history stitched onto it.
    const found = (await call('GET', `/api/v1/leads?q=${encodeURIComponent(email)}`)).data as {
      id: string;
      email: string;
    }[];
    assert.equal(found.length, 1);
    const leadId = found[0]!.id;
    assert.equal(await anonymousEvents(visitorId), 0, 'nothing left anonymous');
    const stitches = (await call('GET', `/api/v1/leads/${leadId}/stitches`)).data as {
      visitorId: string;
      reason: string;
      outcome: string;
      events: number;
    }[];
    assert.deepEqual(
      stitches.map((s) => [s.visitorId, s.reason, s.outcome, s.events]),
      [[visitorId, 'form', 'linked', 3]],
    );

    const timeline = await until('the timeline with three page views and the submission', async () => {
      const tps = (await call('GET', `/api/v1/leads/${leadId}/touchpoints?limit=50`)).data as TouchpointRow[];
      const views = tps.filter((tp) => tp.type === 'page_viewed');
      const forms = tps.filter((tp) => tp.type === 'form_submitted');
      return views.length === 3 && forms.length === 1 ? { views, forms } : undefined;
    });
    const pageOf = (tp: TouchpointRow) => tp.properties.page as { url: string; path: string; title: string };
    const views = [...timeline.views].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    assert.deepEqual(
      views.map((v) => [
        pageOf(v).path,
        pageOf(v).title,
        (v.properties.utm as { campaign: string }).campaign,
      ]),
      [
        ['/', 'Acme Widgets — Home', 'spring'],
        ['/pricing', 'Acme Widgets — Pricing', 'june-news'],
        ['/contact', 'Acme Widgets — Contact', 'june-news'],
      ],
    );
    assert.deepEqual(
      views.map((v) => v.properties.visitorId),
      [visitorId, visitorId, visitorId],
    );
    // Page views carrying campaign values are touches, classified by the channel rules.
    assert.deepEqual(
      views.map((v) => v.channel ?? null),
      ['paid_search', 'email', 'email'],
    );
    assert.deepEqual(
      views.map((v) => v.properties.landing === true),
      [true, true, false],
      'the click within the site does not start a visit',
    );
    const submitted = timeline.forms[0]!.properties as {
      form: { id: string };
      page: { url: string };
      utm: { campaign: string };
      visitorId: string;
    };
    assert.equal(submitted.form.id, formId);
    assert.match(submitted.page.url, /\/contact\?utm_source=newsletter/);
    assert.equal(submitted.utm.campaign, 'june-news');
    assert.equal(submitted.visitorId, visitorId);

    // First touch: the first campaign's channel, as the channel rules classify google / cpc.
    const lead = (await call('GET', `/api/v1/leads/${leadId}`)) as {
      email: string;
      firstName: string;
      firstTouch: { channel: string; source: string; medium: string; landingPage: string } | null;
      lastTouch: { channel: string } | null;
    };
    assert.equal(lead.email, email);
    assert.equal(lead.firstName, 'Rosa');
    assert.equal(lead.firstTouch?.channel, 'paid_search');
    assert.equal(lead.firstTouch?.source, 'google');
    assert.equal(lead.firstTouch?.medium, 'cpc');
    assert.equal(lead.firstTouch?.landingPage, `${site.origin}/`);
    assert.equal(lead.lastTouch?.channel, 'email');

    // The form's submissions list has it, from the embed, with the visitor id.
    const subs = (await call('GET', `/api/v1/forms/${formId}/submissions`)).data as {
      via: string;
      status: string;
      visitorId: string;
      leadId: string;
    }[];
    assert.deepEqual(
      subs.map((s) => [s.via, s.status, s.visitorId, s.leadId]),
      [['embed', 'accepted', visitorId, leadId]],
    );
  }
});
