/**
 * Importing leads: upload a HubSpot export in the wizard, map its columns (one as a new custom
 * field), run it, read the counts, then open an imported lead and find the import on its timeline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  browserAvailable,
  cleanArtifacts,
  screenshot as fullScreenshot,
  launchBrowser,
  newPage,
  pageProblems,
  startServer,
} from './support.ts';

const journey = 'imports';

async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await fullScreenshot(page, journey, name);
}

const csv = [
  'Record ID,First Name,Last Name,Email,Job Title,Company Name,Country/Region,Lifecycle Stage,Original Source,Create Date',
  '501,Margaret,Hamilton,margaret@apollo.example,Director of Software,"Apollo Guidance, Inc.",United States,Marketing Qualified Lead,Organic Search,2023-07-20 20:17',
  '502,Katherine,Johnson,katherine@nasa.example,Mathematician,NASA,United States,Customer,Referrals,2022-02-20 14:47',
  '503,Hedy,Lamarr,hedy@frequency.example,Inventor,Frequency Hopping,Austria,Lead,Paid Search,2024-01-09 09:30',
  '504,Broken,Row,not-an-email,Tester,,,Lead,,',
].join('\r\n');

describe('import journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('imports a CSV through the wizard and opens an imported lead', async (t) => {
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

    // From the leads list to the wizard.
    await page.goto('/leads');
    await page.getByRole('link', { name: 'Import a CSV' }).click();
    await page.waitForURL('**/leads/import');
    await page.getByRole('heading', { name: 'Import leads' }).waitFor();
    await page.getByText('No imports yet').waitFor();
    await screenshot(page, '01-upload');

    // Upload.
    await page.getByLabel('CSV file').setInputFiles({
      name: 'hubspot-contacts.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    const mapping = page.getByRole('table', { name: 'Column mapping' });
    await mapping.waitFor();
    await page.getByText('Detected: HubSpot contacts').waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'Import Email as' }).inputValue(), 'Email');
    assert.equal(
      await page.getByRole('combobox', { name: 'Import Record ID as' }).inputValue(),
      'External id: hubspot',
    );
    const preview = page.getByRole('table', { name: 'Preview of the first rows' });
    await preview.getByRole('cell', { name: 'Apollo Guidance, Inc.' }).waitFor();
    await preview.getByText('is not a valid email address').waitFor();

    // "Original Source" becomes a new custom field.
    await page.getByRole('combobox', { name: 'Import Original Source as' }).click();
    await page.getByRole('option', { name: '+ New custom field' }).click();
    await page.getByRole('textbox', { name: 'Key of the new field for Original Source' }).waitFor();
    assert.equal(
      await page.getByRole('textbox', { name: 'Key of the new field for Original Source' }).inputValue(),
      'original_source',
    );
    await screenshot(page, '02-mapping');
    await page.getByRole('button', { name: 'Next: options' }).click();

    // Options, then run.
    await page.getByRole('radio', { name: 'Email (recommended)' }).waitFor();
    assert.equal(await page.getByRole('radio', { name: 'Email (recommended)' }).isChecked(), true);
    await screenshot(page, '03-options');
    await page.getByRole('button', { name: 'Start import' }).click();

    // Progress, then results with the counts.
    await page.getByText('Import finished', { exact: true }).waitFor({ timeout: 30_000 });
    const counts = page.getByRole('list', { name: 'Import counts' });
    await counts.getByRole('listitem', { name: 'Created: 3' }).waitFor();
    await counts.getByRole('listitem', { name: 'Updated: 0' }).waitFor();
    await counts.getByRole('listitem', { name: 'Failed: 1' }).waitFor();
    const download = page.getByRole('link', { name: 'Download errors (CSV)' });
    await download.waitFor();
    const errors = await page.request.get((await download.getAttribute('href'))!);
    assert.equal(errors.status(), 200);
    assert.match(
      await errors.text(),
      /^row,column,field,rule,message,value\n5,Email,email,format,is not a valid email address,not-an-email\n$/,
    );
    await page
      .getByRole('table', { name: 'Past imports' })
      .getByRole('button', { name: 'hubspot-contacts.csv' })
      .waitFor();
    await screenshot(page, '04-results');

    // An imported lead's page: its fields, and the import on its timeline.
    const found = await page.request.get('/api/v1/leads?email=margaret@apollo.example');
    const lead = (
      (await found.json()) as {
        data: { id: string; lifecycleStage: string; customFields: Record<string, unknown> }[];
      }
    ).data[0]!;
    assert.equal(lead.lifecycleStage, 'mql');
    assert.deepEqual(lead.customFields, { original_source: 'Organic Search' });
    await page.getByRole('link', { name: 'Go to leads' }).click();
    await page.waitForURL('**/leads');
    await page.goto(`/leads/${lead.id}`);
    await page.getByRole('heading', { name: 'Margaret Hamilton' }).waitFor();
    await page.getByText('Imported from hubspot-contacts.csv').waitFor();
    await screenshot(page, '05-imported-lead');
    assert.deepEqual(pageProblems(page), []);
  }
});
