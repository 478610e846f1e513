/**
 * Segments: build a segment with a nested filter (a lead field, and a group holding behaviour with
 * a property path, a count and a window) in the editor, watch the live count, save it, see its
 * members, open the lead list filtered by it, and put a selected lead on a new static list.
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

async function screenshot(page: Page, step: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await fullScreenshot(page, journey, step);
}

const journey = 'segments';
const day = 86_400_000;

describe('segments journey', () => {
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

  it('builds, saves and uses segments', async (t) => {
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

  /** Picks an option of a Mantine Select by the input's accessible name, within `scope`. */
  async function pick(scope: ReturnType<Page['locator']> | Page, label: string, option: string, page: Page) {
    await scope.getByLabel(label, { exact: true }).last().click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

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

    const people = [
      { email: 'greta@berlin.example', firstName: 'Greta', country: 'DE', companySize: 300, views: 3 },
      { email: 'hans@wien.example', firstName: 'Hans', country: 'DE', companySize: 40, views: 1 },
      { email: 'ines@zuerich.example', firstName: 'Ines', country: 'DE', companySize: 5000, views: 0 },
      { email: 'jules@paris.example', firstName: 'Jules', country: 'FR', companySize: 900, views: 4 },
      { email: 'karl@bonn.example', firstName: 'Karl', country: 'de', companySize: 20, views: 2 },
    ];
    const ids = new Map<string, string>();
    const runtime = server.app.runtime;
    for (const p of people) {
      const { views, ...lead } = p;
      const created = await call('POST', '/api/v1/leads', lead);
      ids.set(p.email, created.id);
      if (views > 0)
        await runtime.database.db.transaction().execute((tx) =>
          runtime.api.leads.recordTouchpoints(
            tx,
            Array.from({ length: views }, (_, i) => ({
              leadId: created.id,
              type: 'page_viewed',
              occurredAt: Date.now() - (i + 1) * day,
              source: 'tracking' as const,
              properties: {
                page: {
                  url: 'https://www.example.test/pricing',
                  path: i % 2 ? '/Pricing/teams' : '/pricing',
                },
              },
            })),
          ),
        );
    }

    // No segments yet: the page says what they are for.
    await page.goto('/segments');
    await page.getByText('No segments yet').waitFor();
    await screenshot(page, '01-empty');

    // Build: country is DE, and (≥ 2 pricing views within 30 days, or company size ≥ 1,000).
    await page.getByRole('link', { name: 'Build a segment' }).click();
    await page.getByLabel('Name').fill('Hot German prospects');
    const live = page.getByTestId('live-count');
    await live.filter({ hasText: '5' }).waitFor();

    const root = page.getByTestId('filter-group-1');
    await root.getByRole('button', { name: 'Add condition' }).last().click();
    await page.getByRole('menuitem', { name: 'Lead field' }).click();
    await pick(root, 'Lead field', 'Country', page);
    await root.getByRole('textbox', { name: 'Value', exact: true }).fill('de');
    await live.filter({ hasText: /^4$/ }).waitFor();

    await root.getByRole('button', { name: 'Add condition' }).last().click();
    await page.getByRole('menuitem', { name: 'Group of conditions' }).click();
    const nested = page.getByTestId('filter-group-2');
    await nested.getByRole('button', { name: 'Add condition' }).click();
    await page.getByRole('menuitem', { name: 'Behaviour (did something)' }).click();
    await nested.getByRole('textbox', { name: 'Times', exact: true }).fill('2');
    await nested.getByRole('button', { name: 'Add property condition' }).click();
    await nested.getByRole('textbox', { name: 'Value', exact: true }).fill('/pricing*');
    await live.filter({ hasText: /^2$/ }).waitFor(); // Greta (3 views) and Karl (2 views)

    await nested.getByRole('button', { name: 'Add condition' }).last().click();
    await page.getByRole('menuitem', { name: 'Lead field' }).click();
    await pick(nested, 'Lead field', 'Company size (employees)', page);
    await pick(nested, 'Operator', '≥', page);
    await nested.getByRole('textbox', { name: 'Value', exact: true }).last().fill('1000');
    await live.filter({ hasText: /^3$/ }).waitFor(); // and Ines (5,000 employees)
    await screenshot(page, '02-editor');

    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('heading', { name: 'Hot German prospects' }).waitFor();
    await page.getByTestId('segment-count').filter({ hasText: '3' }).waitFor();
    for (const email of ['greta@berlin.example', 'karl@bonn.example', 'ines@zuerich.example'])
      await page
        .getByRole('link', { name: new RegExp(email.split('@')[0]!, 'i') })
        .first()
        .waitFor();
    assert.equal(await page.getByText('jules@paris.example').count(), 0);
    // Members are recorded in the background after saving; their history follows.
    await page.reload();
    await page.getByRole('table', { name: 'Segment history' }).getByText('greta@berlin.example').waitFor();
    await screenshot(page, '03-detail');

    // The lead list, filtered by the segment.
    await page.getByRole('link', { name: 'Open in lead list' }).click();
    await page.waitForURL(/\/leads\?segment=/);
    await page.getByText('1–3 of 3').waitFor();
    assert.equal(await page.getByText('hans@wien.example').count(), 0);
    await screenshot(page, '04-lead-list');

    // An ad-hoc filter on the lead list, built in the same builder.
    await page.goto('/leads');
    await page.getByRole('button', { name: 'Advanced filter' }).click();
    const builder = page.getByRole('dialog', { name: 'Advanced filter' });
    await builder.getByRole('button', { name: 'Add condition' }).click();
    await page.getByRole('menuitem', { name: 'Lead field' }).click();
    await pick(builder, 'Lead field', 'Country', page);
    await builder.getByRole('textbox', { name: 'Value', exact: true }).fill('DE');
    await screenshot(page, '05-advanced-filter');
    await builder.getByRole('button', { name: 'Apply filter' }).click();
    await page.getByText('1–4 of 4').waitFor();
    assert.equal(await page.getByText('jules@paris.example').count(), 0);
    assert.match(page.url(), /filter=/);

    // A static list from a selection.
    await page.goto('/leads');
    await page.getByRole('checkbox', { name: /Hans/ }).check();
    await page.getByRole('button', { name: 'Add to list' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add to a static list' });
    await pick(dialog, 'List', 'New list…', page);
    await dialog.getByLabel('Name of the new list').fill('Webinar guests');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('1 added to the list').waitFor();

    await page.goto('/segments');
    await page.getByRole('link', { name: 'Webinar guests' }).waitFor();
    const rows = page.getByRole('table', { name: 'Segments' }).getByRole('row');
    await rows.filter({ hasText: 'Webinar guests' }).filter({ hasText: '1' }).waitFor();
    await rows.filter({ hasText: 'Hot German prospects' }).filter({ hasText: '3' }).waitFor();
    await screenshot(page, '06-list');

    await page.getByRole('link', { name: 'Webinar guests' }).click();
    await page.getByTestId('segment-count').filter({ hasText: '1' }).waitFor();
    await page.getByText('hans@wien.example').first().waitFor();
    await screenshot(page, '07-static');
    // …and off it again.
    await page.getByRole('checkbox', { name: /Hans/ }).check();
    await page.getByRole('button', { name: 'Remove from list' }).click();
    await page.getByText('1 removed from the list').waitFor();
    await page.getByTestId('segment-count').filter({ hasText: '0' }).waitFor();
    assert.equal(ids.size, 5);
    assert.deepEqual(pageProblems(page), []);
  }
});
