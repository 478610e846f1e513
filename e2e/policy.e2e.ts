/**
 * The qualification policy and a lead's lifecycle: a marketer drafts and proposes a new version and
 * approves it, a sales manager approves it and it is in force; then an admin recycles a lead with
 * a reason on its page and sees the move in the stage history.
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

const journey = 'policy';

async function screenshot(page: Page, step: string): Promise<void> {
  await page.evaluate('window.scrollTo(0, 0)');
  await fullScreenshot(page, journey, step);
}

describe('policy journey', () => {
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

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.goto('/login');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  }

  it('approves a policy version from both sides, then recycles a lead with a reason', async (t) => {
    if (!browserAvailable(t)) return;
    cleanArtifacts(journey);
    browser = await launchBrowser();
    const admin = await newPage(browser, server.url);
    let current = admin.page;
    try {
      // An admin (setup), an API key to seed with, a marketer and a sales manager.
      const setup = await admin.page.request.post('/api/setup', {
        data: { email: 'ada@example.test', name: 'Ada Admin', password: 'a strong first password' },
      });
      assert.equal(setup.status(), 201);
      const { csrfToken } = (await setup.json()) as { csrfToken: string };
      const created = await admin.page.request.post('/api/v1/api-keys', {
        data: { name: 'Seeder', scopes: ['admin'] },
        headers: { 'x-csrf-token': csrfToken },
      });
      key = ((await created.json()) as { secret: string }).secret;
      const password = 'a long enough password';
      await call('POST', '/api/v1/users', {
        email: 'mia@example.test',
        name: 'Mia Marketing',
        role: 'marketing',
        password,
      });
      await call('POST', '/api/v1/users', {
        email: 'sam@example.test',
        name: 'Sam Sales',
        role: 'sales_manager',
        password,
      });
      const lead = await call('POST', '/api/v1/leads', {
        email: 'grace@acme.example',
        firstName: 'Grace',
        lastName: 'Hopper',
        companyName: 'Acme',
        lifecycleStage: 'mql',
      });
      await call('POST', `/api/v1/leads/${lead.id}/stage`, { to: 'sal' });

      // The marketer sees the policy in force, starts a draft, lowers the bar, proposes and approves.
      const marketer = await newPage(browser, server.url);
      current = marketer.page;
      await signIn(marketer.page, 'mia@example.test', password);
      // Policy is a tab of the Scoring area.
      await marketer.page.getByRole('link', { name: 'Scoring' }).click();
      await marketer.page.getByRole('tab', { name: 'Policy' }).click();
      await marketer.page.waitForURL('**/scoring/policy');
      await marketer.page.getByRole('heading', { name: 'In force: version 1' }).waitFor();
      await marketer.page
        .getByLabel('MQL rule')
        .getByText(
          'A lead becomes an MQL when its total score is at least 60 and its fit grade is B or better',
        )
        .waitFor();
      await screenshot(marketer.page, '01-policy-v1');
      await marketer.page.getByRole('button', { name: 'Start a draft' }).click();
      await marketer.page.getByRole('heading', { name: 'Draft: version 2' }).waitFor();
      await marketer.page.getByLabel('Total score at least').fill('45');
      await marketer.page.getByLabel('Note for the approvers').fill('Webinar leads convert well below 60.');
      await screenshot(marketer.page, '02-draft');
      await marketer.page.getByRole('button', { name: 'Propose for approval' }).click();
      const v2 = marketer.page.getByRole('row', { name: 'Version 2' });
      await v2.getByText('proposed').waitFor();
      await v2.getByRole('button', { name: 'Approve as marketing' }).click();
      await marketer.page.getByText('Approved version 2; waiting for the other side').waitFor();
      await v2.getByText(/Mia Marketing/).waitFor();
      await marketer.page.getByRole('heading', { name: 'In force: version 1' }).waitFor();
      await screenshot(marketer.page, '03-marketing-approved');
      assert.deepEqual(pageProblems(marketer.page), []);

      // The sales manager approves: version 2 is in force.
      const manager = await newPage(browser, server.url);
      current = manager.page;
      await signIn(manager.page, 'sam@example.test', password);
      // The old address still leads there.
      await manager.page.goto('/policy');
      await manager.page.waitForURL('**/scoring/policy');
      const row = manager.page.getByRole('row', { name: 'Version 2' });
      await row.getByRole('button', { name: 'Approve as sales manager' }).click();
      await manager.page.getByRole('heading', { name: 'In force: version 2' }).waitFor();
      await manager.page
        .getByLabel('MQL rule')
        .getByText(/total score is at least 45/)
        .waitFor();
      await manager.page.getByRole('row', { name: 'Version 1' }).getByText('superseded').waitFor();
      await screenshot(manager.page, '04-v2-active');
      assert.deepEqual(pageProblems(manager.page), []);
      const active = await call('GET', '/api/v1/policy');
      assert.equal(active.version, 2);
      assert.deepEqual(active.approvals.map((a: { role: string }) => a.role).sort(), [
        'marketing',
        'sales_manager',
      ]);

      // The admin recycles the lead on its page, with a reason, and sees it in the history.
      current = admin.page;
      await admin.page.goto(`/leads/${lead.id}`);
      const card = admin.page.getByLabel('Stage history');
      await card.getByText('moved forward').waitFor();
      await card.getByRole('button', { name: 'Change stage' }).click();
      const dialog = admin.page.getByRole('dialog', { name: 'Change stage' });
      await dialog
        .getByRole('textbox', { name: 'New stage' })
        .or(dialog.getByRole('combobox', { name: 'New stage' }))
        .first()
        .click();
      // Only allowed moves are offered: SAL → recycled, not SAL → lead.
      assert.equal(await admin.page.getByRole('option', { name: 'Lead', exact: true }).count(), 0);
      await admin.page.getByRole('option', { name: 'Recycled (recycle)' }).click();
      await dialog.getByRole('button', { name: 'Move' }).waitFor();
      assert.equal(
        await dialog.getByRole('button', { name: 'Move' }).isDisabled(),
        true,
        'a reason is required',
      );
      await dialog.getByRole('textbox', { name: 'Reason' }).fill('Budget frozen until the autumn');
      await screenshot(admin.page, '05-change-stage');
      await dialog.getByRole('button', { name: 'Move' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await card.getByText('Budget frozen until the autumn').waitFor();
      await card
        .getByText(/Ada Admin|ada@example\.test/)
        .first()
        .waitFor();
      await card
        .getByText(/policy v2/)
        .first()
        .waitFor();
      await screenshot(admin.page, '06-history');
      const stages = await call('GET', `/api/v1/leads/${lead.id}/stages`);
      assert.deepEqual(
        stages.history.map((h: { from: string | null; to: string }) => [h.from, h.to]),
        [
          [null, 'mql'],
          ['mql', 'sal'],
          ['sal', 'recycled'],
        ],
      );
      assert.equal(stages.history[2].policyVersion, 2);
      assert.deepEqual(pageProblems(admin.page), []);
    } catch (error) {
      await screenshot(current, 'failure');
      throw error;
    }
  });
});
