/**
 * Scoring: edit the draft (add an engagement rule), preview it on a lead, run the backtest, publish,
 * watch the rescore finish, then open a lead and see its score breakdown with the new rule.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  apiCaller,
  browserAvailable,
  cleanArtifacts,
  screenshot as fullScreenshot,
  launchBrowser,
  newPage,
  pageProblems,
  startServer,
} from './support.ts';

const journey = 'scoring';
const day = 86_400_000;

async function screenshot(page: Page, step: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await fullScreenshot(page, journey, step);
}

describe('scoring journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let key = '';

  const call = apiCaller(
    () => server.url,
    () => key,
  );

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('edits, previews, backtests and publishes a model, and explains a lead', async (t) => {
    if (!browserAvailable(t)) return;
    cleanArtifacts(journey);
    browser = await launchBrowser();
    const { page } = await newPage(browser, server.url);
    try {
      await walk(page);
    } catch (error) {
      await screenshot(page, 'failure');
      throw error;
    }
  });

  async function walk(page: Page): Promise<void> {
    const setup = await page.request.post('/api/setup', {
      data: { email: 'ada@example.test', name: 'Ada Admin', password: 'a strong first password' },
    });
    assert.equal(setup.status(), 201);
    const { csrfToken } = (await setup.json()) as { csrfToken: string };
    const created = await page.request.post('/api/v1/api-keys', {
      data: { name: 'Seeder', scopes: ['admin'] },
      headers: { 'x-csrf-token': csrfToken },
    });
    key = ((await created.json()) as { secret: string }).secret;

    // A few leads that engage: a senior buyer at a good-fit company reads the blog and the pricing page.
    const vera = (
      await call('POST', '/api/v1/leads', {
        email: 'vera@northwind.example',
        firstName: 'Vera',
        lastName: 'Lind',
        jobTitle: 'VP of Marketing',
        companySize: 900,
        industry: 'Software',
      })
    ).id as string;
    const sam = (
      await call('POST', '/api/v1/leads', { email: 'sam@tiny.example', firstName: 'Sam', companySize: 4 })
    ).id as string;
    const rt = server.app.runtime;
    const now = Date.now();
    await rt.database.db.transaction().execute((tx) =>
      rt.api.leads.recordTouchpoints(tx, [
        ...[3, 2, 1].map((d) => ({
          leadId: vera,
          type: 'page_viewed',
          occurredAt: now - d * day,
          source: 'tracking' as const,
          properties: { path: '/blog/forecasting', page: { path: '/blog/forecasting' } },
        })),
        {
          leadId: vera,
          type: 'page_viewed',
          occurredAt: now - day,
          source: 'tracking',
          // As the tracking snippet records a page view (the default model reads page.path).
          properties: { page: { url: 'https://www.northwind.example/pricing', path: '/pricing' } },
        },
        {
          leadId: sam,
          type: 'page_viewed',
          occurredAt: now - day,
          source: 'tracking',
          properties: { path: '/blog/x' },
        },
      ]),
    );
    const before = (await call('GET', `/api/v1/leads/${vera}/score`)) as { total: number };

    await page.goto('/scoring');
    await page.getByRole('heading', { name: 'Fit rules' }).waitFor();
    await page.getByText('Editing from published v1').waitFor();
    await screenshot(page, '1-editor');

    // Add an engagement rule: blog reads, 6 points each, capped at 18.
    await page.getByRole('button', { name: 'Add engagement rule' }).click();
    const rule = page.getByLabel('Engagement rule New engagement rule');
    await rule.getByRole('textbox', { name: 'Rule name' }).fill('Read the blog');
    const added = page.getByLabel('Engagement rule Read the blog');
    await added.getByRole('textbox', { name: 'Points' }).fill('6');
    await added.getByRole('textbox', { name: 'Cap' }).fill('18');
    await added.getByRole('button', { name: 'Property condition' }).click();
    await added.getByRole('combobox', { name: 'Property' }).click();
    await page.getByRole('option', { name: 'path', exact: true }).click();
    await added.getByRole('combobox', { name: 'Operator' }).click();
    await page.getByRole('option', { name: 'starts with', exact: true }).click();
    await added.getByRole('textbox', { name: 'Value', exact: true }).fill('/blog');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Draft v2').waitFor();
    await page.getByText('Draft saved').waitFor({ state: 'hidden' });

    // Preview the draft on Vera.
    await page.getByRole('combobox', { name: 'Lead to preview' }).click();
    await page.getByRole('option', { name: /Vera Lind/ }).click();
    const previewTotal = page.getByTestId('preview-total');
    await previewTotal.waitFor();
    await page.getByLabel('Preview').getByText('Read the blog').waitFor();
    const preview = Number(await previewTotal.textContent());
    assert.ok(preview > before.total, `the draft adds blog reads: ${preview} > ${before.total}`);

    // Backtest.
    await page.getByRole('button', { name: 'Run backtest' }).click();
    await page.getByTestId('backtest-draft-mql').waitFor();
    await page.getByLabel('Backtest results').getByText('Would be MQL').waitFor();
    await screenshot(page, '2-preview-and-backtest');

    // Publish and watch the rescore finish.
    await page.getByRole('button', { name: 'Publish draft' }).click();
    await page
      .getByTestId('rescore-status')
      .getByText(/^Done: 2 leads rescored/)
      .waitFor({ timeout: 20_000 });
    await page.getByLabel('Versions').getByText('retired', { exact: true }).waitFor();
    await screenshot(page, '3-published');

    // Vera's page: the breakdown lists the new rule.
    await page.goto(`/leads/${vera}`);
    const card = page.getByLabel('Lead score');
    await card.getByTestId('score-total').waitFor();
    assert.equal(Number(await card.getByTestId('score-total').textContent()), preview);
    await card.getByLabel('Score breakdown').getByText('Read the blog').waitFor();
    assert.equal(await card.getByTestId('score-grade').textContent(), 'A');
    await card.getByText('Model v2').waitFor();
    await card.locator('.recharts-surface').first().waitFor();
    await screenshot(page, '4-lead-breakdown');

    assert.deepEqual(pageProblems(page), []);
  }
});
