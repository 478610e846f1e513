/**
 * Deals: a rep qualifies an accepted (SAL) lead in the inbox with its BANT answers, opens a deal
 * from the lead's page, moves it with the card's "Move to…" menu and then by dragging it across
 * the board, and drops it on Won. The lead is a customer, and its timeline tells each step. Her
 * board holds her deals and those of her leads: her manager's deal on one of her leads is locked for
 * her and does not name his lead. A manager then adds a stage in the pipeline settings, and
 * marketing reads the whole board without a way to change it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { newPage, pageProblems, screenshot, startServer, walkJourney } from './support.ts';

const journey = 'deals';

describe('deals journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.close();
  });

  it('a SAL lead is qualified, a deal is opened and dragged to Won; the lead is a customer', async (t) => {
    await walkJourney(t, journey, server.url, walk);
  });

  async function walk(page: Page): Promise<void> {
    const rt = server.app.runtime;
    const system = { type: 'system', label: 'journey' } as const;
    const info = { ip: null, userAgent: null };
    const setup = await page.request.post('/api/setup', {
      data: { email: 'ann@example.test', name: 'Ann Admin', password: 'a strong first password' },
    });
    assert.equal(setup.status(), 201);
    const { csrfToken } = (await setup.json()) as { csrfToken: string };
    const headers = { 'x-csrf-token': csrfToken };
    const post = async (url: string, data: object) => {
      const res = await page.request.post(url, { headers, data });
      assert.ok(res.ok(), `${url}: ${res.status()} ${await res.text()}`);
      return res.json();
    };
    const rep = await rt.api.auth.createUser(
      system,
      { email: 'rosa@example.test', name: 'Rosa Rep', role: 'sales_rep', password: 'rosa has a password' },
      info,
    );
    const manager = await rt.api.auth.createUser(
      system,
      {
        email: 'max@example.test',
        name: 'Max Manager',
        role: 'sales_manager',
        password: 'max has a password',
      },
      info,
    );
    await rt.api.routing.settings.createTeam(
      { name: 'Field sales', managerId: manager.id, members: [{ userId: rep.id }] },
      system,
    );
    await rt.api.auth.createUser(
      system,
      { email: 'mia@example.test', name: 'Mia Marketing', role: 'marketing', password: 'mia has a password' },
      info,
    );

    // Grace was accepted by Rosa (SAL); a few deals are already on the board.
    const grace = await post('/api/v1/leads', {
      email: 'grace@globex.example',
      firstName: 'Grace',
      lastName: 'Hopper',
      companyName: 'Globex',
      jobTitle: 'CTO',
      lifecycleStage: 'sal',
      ownerId: rep.id,
    });
    const seeds: [string, string, number, string, string, string][] = [
      ['Initech renewal', 'initech', 1_200_000, 'EUR', 'Discovery', rep.id],
      ['Umbrella pilot', 'umbrella', 450_000, 'EUR', 'Qualified', manager.id],
      ['Hooli expansion', 'hooli', 3_600_000, 'EUR', 'Negotiation', rep.id],
      ['Stark analytics', 'stark', 980_000, 'USD', 'Proposal', manager.id],
      ['Wayne security', 'wayne', 2_150_000, 'EUR', 'Proposal', rep.id],
    ];
    const pipeline = (await (await page.request.get('/api/v1/pipelines')).json()).data[0] as {
      id: string;
      stages: { id: string; name: string }[];
    };
    const stageId = (name: string) => pipeline.stages.find((s) => s.name === name)!.id;
    for (const [name, company, amount, currency, stage, ownerId] of seeds) {
      const lead = await post('/api/v1/leads', {
        email: `buyer@${company}.example`,
        companyName: company[0]!.toUpperCase() + company.slice(1),
        lifecycleStage: 'sql',
        ownerId,
      });
      await post('/api/v1/deals', {
        name,
        leadIds: [lead.id],
        stageId: stageId(stage),
        ownerId,
        amount: { amount, currency },
        expectedCloseDate: '2027-02-26',
      });
    }
    const won = await post('/api/v1/deals', {
      name: 'Acme onboarding',
      leadIds: [(await post('/api/v1/leads', { email: 'it@acme.example', lifecycleStage: 'sql' })).id],
      ownerId: rep.id,
      amount: { amount: 800_000, currency: 'EUR' },
    });
    await post(`/api/v1/deals/${won.id}/won`, {});
    // Max's deal on his lead and on one of Rosa's.
    const dyson = await post('/api/v1/leads', {
      email: 'miles@cyberdyne.example',
      firstName: 'Miles',
      lastName: 'Dyson',
      companyName: 'Cyberdyne',
      lifecycleStage: 'sql',
      ownerId: manager.id,
    });
    const ops = await post('/api/v1/leads', {
      email: 'ops@cyberdyne.example',
      firstName: 'Sarah',
      lastName: 'Connor',
      companyName: 'Cyberdyne',
      lifecycleStage: 'sql',
      ownerId: rep.id,
    });
    await post('/api/v1/deals', {
      name: 'Cyberdyne support',
      leadIds: [dyson.id, ops.id],
      stageId: stageId('Negotiation'),
      ownerId: manager.id,
      amount: { amount: 1_500_000, currency: 'EUR' },
    });

    // Rosa signs in and qualifies Grace from her inbox.
    await page.request.post('/api/auth/logout', { headers });
    await page.goto('/login');
    await page.getByLabel('Email').fill('rosa@example.test');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('rosa has a password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Welcome, Rosa' }).waitFor();
    // Her lead page offers Qualify; she does it from the inbox.
    await page.goto(`/leads/${grace.id}`);
    await page.getByRole('button', { name: 'Qualify' }).waitFor();
    await page.getByRole('region', { name: 'Deals', exact: true }).getByText('No deal yet').waitFor();
    await screenshot(page, journey, '00-lead-sal');
    await page.getByRole('link', { name: 'Inbox' }).click();
    const row = page.getByTestId('accepted-lead').filter({ hasText: 'Grace Hopper' });
    await row.getByRole('button', { name: 'Qualify' }).click();
    const qualify = page.getByRole('dialog', { name: 'Qualify Grace Hopper' });
    await qualify.getByRole('textbox', { name: 'Need' }).fill('Replace three spreadsheets with one pipeline');
    await qualify.getByRole('textbox', { name: 'Budget' }).fill('€50k approved for this year');
    await qualify.getByRole('textbox', { name: 'Authority' }).fill('Grace signs; CFO informed');
    await qualify.getByRole('textbox', { name: 'Timing' }).fill('Live before the end of Q1');
    await screenshot(page, journey, '01-qualify-dialog');
    await qualify.getByRole('button', { name: 'Qualify as SQL' }).click();
    await page.getByText('Grace Hopper is sales-qualified (SQL)').waitFor();
    await row.getByRole('button', { name: 'Open deal' }).waitFor();
    assert.equal((await leadOf(page, grace.id)).lifecycleStage, 'sql');

    // The deal is opened from Grace's page.
    await page.goto(`/leads/${grace.id}`);
    const dealsCard = page.getByRole('region', { name: 'Deals', exact: true });
    await dealsCard.getByText('No deal yet').waitFor();
    await dealsCard.getByRole('button', { name: 'Open deal' }).click();
    const dialog = page.getByRole('dialog', { name: 'New deal' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Globex pipeline platform');
    await dialog.getByRole('textbox', { name: 'Amount' }).fill('48000');
    await dialog.getByLabel('Expected close').fill('2027-03-31');
    await screenshot(page, journey, '01b-new-deal');
    await dialog.getByRole('button', { name: 'Open deal' }).click();
    await page.getByText('Opened Globex pipeline platform in Qualified').waitFor();
    await dealsCard.getByRole('link', { name: 'Globex pipeline platform' }).waitFor();
    assert.equal((await leadOf(page, grace.id)).lifecycleStage, 'opportunity');

    // On the board (a wide screen shows every column): "Move to…" (the keyboard way), then drag and drop.
    await page.setViewportSize({ width: 1680, height: 960 });
    await dealsCard.getByRole('link', { name: 'Globex pipeline platform' }).click();
    await page.getByRole('heading', { name: 'Pipeline', exact: true }).waitFor();
    await page.getByRole('dialog', { name: 'Globex pipeline platform' }).waitFor();
    await page.keyboard.press('Escape');
    const column = (name: string) => page.getByRole('region', { name: `${name} column` });
    const card = page.getByRole('article', { name: 'Globex pipeline platform' });
    await column('Qualified').getByRole('article', { name: 'Globex pipeline platform' }).waitFor();
    await card.getByRole('button', { name: 'Move Globex pipeline platform' }).click();
    await page.getByRole('menuitem', { name: 'Discovery' }).click();
    await page.getByText('Globex pipeline platform moved to Discovery').waitFor();
    await column('Discovery').getByRole('article', { name: 'Globex pipeline platform' }).waitFor();

    await card.dragTo(column('Proposal'));
    await page.getByText('Globex pipeline platform moved to Proposal').waitFor();
    await column('Proposal').getByRole('article', { name: 'Globex pipeline platform' }).waitFor();
    await column('Proposal').getByTestId('column-total').filter({ hasText: '€' }).waitFor();
    await page.mouse.move(0, 0);
    await screenshot(page, journey, '02-board');
    await page.setViewportSize({ width: 1366, height: 860 });

    await card.dragTo(column('Won'));
    const wonDialog = page.getByRole('dialog', { name: 'Mark “Globex pipeline platform” as won?' });
    await wonDialog.getByText('Its linked leads become customers').waitFor();
    await wonDialog.getByRole('button', { name: 'Mark won' }).click();
    await page.getByText('Globex pipeline platform is won').waitFor();
    await wonDialog.waitFor({ state: 'detached' });
    await column('Won').getByRole('article', { name: 'Globex pipeline platform' }).waitFor();
    await screenshot(page, journey, '03-board-won');

    // Another deal is lost, through its menu: a reason, a note, and the leads back to nurture.
    const initech = page.getByRole('article', { name: 'Initech renewal' });
    await initech.getByRole('button', { name: 'Move Initech renewal' }).click();
    await page.getByRole('menuitem', { name: 'Lost…' }).click();
    const lost = page.getByRole('dialog', { name: 'Mark “Initech renewal” as lost' });
    await lost.getByRole('combobox', { name: 'Lost reason' }).click();
    await page.getByRole('option', { name: 'Went with a competitor' }).click();
    await lost.getByRole('textbox', { name: 'Note' }).fill('Chose the incumbent after a price match');
    await screenshot(page, journey, '03b-lost-dialog');
    await lost.getByRole('button', { name: 'Mark lost' }).click();
    await page.getByText('Initech renewal is lost: Went with a competitor').waitFor();
    await lost.waitFor({ state: 'detached' });
    await column('Lost')
      .getByRole('article', { name: 'Initech renewal' })
      .getByText('Went with a competitor')
      .waitFor();
    const initechLead = (await (await page.request.get('/api/v1/leads?q=initech')).json()).data[0] as {
      id: string;
    };
    assert.equal((await leadOf(page, initechLead.id)).lifecycleStage, 'recycled');

    // Editing a deal in its drawer: a new amount.
    await page
      .getByRole('article', { name: 'Hooli expansion' })
      .getByRole('button', { name: 'Open Hooli expansion' })
      .click();
    const hooli = page.getByRole('dialog', { name: 'Hooli expansion' });
    await hooli.getByRole('button', { name: 'Edit' }).click();
    await hooli.getByRole('textbox', { name: 'Amount' }).fill('41000');
    await screenshot(page, journey, '03c-deal-edit');
    await hooli.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Deal saved').waitFor();
    await hooli.getByText('€41,000.00').first().waitFor();
    // On second thoughts it was a duplicate: deleted, after asking; its lead keeps its stage.
    await hooli.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Delete “Hooli expansion”?').waitFor();
    const confirmDelete = page.getByRole('button', { name: 'Delete deal' });
    await confirmDelete.click({ trial: true }); // waits until the popover stands still
    await screenshot(page, journey, '03d-deal-delete');
    await confirmDelete.click();
    await page.getByText('Deal “Hooli expansion” deleted').waitFor();
    await hooli.waitFor({ state: 'detached' });
    await page.getByRole('article', { name: 'Hooli expansion' }).waitFor({ state: 'detached' });
    const hooliLead = (await (await page.request.get('/api/v1/leads?q=hooli')).json()).data[0] as {
      id: string;
    };
    assert.equal((await leadOf(page, hooliLead.id)).lifecycleStage, 'opportunity');

    // The deal drawer: details, leads and its history.
    await card.getByRole('button', { name: 'Open Globex pipeline platform' }).click();
    const drawer = page.getByRole('dialog', { name: 'Globex pipeline platform' });
    await drawer.getByText('Opened in Qualified').waitFor();
    await drawer.getByText('Qualified → Discovery').waitFor();
    await drawer.getByText('Discovery → Proposal').waitFor();
    await drawer.getByText('Won (from Proposal)').waitFor();
    await screenshot(page, journey, '04-deal-drawer');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });

    // Rosa's board holds her deals and those of her leads, not Max's others; Max's Cyberdyne deal
    // (one of its leads is hers) is locked for her, and his lead on it stays unnamed.
    for (const name of ['Umbrella pilot', 'Stark analytics'])
      assert.equal(await page.getByRole('article', { name }).count(), 0, `${name} is not on Rosa's board`);
    const cyberdyne = page.getByRole('article', { name: 'Cyberdyne support' });
    await cyberdyne.getByLabel('Cyberdyne support is not yours to move').waitFor();
    assert.equal(await cyberdyne.getByRole('button', { name: 'Move Cyberdyne support' }).count(), 0);
    assert.equal(await cyberdyne.getAttribute('draggable'), 'false');
    await cyberdyne.getByRole('button', { name: 'Open Cyberdyne support' }).click();
    const locked = page.getByRole('dialog', { name: 'Cyberdyne support' });
    await locked.getByRole('link', { name: 'Sarah Connor' }).waitFor();
    await locked.getByText('1 more linked lead, outside your leads').waitFor();
    assert.equal(await locked.getByText('Miles Dyson').count(), 0);
    for (const name of ['Edit', 'Won', 'Lost', 'Delete'])
      assert.ok(await locked.getByRole('button', { name }).isDisabled(), `${name} is disabled`);
    await screenshot(page, journey, '04b-not-her-deal');
    await page.keyboard.press('Escape');
    await locked.waitFor({ state: 'detached' });

    const deals = (await (await page.request.get(`/api/v1/deals?leadId=${grace.id}`)).json()).data as {
      status: string;
      amount: { amount: number; currency: string };
      stageName: string;
    }[];
    assert.deepEqual(
      deals.map((d) => [d.status, d.stageName, d.amount]),
      [['won', 'Won', { amount: 4_800_000, currency: 'EUR' }]],
    );
    assert.equal((await leadOf(page, grace.id)).lifecycleStage, 'customer');

    // Grace's page: a customer, and the timeline tells each step.
    await page.goto(`/leads/${grace.id}`);
    const timeline = page.getByLabel('Timeline', { exact: true });
    await timeline.getByText('Sales-qualified (SQL)').waitFor();
    await timeline.getByText('Deal “Globex pipeline platform” opened').waitFor();
    await timeline.getByText('Deal “Globex pipeline platform” moved to Discovery').waitFor();
    await timeline.getByText('Deal “Globex pipeline platform” moved to Proposal').waitFor();
    await timeline.getByText('Deal “Globex pipeline platform” won').waitFor();
    await page.getByLabel('Stage history').getByText('Deal "Globex pipeline platform" won').waitFor();
    await screenshot(page, journey, '05-lead-timeline');

    // Max, the manager, adds a stage before the won and lost ones.
    const m = (await newPage(page.context().browser()!, server.url)).page;
    await m.goto('/login');
    await m.getByLabel('Email').fill('max@example.test');
    await m.getByRole('textbox', { name: 'Password', exact: true }).fill('max has a password');
    await m.getByRole('button', { name: 'Sign in' }).click();
    await m.getByRole('heading', { name: 'Welcome, Max' }).waitFor();
    await m.goto('/pipeline');
    await m.getByRole('link', { name: 'Pipeline settings' }).click();
    await m.getByRole('heading', { name: 'Pipeline settings' }).waitFor();
    await m.getByRole('button', { name: 'Add stage' }).click();
    await m.getByRole('textbox', { name: 'Stage 5 name' }).fill('Legal review');
    await m.getByRole('textbox', { name: 'Stage 5 probability' }).fill('85');
    await m.getByRole('button', { name: 'Save pipeline' }).click();
    await m.getByText('Sales pipeline saved').waitFor();
    await m.evaluate('window.scrollTo(0, 0)');
    await screenshot(m, journey, '06-pipeline-settings');
    const stages = (await (await m.request.get('/api/v1/pipelines')).json()).data[0].stages as {
      name: string;
    }[];
    assert.deepEqual(
      stages.map((s) => s.name),
      ['Qualified', 'Discovery', 'Proposal', 'Negotiation', 'Legal review', 'Won', 'Lost'],
    );

    // Mia, from marketing, reads every deal and its outcome, and has no way to change one.
    const mk = (await newPage(page.context().browser()!, server.url)).page;
    await mk.setViewportSize({ width: 1680, height: 960 });
    await mk.goto('/login');
    await mk.getByLabel('Email').fill('mia@example.test');
    await mk.getByRole('textbox', { name: 'Password', exact: true }).fill('mia has a password');
    await mk.getByRole('button', { name: 'Sign in' }).click();
    await mk.getByRole('heading', { name: 'Welcome, Mia' }).waitFor();
    await mk.getByRole('link', { name: 'Pipeline' }).click();
    await mk.getByRole('heading', { name: 'Pipeline', exact: true }).waitFor();
    await mk.getByText('Read only').waitFor();
    for (const name of ['Umbrella pilot', 'Stark analytics', 'Cyberdyne support', 'Globex pipeline platform'])
      await mk.getByRole('article', { name }).waitFor();
    await mk
      .getByRole('region', { name: 'Lost column' })
      .getByRole('article', { name: 'Initech renewal' })
      .getByText('Went with a competitor')
      .waitFor();
    assert.equal(await mk.getByRole('button', { name: /^Move / }).count(), 0, 'no card menus');
    assert.equal(await mk.locator('[data-testid="deal-card"][draggable="true"]').count(), 0, 'no dragging');
    assert.equal(await mk.getByRole('button', { name: 'New deal' }).count(), 0);
    await screenshot(mk, journey, '07-marketing-board');
    await mk
      .getByRole('article', { name: 'Cyberdyne support' })
      .getByRole('button', { name: 'Open Cyberdyne support' })
      .click();
    const read = mk.getByRole('dialog', { name: 'Cyberdyne support' });
    await read.getByRole('link', { name: 'Miles Dyson' }).waitFor();
    await read.getByRole('link', { name: 'Sarah Connor' }).waitFor();
    await read.getByText('Read only: sales changes deals').waitFor();
    for (const name of ['Edit', 'Won', 'Lost'])
      assert.equal(await read.getByRole('button', { name }).count(), 0, `no ${name}`);
    await screenshot(mk, journey, '08-marketing-drawer');

    assert.deepEqual(pageProblems(page), []);
    assert.deepEqual(pageProblems(m), []);
    assert.deepEqual(pageProblems(mk), []);
  }
});

async function leadOf(page: Page, id: string) {
  return (await (await page.request.get(`/api/v1/leads/${id}`)).json()) as { lifecycleStage: string };
}
