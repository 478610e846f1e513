/**
 * Predictive model: the page explains the minimum data and refuses below it; with demo data (known
 * outcomes) marketing trains from the page, watches it finish, reads the report and calibration
 * chart, and a lead's page shows its conversion probability and top factors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { screenshot as fullScreenshot, pageProblems, startServer, walkJourney } from './support.ts';

async function screenshot(page: Page, name: string, step: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await fullScreenshot(page, name, step);
}

const journey = 'predict';

describe('predictive model journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.close();
  });

  it('refuses without outcomes, trains from the page on demo data, and shows a lead its probability', async (t) => {
    await walkJourney(t, journey, server.url, walk);
  });

  async function walk(page: Page): Promise<void> {
    const setup = await page.request.post('/api/setup', {
      data: { email: 'mia@example.test', name: 'Mia Admin', password: 'a strong first password' },
    });
    assert.equal(setup.status(), 201);

    // No outcomes yet: the page says what the model needs, and Train now is refused with the rule.
    await page.goto('/');
    await page.getByRole('link', { name: 'Scoring' }).click();
    await page.getByRole('tab', { name: 'Predictive model' }).click();
    await page.waitForURL('**/scoring/predict');
    await page.getByText('No model yet').waitFor();
    await page.getByText(/at least 200 leads whose outcome is known/).waitFor();
    await page.getByRole('button', { name: 'Train now' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Not enough outcomes to learn from' });
    await refusal.waitFor();
    assert.match(await refusal.innerText(), /0 leads have a known outcome; at least 200 are needed/);
    await screenshot(page, journey, '01-not-enough-data');

    // Demo data has known outcomes (the test support loads it as `leadloop demo` would).
    await server.app.runtime.api.demo.load({ leads: 2000, seed: 42, whenLeadsExist: 'add' });
    await page.reload();
    // Leave out what sales fills in late (the demo's seats and budget), as a careful marketer would.
    const leaveOut = page.getByRole('combobox', { name: 'Leave out of the model' });
    await leaveOut.click();
    await leaveOut.fill('Seats');
    await page.getByRole('option', { name: 'Seats' }).click();
    await leaveOut.fill('budget');
    await page.getByRole('option', { name: /budget/i }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Train now' }).click();
    await page.getByText('Model v1').waitFor({ timeout: 60_000 });

    // The report: held-out AUC, lift, counts, the calibration chart and the top coefficients.
    const auc = await page.getByLabel('Held-out AUC', { exact: true }).innerText();
    assert.match(auc, /^0\.\d{3}$/);
    assert.ok(Number(auc) > 0.6, `AUC ${auc}`);
    assert.match(await page.getByLabel('Lift, top 10%').innerText(), /^\d+\.\d×$/);
    await page.getByText(/left out: seats, budget_band/).waitFor();
    const chart = page.getByRole('heading', { name: 'Calibration' }).locator('..');
    await chart.locator('.recharts-bar-rectangle').first().waitFor();
    // Ten deciles on the axis (a decile where nobody converted has a bar of zero height).
    assert.equal(await chart.locator('.recharts-xAxis .recharts-cartesian-axis-tick').count(), 10);
    await chart.locator('.recharts-line').first().waitFor();
    const coefficients = page.getByRole('table', { name: 'Top coefficients' });
    assert.equal(await coefficients.locator('tbody tr').count(), 12);
    await page.getByText('Training started').waitFor({ state: 'hidden', timeout: 15_000 });
    await page.waitForTimeout(500); // let the chart's entry animation end before the picture
    await screenshot(page, journey, '02-report');

    // An open lead with a high probability: its page shows the number and what drives it.
    const state = await (await page.request.get('/api/v1/predict/model')).json();
    assert.equal(state.model.version, 1);
    const list = await (await page.request.get('/api/v1/leads?stage=mql,lead&limit=50')).json();
    const top = (list.data as { id: string; conversionProbability?: number }[])
      .filter((l) => l.conversionProbability !== undefined)
      .sort((a, b) => b.conversionProbability! - a.conversionProbability!)[0]!;
    await page.goto(`/leads/${top.id}`);
    const card = page.getByLabel('Conversion prediction');
    await card.waitFor();
    const shown = await card.getByTestId('conversion-probability').innerText();
    const expected = top.conversionProbability! * 100;
    assert.equal(shown, `${expected.toFixed(expected < 10 ? 1 : 0)}%`);
    assert.ok((await card.getByLabel(/raises|lowers/).count()) >= 1);
    await screenshot(page, journey, '03-lead');

    // A lead whose outcome is known says so instead of showing a number.
    const customers = await (await page.request.get('/api/v1/leads?stage=customer&limit=1')).json();
    await page.goto(`/leads/${customers.data[0].id}`);
    await page.getByText('This lead’s outcome is known').waitFor();
    assert.deepEqual(pageProblems(page), []);
  }
});
