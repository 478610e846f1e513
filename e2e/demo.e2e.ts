/** A newcomer: first-run setup with "Load demo data" → a notice while it loads → a toast → a full lead list. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  browserAvailable,
  cleanArtifacts,
  launchBrowser,
  newPage,
  pageProblems,
  screenshot,
  startServer,
} from './support.ts';

const journey = 'demo';

describe('demo data journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('sets up with demo data, says when it is loaded, and shows the leads', async (t) => {
    if (!browserAvailable(t)) return;
    cleanArtifacts(journey);
    browser = await launchBrowser();
    const { page } = await newPage(browser, server.url);

    await page.goto('/');
    await page.waitForURL('**/setup');
    await page.getByLabel('Your name').fill('Dana Demo');
    await page.getByLabel('Work email').fill('dana@example.test');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('a strong first password');
    await page.getByRole('textbox', { name: 'Repeat the password' }).fill('a strong first password');
    await page.getByRole('checkbox', { name: 'Load demo data' }).check();
    await screenshot(page, journey, '01-setup-with-demo-data');
    await page.getByRole('button', { name: 'Create administrator' }).click();

    // The demo load runs on the same process: allow a busy machine more time for the first page.
    await page.getByRole('heading', { name: 'Welcome, Dana' }).waitFor({ timeout: 30_000 });
    await page.getByText('Loading demo data').first().waitFor();
    await screenshot(page, journey, '02-home-loading');
    await page.getByText('Demo data loaded').waitFor({ timeout: 120_000 });
    await screenshot(page, journey, '03-home-loaded');

    await page.goto('/leads');
    const table = page.getByRole('table', { name: 'Leads' });
    await table.getByRole('link').first().waitFor();
    assert.ok((await table.locator('tbody tr').count()) >= 20);
    await screenshot(page, journey, '04-leads');
    assert.deepEqual(pageProblems(page), []);
  });
});
