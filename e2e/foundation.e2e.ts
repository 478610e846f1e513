/** First run: setup → sign out → sign in → create a user → create an API key → sign out. */
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

const journey = 'foundation';

describe('first-run journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('sets up, signs in, adds a user and an API key, and signs out', async (t) => {
    if (!browserAvailable(t)) return;
    cleanArtifacts(journey);
    browser = await launchBrowser();
    const { page } = await newPage(browser, server.url);

    // First run: the app sends a newcomer to setup.
    await page.goto('/');
    await page.waitForURL('**/setup');
    await page.getByRole('heading', { name: 'Set up Leadloop' }).waitFor();
    await screenshot(page, journey, '01-setup');
    await page.getByLabel('Your name').fill('Ada Admin');
    await page.getByLabel('Work email').fill('ada@example.test');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('a strong first password');
    await page.getByRole('textbox', { name: 'Repeat the password' }).fill('a strong first password');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.getByRole('heading', { name: 'Welcome, Ada' }).waitFor();
    await screenshot(page, journey, '02-home');

    // Setup is gone for good once an admin exists.
    const setup = await page.request.get('/api/setup');
    assert.deepEqual(await setup.json(), { needed: false });

    // Sign out, then sign in again.
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await page.getByLabel('Email').fill('ada@example.test');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('wrong password here');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('The email or password is wrong.').waitFor();
    await screenshot(page, journey, '03-login-failed');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('a strong first password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Welcome, Ada' }).waitFor();

    // Create a user.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add user' });
    await dialog.getByLabel('Name').fill('Rita Rep');
    await dialog.getByLabel('Email').fill('rita@example.test');
    await dialog.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: 'Marketing' }).click();
    await dialog.getByRole('combobox', { name: 'Role' }).click();
    await page.getByRole('option', { name: 'Sales rep' }).click();
    await dialog.getByRole('textbox', { name: 'Initial password' }).fill('rita has a password');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('cell', { name: /Rita Rep/ }).waitFor();
    await dialog.waitFor({ state: 'hidden' });
    await screenshot(page, journey, '04-users');

    // Create an API key and use it.
    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await screenshot(page, journey, '05-api-keys-empty');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const keyDialog = page.getByRole('dialog', { name: 'Create API key' });
    await keyDialog.getByLabel('Name').fill('Website backend');
    await keyDialog.getByRole('checkbox', { name: 'leads:write' }).check();
    await keyDialog.getByRole('checkbox', { name: 'admin' }).check();
    await keyDialog.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-api-key').textContent())?.trim() ?? '';
    assert.match(secret, /^llk_/);
    await screenshot(page, journey, '06-api-key-created');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'Website backend' }).waitFor();
    const viaKey = await fetch(`${server.url}/api/v1/users`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    assert.equal(viaKey.status, 200);
    const names = ((await viaKey.json()) as { data: { name: string }[] }).data.map((u) => u.name).sort();
    assert.deepEqual(names, ['Ada Admin', 'Rita Rep']);

    // The audit log shows what happened, and the jobs page is reachable.
    await page.getByRole('tab', { name: 'Audit log' }).click();
    await page.getByRole('table', { name: 'Audit log' }).getByText('api_key.created').waitFor();
    await page.getByRole('table', { name: 'Audit log' }).getByText('auth.login_failed').waitFor();
    await screenshot(page, journey, '07-audit-log');
    await page.getByRole('tab', { name: 'Jobs' }).click();
    await page.getByText('No dead letters').waitFor();
    await screenshot(page, journey, '08-jobs');

    // Dark theme holds up too.
    await page.getByRole('button', { name: 'Toggle color scheme' }).click();
    await screenshot(page, journey, '09-jobs-dark');

    // Sign out: protected pages send you to sign-in.
    await page.getByRole('button', { name: 'Account menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await page.goto('/settings/users');
    await page.waitForURL(/\/login\?next=%2Fsettings%2Fusers/);
    await screenshot(page, journey, '10-signed-out');
    assert.deepEqual(pageProblems(page), []);
  });

  it('keeps a sales rep out of admin settings', async (t) => {
    if (!browserAvailable(t)) return;
    const { page, context } = await newPage(browser, server.url);
    await page.goto('/login');
    await page.getByLabel('Email').fill('rita@example.test');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('rita has a password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Welcome, Rita' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Settings' }).count(), 0);
    await page.goto('/settings/users');
    await page.getByRole('heading', { name: 'Welcome, Rita' }).waitFor();
    const direct = await page.request.get('/api/v1/users');
    assert.equal(direct.status(), 403);
    await screenshot(page, journey, '11-rep-home');
    await context.close();
  });
});
