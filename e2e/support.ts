/**
 * Browser journeys: a real Leadloop server on a loopback port (its own SQLite file, the built web
 * app) and Debian's Chromium driven by Playwright. Screenshots land in test-artifacts/screenshots.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildApp } from '../server/app.ts';
import type { Clock } from '../server/platform/clock.ts';
import { parseConfig } from '../server/platform/config.ts';
import { webDist } from '../server/platform/http/web-app.ts';
import { testLogger } from '../server/test-support/logger.ts';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = path.resolve(import.meta.dirname, '../test-artifacts/screenshots');

/** Whether journeys can run here; in CI a missing browser is a failure, not a skip. */
export function browserAvailable(t: TestContext): boolean {
  if (!existsSync(path.join(webDist, 'index.html')))
    throw new Error('web/dist is missing: run "npm run build" first');
  if (existsSync(chromiumPath)) return true;
  if (process.env.CI) throw new Error(`Chromium not found at ${chromiumPath} (apt-get install chromium)`);
  t.skip(`Chromium not found at ${chromiumPath}; install Debian's chromium package to run browser journeys`);
  return false;
}

/** A server on a loopback port; journeys that move time give it a clock they control. */
export async function startServer(options: { clock?: Clock } = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'leadloop-e2e-'));
  const parsed = parseConfig({}, { dataDir, logLevel: 'silent', host: '127.0.0.1' });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const app = await buildApp(parsed.config, { logger: testLogger, clock: options.clock });
  const worker = app.runtime.createJobWorker();
  await worker.start();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await worker.stop(2000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export async function newPage(
  browser: Browser,
  baseURL: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1366, height: 860 },
    locale: 'en-GB',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  // Journeys must never reach beyond this machine.
  await context.route(/^(?!http:\/\/127\.0\.0\.1)/, (route) => route.abort());
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/401|Failed to load resource/.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
  Object.assign(page, { problems });
  return { context, page };
}

/** Console errors and uncaught page errors seen so far (a finished page has none). */
export function pageProblems(page: Page): string[] {
  return (page as Page & { problems: string[] }).problems;
}

export async function screenshot(page: Page, journey: string, name: string): Promise<void> {
  const dir = path.join(artifacts, journey);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

export function cleanArtifacts(journey: string): void {
  rmSync(path.join(artifacts, journey), { recursive: true, force: true });
}

/**
 * Walks a journey in a new page of a browser launched for it (skipped without a browser), its
 * artifacts cleaned first; a failure leaves a 'failure' screenshot. The browser is closed after.
 */
export async function walkJourney(
  t: TestContext,
  journey: string,
  baseUrl: string,
  walk: (page: Page, context: BrowserContext) => Promise<void>,
): Promise<void> {
  if (!browserAvailable(t)) return;
  cleanArtifacts(journey);
  const browser = await launchBrowser();
  try {
    const { context, page } = await newPage(browser, baseUrl);
    try {
      await walk(page, context);
    } catch (error) {
      await screenshot(page, journey, 'failure');
      throw error;
    }
  } finally {
    await browser.close();
  }
}

/**
 * A JSON caller for the REST API with an API key, for seeding and checking what the UI did.
 * Both arguments are read at each call, so a journey may create its key after making the caller.
 */
export function apiCaller(baseUrl: () => string, key: () => string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { authorization: `Bearer ${key()}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
}
