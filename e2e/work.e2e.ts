/**
 * A rep's day: a lead is routed to Rosa and the bell tells her; she opens the lead from the bell,
 * logs a call (it lands on the timeline) and plans a follow-up task with a reminder. Half an hour
 * later (the server's and the browser's clocks move together) the worker fires the reminder and
 * the bell shows it. She works her task list and her leads, and turns one kind of email off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  browserAvailable,
  cleanArtifacts,
  launchBrowser,
  newPage,
  pageProblems,
  screenshot,
  startServer,
} from './support.ts';

const journey = 'work';
const allWeek = { start: '00:00', end: '24:00' };
const MIN = 60_000;

/** Real time plus an offset the journey moves: the server's clock. */
const clock = { offset: 0, now: () => Date.now() + clock.offset };

/** `datetime-local` value for an instant, in the browser's (and this process's) time zone. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe('work journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  before(async () => {
    server = await startServer({ clock });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a rep is told of a new lead, logs a call, plans a task and is reminded of it', async (t) => {
    if (!browserAvailable(t)) return;
    cleanArtifacts(journey);
    browser = await launchBrowser();
    const { page } = await newPage(browser, server.url);
    await page.clock.install();
    try {
      await walk(page);
    } catch (error) {
      await screenshot(page, journey, 'failure');
      throw error;
    }
  });

  /** A screenshot of the page as it stands, from the top, with no tooltip in the way. */
  async function shot(page: Page, name: string) {
    await page.mouse.move(1, 1);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, journey, name);
  }

  async function walk(page: Page): Promise<void> {
    const rt = server.app.runtime;
    const system = { type: 'system', label: 'journey' } as const;
    const info = { ip: null, userAgent: null };
    const setup = await page.request.post('/api/setup', {
      data: { email: 'ann@example.test', name: 'Ann Admin', password: 'a strong first password' },
    });
    assert.equal(setup.status(), 201);
    const { csrfToken } = (await setup.json()) as { csrfToken: string };
    const rep = await rt.api.auth.createUser(
      system,
      { email: 'rosa@example.test', name: 'Rosa Rep', role: 'sales_rep', password: 'rosa has a password' },
      info,
    );
    const team = await rt.api.routing.settings.createTeam(
      { name: 'Inbound', members: [{ userId: rep.id }] },
      system,
    );
    await rt.api.routing.settings.replaceRules(
      [{ name: 'Everyone', isDefault: true, teamId: team.id, strategy: 'round_robin', slaMinutes: 120 }],
      system,
    );
    await rt.api.routing.settings.setHours(
      {
        timeZone: 'UTC',
        days: {
          sun: allWeek,
          mon: allWeek,
          tue: allWeek,
          wed: allWeek,
          thu: allWeek,
          fri: allWeek,
          sat: allWeek,
        },
      },
      system,
    );
    const created = await page.request.post('/api/v1/leads', {
      headers: { 'x-csrf-token': csrfToken },
      data: {
        email: 'grace@globex.example',
        firstName: 'Grace',
        lastName: 'Hopper',
        companyName: 'Globex',
        jobTitle: 'CTO',
        lifecycleStage: 'lead',
      },
    });
    assert.equal(created.status(), 201);
    const leadId = ((await created.json()) as { id: string }).id;
    await page.request.post('/api/auth/logout', { headers: { 'x-csrf-token': csrfToken } });

    // Rosa signs in; nothing new yet.
    await page.goto('/login');
    await page.getByLabel('Email').fill('rosa@example.test');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('rosa has a password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Welcome, Rosa' }).waitFor();
    await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();

    // Grace asks for a demo: she becomes an MQL and routing gives her to Rosa. The bell's next
    // poll (the browser's clock jumps past it) shows the new lead.
    await rt.database.db.transaction().execute((tx) =>
      rt.api.lifecycle.evaluate(tx, [leadId], {
        reason: 'touchpoint',
        touchpoints: [{ leadId, type: 'demo_requested', properties: {} }],
      }),
    );
    await page.clock.fastForward('00:31');
    const bell = page.getByRole('button', { name: 'Notifications, 1 unread' });
    await bell.waitFor();
    await bell.click();
    const popover = page.getByRole('dialog', { name: 'Notifications' });
    const assigned = popover.getByTestId('notification').filter({ hasText: 'New lead: Grace Hopper' });
    await assigned.waitFor();
    await screenshot(page, journey, '01-bell-new-lead');

    // From the bell to the lead.
    await assigned.getByRole('link').click();
    await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor();
    await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();

    // Log the call.
    await page.getByRole('button', { name: 'Log activity' }).click();
    const log = page.getByRole('dialog', { name: 'Log an activity with Grace Hopper' });
    await log.getByRole('combobox', { name: 'Outcome' }).click();
    await page.getByRole('option', { name: 'Connected' }).click();
    await log.getByLabel('Duration (minutes)').fill('12');
    await log.getByLabel('Notes').fill('Wants pricing for 40 seats <b>before Friday</b>');
    await log.getByRole('button', { name: 'Log call' }).click();
    await log.waitFor({ state: 'hidden' });
    const call = page.locator('[data-type="activity.call"]');
    await call.getByText('Call · Connected').waitFor();
    await call.getByText('Wants pricing for 40 seats <b>before Friday</b>').waitFor();
    await call.getByText(/by Rosa Rep · 12 min/).waitFor();

    // Plan the follow-up with a reminder in 30 minutes.
    const tasksCard = page.getByRole('region', { name: 'Tasks' });
    await tasksCard.getByRole('button', { name: 'Add task' }).click();
    const dialog = page.getByRole('dialog', { name: 'New task' });
    await dialog.getByLabel('Title').fill('Send the proposal');
    await dialog.getByLabel('Notes').fill('40 seats, annual billing');
    const now = clock.now();
    await dialog.getByLabel('Due').fill(localInput(now + 3 * 60 * MIN));
    await dialog.getByRole('combobox', { name: 'Remind me' }).click();
    await page.getByRole('option', { name: 'At a time I choose' }).click();
    await dialog.getByLabel('Reminder at').fill(localInput(now + 30 * MIN));
    await dialog.getByRole('button', { name: 'Add task' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const task = tasksCard.getByTestId('task').filter({ hasText: 'Send the proposal' });
    await task.getByText(/^Reminder /).waitFor();
    await shot(page, '02-lead-page');

    // The sales rep's first call is the assignment's first touch.
    const assignments = (await (await page.request.get(`/api/v1/leads/${leadId}/assignments`)).json()) as {
      data: { firstTouchAt: string | null; firstTouchMinutes: number | null }[];
    };
    assert.ok(assignments.data[0]?.firstTouchAt, 'first touch recorded');

    // Half an hour later: the server's worker fires the reminder; the bell shows it.
    clock.offset += 31 * MIN;
    await waitFor('the reminder to fire', async () => {
      const n = await rt.database.db
        .selectFrom('notifications')
        .select('id')
        .where('kind', '=', 'task.reminder')
        .execute();
      return n.length === 1;
    });
    await page.clock.fastForward('31:00');
    const reminded = page.getByRole('button', { name: 'Notifications, 1 unread' });
    await reminded.waitFor();
    await page.evaluate('window.scrollTo(0, 0)');
    await reminded.click();
    await popover.getByTestId('notification').filter({ hasText: 'Reminder: Send the proposal' }).waitFor();
    await screenshot(page, journey, '03-bell-reminder');
    await popover.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
    await page.keyboard.press('Escape');

    // The task list: quick-add another, then complete the proposal with its checkbox.
    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.getByRole('heading', { name: 'Tasks', exact: true }).waitFor();
    await page.getByLabel('Quick add').fill('Book the demo room');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByTestId('task').filter({ hasText: 'Book the demo room' }).waitFor();
    await page.getByTestId('task').filter({ hasText: 'Send the proposal' }).getByText('Reminded').waitFor();
    await shot(page, '04-tasks');
    await page.getByRole('checkbox', { name: 'Complete “Send the proposal”' }).click();
    const done = page.getByRole('region', { name: 'Done' });
    await done.getByTestId('task').filter({ hasText: 'Send the proposal' }).waitFor();
    await shot(page, '05-tasks-done');

    // Her leads: Grace with her stage, SLA, next task and the call.
    await page.getByRole('link', { name: 'My leads' }).click();
    await page.getByRole('heading', { name: 'My leads' }).waitFor();
    const grace = page.getByTestId('my-lead').filter({ hasText: 'Grace Hopper' });
    await grace.getByText('Call · Connected').waitFor();
    await grace.getByText('No open task').waitFor();
    await grace.getByText(/First touch after \d+ business min/).waitFor();
    await shot(page, '06-my-leads');

    // No more emails for new leads; the bell stays.
    await page.goto('/account');
    await page.getByRole('switch', { name: 'Email me: New lead assigned' }).click();
    await page.getByText('No more “New lead assigned” emails').waitFor();
    await shot(page, '07-account');
    const prefs = (await (await page.request.get('/api/v1/notifications/preferences')).json()) as {
      data: { kind: string; email: boolean }[];
    };
    assert.deepEqual(
      prefs.data.map((p) => [p.kind, p.email]),
      [
        ['lead.assigned', false],
        ['sla.warning', true],
        ['sla.escalated', true],
        ['task.reminder', true],
      ],
    );
    const outbox = await rt.database.db.selectFrom('mail_outbox').select(['to_address', 'subject']).execute();
    assert.deepEqual(outbox.map((m) => m.subject).sort(), [
      'New lead: Grace Hopper',
      'Reminder: Send the proposal',
    ]);
    assert.deepEqual(pageProblems(page), []);
  }
});
