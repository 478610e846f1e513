/**
 * Sales inbox: two leads raise their hand and become MQLs; routing gives them to the only rep of
 * the team with a one-hour SLA. The rep signs in, sees both with why they qualified, why they got
 * them and the countdown, accepts one and rejects the other as "not ready" with a note. A manager
 * then opens the routing settings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { newPage, pageProblems, screenshot, startServer, walkJourney } from './support.ts';

const journey = 'inbox';
const allWeek = { start: '00:00', end: '24:00' };

describe('inbox journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.close();
  });

  it('a rep sees assigned MQLs with their reason and countdown, accepts one and rejects another', async (t) => {
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
    const team = await rt.api.routing.settings.createTeam(
      { name: 'Inbound', managerId: manager.id, members: [{ userId: rep.id }] },
      system,
    );
    await rt.api.routing.settings.replaceRules(
      [
        {
          name: 'Germany',
          condition: { field: 'country', op: 'eq', value: 'DE' },
          teamId: team.id,
          strategy: 'round_robin',
          slaMinutes: 60,
          slaAction: 'escalate',
        },
        {
          name: 'Everyone else',
          isDefault: true,
          teamId: team.id,
          strategy: 'round_robin',
          slaMinutes: 60,
          slaAction: 'escalate',
        },
      ],
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

    // Two leads ask for a demo: the policy makes them MQLs and routing assigns them in that transaction.
    const ids: string[] = [];
    for (const lead of [
      {
        email: 'grace@globex.example',
        firstName: 'Grace',
        lastName: 'Hopper',
        companyName: 'Globex',
        jobTitle: 'CTO',
        country: 'DE',
      },
      {
        email: 'linus@initech.example',
        firstName: 'Linus',
        lastName: 'Park',
        companyName: 'Initech',
        jobTitle: 'Engineer',
        country: 'US',
      },
    ]) {
      const res = await page.request.post('/api/v1/leads', {
        headers,
        data: { ...lead, lifecycleStage: 'lead' },
      });
      assert.equal(res.status(), 201, await res.text());
      ids.push(((await res.json()) as { id: string }).id);
    }
    for (const id of ids)
      await rt.database.db.transaction().execute((tx) =>
        rt.api.lifecycle.evaluate(tx, [id], {
          reason: 'touchpoint',
          touchpoints: [{ leadId: id, type: 'demo_requested', properties: {} }],
        }),
      );

    // The rep signs in.
    await page.request.post('/api/auth/logout', { headers });
    await page.goto('/login');
    await page.getByLabel('Email').fill('rosa@example.test');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('rosa has a password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Welcome, Rosa' }).waitFor();
    await page.getByRole('link', { name: 'Inbox' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.getByText('Out of office until').waitFor();
    const cards = page.getByTestId('inbox-item');
    await cards.nth(1).waitFor();
    assert.equal(await cards.count(), 2);
    const grace = cards.filter({ hasText: 'Grace Hopper' });
    await grace.getByText('Hand-raise: a demo_requested touchpoint').waitFor();
    await grace.getByText(/Rule "Germany": next in Inbound's round-robin/).waitFor();
    await grace.getByText(/left to accept/).waitFor();
    const linus = cards.filter({ hasText: 'Linus Park' });
    await linus.getByText(/Rule "Everyone else"/).waitFor();
    await screenshot(page, journey, '01-inbox');

    // Accept Grace.
    await grace.getByRole('button', { name: 'Accept' }).click();
    await page.getByText('Accepted Grace Hopper').waitFor();
    await grace.waitFor({ state: 'detached' });

    // Reject Linus as not ready, with a note.
    await linus.getByRole('button', { name: 'Reject' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reject Linus Park' });
    await dialog.getByRole('combobox', { name: /Reason/ }).click();
    await page.getByRole('option', { name: 'Not ready to buy yet' }).click();
    await dialog.getByText(/back to marketing nurture/).waitFor();
    await dialog.getByLabel('Note for marketing').fill('Budget opens in Q3, call back then');
    await screenshot(page, journey, '02-reject-dialog');
    await dialog.getByRole('button', { name: 'Reject lead' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Inbox zero').waitFor();
    await screenshot(page, journey, '03-inbox-zero');

    const stages = async (id: string) =>
      (await (await page.request.get(`/api/v1/leads/${id}/stages`)).json()) as {
        stage: string;
        history: { reasonCode: string | null; reason: string | null }[];
      };
    assert.equal((await stages(ids[0]!)).stage, 'sal');
    const rejected = await stages(ids[1]!);
    assert.equal(rejected.stage, 'recycled');
    assert.deepEqual(
      [rejected.history.at(-1)!.reasonCode, rejected.history.at(-1)!.reason],
      ['not_ready', 'Budget opens in Q3, call back then'],
    );

    // The lead's timeline shows who got it and why.
    await page.goto(`/leads/${ids[1]}`);
    await page.getByText('Assigned to Rosa Rep').waitFor();
    await page
      .getByText(/Rule "Everyone else": next in Inbound's round-robin/)
      .first()
      .waitFor();
    await screenshot(page, journey, '04-lead-timeline');

    // The manager looks at the routing settings.
    const ctx2 = await newPage(page.context().browser()!, server.url);
    const m = ctx2.page;
    await m.goto('/login');
    await m.getByLabel('Email').fill('max@example.test');
    await m.getByRole('textbox', { name: 'Password', exact: true }).fill('max has a password');
    await m.getByRole('button', { name: 'Sign in' }).click();
    await m.getByRole('heading', { name: 'Welcome, Max' }).waitFor();
    await m.goto('/inbox');
    await m.getByRole('link', { name: 'Routing settings' }).click();
    await m.getByRole('heading', { name: 'Routing' }).waitFor();
    await m.getByTestId('rule').nth(1).waitFor();
    await screenshot(m, journey, '05-routing-rules');
    await m.getByRole('tab', { name: 'Teams' }).click();
    await m.getByRole('cell', { name: 'Inbound' }).waitFor();
    await m.getByRole('tab', { name: 'Availability & capacity' }).click();
    await m.getByText('rosa@example.test').waitFor();
    await screenshot(m, journey, '06-routing-reps');
    assert.deepEqual(pageProblems(page), []);
    assert.deepEqual(pageProblems(m), []);
    await ctx2.context.close();
  }
});
