/**
 * Who sees what: a rep, their manager and a marketer sign in to the same database. Team North
 * (managed by Max) has Rosa and Theo; team South has Olga. The rep's lead list holds only her lead
 * and her team's queue, her navigation only what she works with, and her lead page no reassigning
 * or deleting; the manager sees the whole team; marketing sees every lead with the sales outcome
 * and the rejection reason, no inbox in the navigation, a page explaining the inbox at /inbox,
 * and a disabled stage change (with its reason) on a lead already handed to sales.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  apiCaller,
  browserAvailable,
  cleanArtifacts,
  launchBrowser,
  newPage,
  pageProblems,
  screenshot,
  startServer,
} from './support.ts';

const journey = 'permissions';

describe('permissions journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let key = '';
  const call = apiCaller(
    () => server.url,
    () => key,
  );
  const ids: Record<string, string> = {};

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function seed(page: Page): Promise<void> {
    const rt = server.app.runtime;
    const system = { type: 'system', label: 'journey' } as const;
    const info = { ip: null, userAgent: null };
    const setup = await page.request.post('/api/setup', {
      data: { email: 'ann@example.test', name: 'Ann Admin', password: 'a strong first password' },
    });
    assert.equal(setup.status(), 201);
    const { csrfToken } = (await setup.json()) as { csrfToken: string };
    const created = await page.request.post('/api/v1/api-keys', {
      data: { name: 'Seeder', scopes: ['admin'] },
      headers: { 'x-csrf-token': csrfToken },
    });
    key = ((await created.json()) as { secret: string }).secret;
    await page.request.post('/api/auth/logout', { headers: { 'x-csrf-token': csrfToken } });
    const user = async (email: string, name: string, role: 'sales_rep' | 'sales_manager' | 'marketing') =>
      (await rt.api.auth.createUser(system, { email, name, role, password: `${name} has a password` }, info))
        .id;
    const rosa = await user('rosa@example.test', 'Rosa Rep', 'sales_rep');
    const theo = await user('theo@example.test', 'Theo Teammate', 'sales_rep');
    const olga = await user('olga@example.test', 'Olga Other', 'sales_rep');
    const max = await user('max@example.test', 'Max Manager', 'sales_manager');
    await user('mia@example.test', 'Mia Marketing', 'marketing');
    const north = await rt.api.routing.settings.createTeam(
      { name: 'North', managerId: max, members: [{ userId: rosa }, { userId: theo }] },
      system,
    );
    const south = await rt.api.routing.settings.createTeam(
      { name: 'South', members: [{ userId: olga }] },
      system,
    );
    await rt.api.routing.settings.replaceRules(
      [
        {
          name: 'Nordics',
          condition: { field: 'country', op: 'eq', value: 'NO' },
          teamId: north.id,
          strategy: 'round_robin',
        },
        { name: 'Everyone else', isDefault: true, teamId: south.id, strategy: 'round_robin' },
      ],
      system,
    );
    // Team North is full: its next MQL waits in the team's queue.
    for (const rep of [rosa, theo]) await rt.api.routing.settings.patchRep(rep, { capacity: 0 }, system);

    const lead = async (name: string, fields: Record<string, unknown>) => {
      const [firstName, lastName] = name.split(' ');
      ids[name] = (
        await call('POST', '/api/v1/leads', {
          email: `${firstName!.toLowerCase()}@${lastName!.toLowerCase()}.example`,
          firstName,
          lastName,
          lifecycleStage: 'lead',
          ...fields,
        })
      ).id;
    };
    await lead('Grace Hopper', { ownerId: rosa, companyName: 'Navy Labs' });
    await lead('Alan Turing', { ownerId: theo, companyName: 'Bletchley' });
    await lead('Katherine Johnson', { country: 'NO', companyName: 'Langley' });
    await lead('Linus Park', { companyName: 'Initech' });
    await lead('Ada Lovelace', { companyName: 'Analytical Engines' });
    // Katherine qualifies and waits in North's queue; Linus goes to Olga, who rejects him.
    await call('POST', `/api/v1/leads/${ids['Katherine Johnson']}/stage`, { to: 'mql' });
    await call('POST', `/api/v1/leads/${ids['Linus Park']}/stage`, { to: 'mql' });
    const [linus] = (await call('GET', `/api/v1/leads/${ids['Linus Park']}/assignments`)).data;
    assert.equal(linus.ownerId, olga);
    await call('POST', `/api/v1/leads/${ids['Linus Park']}/reject`, {
      reasonCode: 'not_ready',
      note: 'Budget opens in Q3, call back then',
    });
  }

  async function signIn(page: Page, email: string, name: string): Promise<void> {
    await page.goto('/login');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(`${name} has a password`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: `Welcome, ${name.split(' ')[0]}` }).waitFor();
  }

  const navItems = async (page: Page) =>
    (await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).map((t) =>
      t.trim(),
    );

  /** The names in the lead table, once it shows `count` leads (not its loading placeholders). */
  async function listed(page: Page, table: string, count: number): Promise<string[]> {
    const rows = page.getByRole('table', { name: table }).getByRole('row');
    // The placeholders are rows too (six of them): wait for the leads' links instead.
    await page
      .getByRole('table', { name: table })
      .locator('a[href^="/leads/"]')
      .nth(count - 1)
      .waitFor();
    assert.equal(await rows.count(), count + 1);
    const names = await page
      .getByRole('table', { name: table })
      .locator('a[href^="/leads/"]')
      .allTextContents();
    return names.map((n) => n.trim()).sort();
  }

  it('a rep sees their leads and queue, the manager the team, marketing everything but the inbox', async (t) => {
    if (!browserAvailable(t)) return;
    cleanArtifacts(journey);
    browser = await launchBrowser();
    const { page, context } = await newPage(browser, server.url);
    try {
      await seed(page);

      // ── The rep ──
      await signIn(page, 'rosa@example.test', 'Rosa Rep');
      assert.deepEqual(await navItems(page), [
        'Home',
        'Leads',
        'Policy',
        'Inbox',
        'My work',
        'Tasks',
        'Pipeline',
        'Analytics',
      ]);
      await page.getByRole('link', { name: 'Leads' }).click();
      await page.getByRole('heading', { name: 'My leads' }).waitFor();
      await page.getByText("The leads you own and the ones waiting in your teams' queues.").waitFor();
      assert.deepEqual(await listed(page, 'My leads', 2), ['Grace Hopper', 'Katherine Johnson']);
      assert.equal(await page.getByTestId('lead-total').textContent(), '2');
      await page.getByText('All my leads').waitFor();
      assert.equal(await page.getByRole('link', { name: 'Import' }).count(), 0, 'reps do not import');
      await page.getByRole('button', { name: 'New lead' }).waitFor();
      await screenshot(page, journey, '01-rep-my-leads');

      // Her lead: no reassigning (the owner is locked, and says why), no deleting, no erasing.
      await page.getByRole('table', { name: 'My leads' }).getByRole('link', { name: 'Grace Hopper' }).click();
      await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor();
      const owner = page.getByRole('combobox', { name: 'Owner' });
      assert.equal(await owner.inputValue(), 'Rosa Rep');
      assert.ok(await owner.isDisabled(), 'the owner cannot be changed by a rep');
      await page.getByTestId('owner-locked').hover();
      await page
        .getByText("Reps don't reassign leads: claim one from your team's queue, or ask your manager.")
        .waitFor();
      await screenshot(page, journey, '02-rep-lead-owner-locked');
      await page.getByRole('button', { name: 'Actions' }).click();
      await page.getByRole('menuitem', { name: 'Merge with…' }).waitFor();
      assert.equal(await page.getByRole('menuitem', { name: 'Delete lead…' }).count(), 0);
      assert.equal(await page.getByRole('menuitem', { name: 'Erase personal data…' }).count(), 0);
      await page.keyboard.press('Escape');

      // Another team's lead does not exist for her, even by its address.
      await page.goto(`/leads/${ids['Linus Park']}`);
      await page.getByText('Lead not found').waitFor();
      await screenshot(page, journey, '03-rep-other-team-lead');

      // A lead she adds is hers.
      await page.goto('/leads');
      await page.getByRole('button', { name: 'New lead' }).click();
      const dialog = page.getByRole('dialog', { name: 'New lead' });
      assert.equal(await dialog.getByRole('combobox', { name: 'Owner' }).inputValue(), 'Rosa Rep');
      await dialog.getByRole('textbox', { name: 'Email' }).fill('hedy@lamarr.example');
      await dialog.getByRole('textbox', { name: 'First name' }).fill('Hedy');
      await dialog.getByRole('textbox', { name: 'Last name' }).fill('Lamarr');
      await screenshot(page, journey, '04-rep-new-lead');
      await dialog.getByRole('button', { name: 'Add lead' }).click();
      await page.getByRole('heading', { name: 'Hedy Lamarr' }).waitFor();
      assert.equal(await page.getByRole('combobox', { name: 'Owner' }).inputValue(), 'Rosa Rep');
      assert.deepEqual(pageProblems(page), []);
      await context.close();

      // ── The manager ──
      const m = await newPage(browser, server.url);
      await signIn(m.page, 'max@example.test', 'Max Manager');
      assert.deepEqual(await navItems(m.page), [
        'Home',
        'Leads',
        'Segments',
        'Campaigns',
        'Scoring', // model, policy and predictive model, as tabs
        'Inbox',
        'My work',
        'Tasks',
        'Pipeline',
        'Analytics',
      ]);
      await m.page.goto('/leads');
      await m.page.getByRole('heading', { name: "My teams' leads" }).waitFor();
      assert.deepEqual(await listed(m.page, "My teams' leads", 4), [
        'Alan Turing',
        'Grace Hopper',
        'Hedy Lamarr',
        'Katherine Johnson',
      ]);
      assert.equal(await m.page.getByRole('link', { name: 'Import' }).count(), 0);
      await screenshot(m.page, journey, '05-manager-team-leads');
      assert.deepEqual(pageProblems(m.page), []);
      await m.context.close();

      // ── Marketing ──
      const k = await newPage(browser, server.url);
      const mk = k.page;
      await signIn(mk, 'mia@example.test', 'Mia Marketing');
      const nav = await navItems(mk);
      assert.ok(!nav.includes('Inbox'), `marketing has no inbox in the navigation: ${nav}`);
      assert.deepEqual(nav, [
        'Home',
        'Leads',
        'Segments',
        'Forms',
        'Campaigns',
        'Scoring',
        'Tasks',
        'Pipeline',
        'Analytics',
        'Settings', // webhooks only
      ]);
      await mk.goto('/leads');
      await mk.getByRole('heading', { name: 'Leads', exact: true }).waitFor();
      assert.deepEqual(await listed(mk, 'Leads', 6), [
        'Ada Lovelace',
        'Alan Turing',
        'Grace Hopper',
        'Hedy Lamarr',
        'Katherine Johnson',
        'Linus Park',
      ]);
      await mk.getByRole('link', { name: 'Import' }).waitFor();
      await screenshot(mk, journey, '06-marketing-all-leads');

      // The inbox, opened by its address, explains itself: no error.
      await mk.goto('/inbox');
      await mk.getByRole('heading', { name: 'Inbox' }).waitFor();
      await mk.getByText('The inbox is for sales').waitFor();
      await mk.getByRole('link', { name: 'MQLs waiting for sales' }).waitFor();
      assert.equal(await mk.getByRole('alert').count(), 0, 'no error alert');
      await screenshot(mk, journey, '07-marketing-inbox');

      // Sales' outcome and reason are there for marketing to learn from.
      await mk.goto(`/leads/${ids['Linus Park']}`);
      await mk.getByRole('heading', { name: 'Linus Park' }).waitFor();
      const lifecycle = mk.getByLabel('Stage history');
      await lifecycle.getByText('Budget opens in Q3, call back then').first().waitFor();
      await screenshot(mk, journey, '08-marketing-rejection-reason');

      // A lead handed to sales: the stage change is sales', and the disabled button says so.
      await mk.goto(`/leads/${ids['Katherine Johnson']}`);
      await mk.getByRole('heading', { name: 'Katherine Johnson' }).waitFor();
      const change = mk.getByLabel('Stage history').getByRole('button', { name: 'Change stage' });
      assert.equal(await change.getAttribute('aria-disabled'), 'true');
      await change.hover();
      await mk.getByText(/Marketing hands leads off at MQL/).waitFor();
      await screenshot(mk, journey, '09-marketing-mql-stage-locked');
      assert.deepEqual(pageProblems(mk), []);
      await k.context.close();
    } catch (error) {
      await screenshot(page, journey, 'failure').catch(() => {});
      throw error;
    }
  });
});
