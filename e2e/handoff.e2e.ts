/**
 * The handoff, end to end on demo data. A demo lead just under the policy's threshold reads the
 * pricing page and becomes an MQL; routing puts her in a rep's inbox with why she qualified and the
 * time left to accept. The rep rejects her as "not ready": she is recycled and the reason is on her
 * timeline. Another demo lead asks for a demo: the rep accepts, qualifies, opens a deal and drags
 * it to Won, and the lead is a customer. Every step is on the leads' timelines and reaches a
 * webhook receiver, signed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { type Receiver, startReceiver } from '../server/modules/webhooks/webhooks.receiver.ts';
import { newPage, pageProblems, screenshot, startServer, walkJourney } from './support.ts';

const journey = 'handoff';
const allDay = { start: '00:00', end: '24:00' };
const browserUa =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

type Lead = {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  lifecycleStage: string;
  score: { total: number; grade: string | null };
};

describe('handoff journey', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let receiver: Receiver;
  let secret: string | undefined;
  before(async () => {
    server = await startServer();
    receiver = await startReceiver({ secret: () => secret });
  });
  after(async () => {
    await receiver?.close();
    await server?.close();
  });

  it('a demo MQL is rejected as not ready and recycled; another is accepted, qualified and won', async (t) => {
    await walkJourney(t, journey, server.url, walk);
  });

  async function walk(page: Page): Promise<void> {
    const rt = server.app.runtime;
    const system = { type: 'system', label: 'journey' } as const;
    const info = { ip: null, userAgent: null };

    // An admin sets up with the demo dataset and waits for it to load.
    const setup = await page.request.post('/api/setup', {
      data: {
        email: 'ann@example.test',
        name: 'Ann Admin',
        password: 'a strong first password',
        loadDemo: true,
      },
    });
    assert.equal(setup.status(), 201, await setup.text());
    const { csrfToken } = (await setup.json()) as { csrfToken: string };
    const headers = { 'x-csrf-token': csrfToken };
    const get = async <T>(url: string): Promise<T> => {
      const res = await page.request.get(url);
      assert.ok(res.ok(), `${url}: ${res.status()} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const deadline = Date.now() + 180_000;
    for (;;) {
      const jobs = await get<{ data: { status: string }[] }>('/api/v1/jobs?name=demo.load&limit=1');
      if (jobs.data[0]?.status === 'succeeded') break;
      assert.notEqual(jobs.data[0]?.status, 'dead', 'the demo load failed');
      assert.ok(Date.now() < deadline, 'the demo data did not load in time');
      await page.waitForTimeout(1000);
    }

    // Integrations listen to the handoff.
    const hook = await page.request.post('/api/v1/webhooks', {
      headers,
      data: {
        url: receiver.url,
        description: 'CRM sync',
        events: [
          'lead.mql',
          'lead.assigned',
          'lead.accepted',
          'lead.rejected',
          'lead.stage_changed',
          'deal.created',
          'deal.stage_changed',
          'deal.won',
        ],
      },
    });
    assert.equal(hook.status(), 201, await hook.text());
    secret = ((await hook.json()) as { secret: string }).secret;

    // Sales: Rosa in Max's inbound team, every MQL to the team round-robin, an hour to accept.
    const rosa = await rt.api.auth.createUser(
      system,
      { email: 'rosa@example.test', name: 'Rosa Rep', role: 'sales_rep', password: 'rosa has a password' },
      info,
    );
    const max = await rt.api.auth.createUser(
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
      { name: 'Inbound', managerId: max.id, members: [{ userId: rosa.id }] },
      system,
    );
    await rt.api.routing.settings.replaceRules(
      [
        {
          name: 'Every MQL',
          isDefault: true,
          teamId: team.id,
          strategy: 'round_robin',
          slaMinutes: 60,
          slaAction: 'escalate',
        },
      ],
      system,
    );
    const days = {
      sun: allDay,
      mon: allDay,
      tue: allDay,
      wed: allDay,
      thu: allDay,
      fri: allDay,
      sat: allDay,
    };
    await rt.api.routing.settings.setHours({ timeZone: 'UTC', days }, system);

    // Isabella Davis sits just under the threshold (docs/demo-data.md); she reads the pricing page.
    const isabella = (await get<{ data: Lead[] }>('/api/v1/leads?q=idavis%40pinnacle-apps.example')).data[0]!;
    assert.deepEqual([isabella.lifecycleStage, isabella.score.total], ['lead', 56]);
    const tracked = await fetch(`${server.url}/api/v1/public/track`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': browserUa },
      body: JSON.stringify({
        visitorId: 'handoff-journey-isabella',
        sentAt: Date.now(),
        events: [
          { type: 'identify', at: Date.now(), traits: { email: 'idavis@pinnacle-apps.example' } },
          {
            type: 'page',
            at: Date.now(),
            page: { url: 'https://www.tidewell.example/pricing', path: '/pricing', title: 'Pricing' },
          },
        ],
      }),
    });
    assert.equal(tracked.status, 202, await tracked.text());

    // Another open demo lead asks for a demo (a hand-raise under the policy).
    const open = (await get<{ data: Lead[] }>('/api/v1/leads?stage=lead&sort=-createdAt&limit=20')).data;
    const other = open.find((l) => l.id !== isabella.id && l.firstName && l.lastName)!;
    const otherName = `${other.firstName} ${other.lastName}`;
    await rt.database.db
      .transaction()
      .execute((tx) =>
        rt.api.leads.recordTouchpoints(tx, [
          { leadId: other.id, type: 'demo_requested', occurredAt: Date.now(), source: 'api', properties: {} },
        ]),
      );
    for (const id of [isabella.id, other.id]) {
      const lead = await get<Lead & { ownerId: string | null }>(`/api/v1/leads/${id}`);
      assert.deepEqual(
        [lead.lifecycleStage, lead.ownerId],
        ['mql', rosa.id],
        `${id} is an MQL routed to Rosa`,
      );
    }

    // Rosa signs in and finds both in her inbox, each with why it qualified and the time left.
    await page.request.post('/api/auth/logout', { headers });
    await page.goto('/login');
    await page.getByLabel('Email').fill('rosa@example.test');
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill('rosa has a password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Welcome, Rosa' }).waitFor();
    await page.getByRole('link', { name: 'Inbox' }).click();
    const cards = page.getByTestId('inbox-item');
    const isabellaCard = cards.filter({ hasText: 'Isabella Davis' });
    await isabellaCard.getByText('Score 65 ≥ 60 and fit grade A ≥ B').waitFor();
    await isabellaCard.getByText(/left to accept/).waitFor();
    await isabellaCard
      .getByText(/page viewed/i)
      .first()
      .waitFor();
    const otherCard = cards.filter({ hasText: otherName });
    await otherCard.getByText('Hand-raise: a demo_requested touchpoint').waitFor();
    await screenshot(page, journey, '01-inbox');

    // Not ready: Isabella goes back to nurture, with the reason and a note for marketing.
    await isabellaCard.getByRole('button', { name: 'Reject' }).click();
    const reject = page.getByRole('dialog', { name: 'Reject Isabella Davis' });
    await reject.getByRole('combobox', { name: /Reason/ }).click();
    await page.getByRole('option', { name: 'Not ready to buy yet' }).click();
    await reject.getByLabel('Note for marketing').fill('Comparing vendors until March; nurture her');
    await screenshot(page, journey, '02-reject');
    await reject.getByRole('button', { name: 'Reject lead' }).click();
    await reject.waitFor({ state: 'hidden' });
    await isabellaCard.waitFor({ state: 'detached' });

    // The other one is accepted, then qualified from the accepted list.
    await otherCard.getByRole('button', { name: 'Accept' }).click();
    await page.getByText(`Accepted ${otherName}`).waitFor();
    const accepted = page.getByTestId('accepted-lead').filter({ hasText: otherName });
    await accepted.getByRole('button', { name: 'Qualify' }).click();
    const qualify = page.getByRole('dialog', { name: `Qualify ${otherName}` });
    await qualify.getByRole('textbox', { name: 'Need' }).fill('One place for leads from five regional sites');
    await qualify.getByRole('textbox', { name: 'Budget' }).fill('€40k this fiscal year');
    await qualify.getByRole('textbox', { name: 'Authority' }).fill('Signs with the CFO');
    await qualify.getByRole('textbox', { name: 'Timing' }).fill('Decision in six weeks');
    await qualify.getByRole('button', { name: 'Qualify as SQL' }).click();
    await page.getByText(`${otherName} is sales-qualified (SQL)`).waitFor();

    // A deal from the inbox, then across the board to Won.
    await accepted.getByRole('button', { name: 'Open deal' }).click();
    const newDeal = page.getByRole('dialog', { name: 'New deal' });
    await newDeal.getByRole('textbox', { name: 'Name' }).fill('Regional sites rollout');
    await newDeal.getByRole('textbox', { name: 'Amount' }).fill('40000');
    await newDeal.getByRole('button', { name: 'Open deal' }).click();
    await page.getByText('Opened Regional sites rollout in Qualified').waitFor();
    await page.setViewportSize({ width: 1680, height: 960 });
    await page.getByRole('link', { name: 'Pipeline' }).click();
    await page.getByRole('heading', { name: 'Pipeline', exact: true }).waitFor();
    const column = (name: string) => page.getByRole('region', { name: `${name} column` });
    const card = page.getByRole('article', { name: 'Regional sites rollout' });
    await column('Qualified').getByRole('article', { name: 'Regional sites rollout' }).waitFor();
    await card.dragTo(column('Proposal'));
    await page.getByText('Regional sites rollout moved to Proposal').waitFor();
    await card.dragTo(column('Won'));
    const won = page.getByRole('dialog', { name: 'Mark “Regional sites rollout” as won?' });
    await won.getByRole('button', { name: 'Mark won' }).click();
    await page.getByText('Regional sites rollout is won').waitFor();
    await column('Won').getByRole('article', { name: 'Regional sites rollout' }).waitFor();
    await page.mouse.move(0, 0);
    await screenshot(page, journey, '03-board-won');
    await page.setViewportSize({ width: 1366, height: 860 });

    // Isabella's timeline (Rosa rejected her and no longer sees her; her manager and marketing do):
    // routed to Rosa, then recycled with the reason.
    const m = (await newPage(page.context().browser()!, server.url)).page;
    await m.goto('/login');
    await m.getByLabel('Email').fill('ann@example.test');
    await m.getByRole('textbox', { name: 'Password', exact: true }).fill('a strong first password');
    await m.getByRole('button', { name: 'Sign in' }).click();
    await m.getByRole('heading', { name: 'Welcome, Ann' }).waitFor();
    await m.goto(`/leads/${isabella.id}`);
    const isabellaTimeline = m.getByLabel('Timeline', { exact: true });
    await isabellaTimeline.getByText('Moved from Lead to MQL').waitFor();
    await isabellaTimeline.getByText('Assigned to Rosa Rep').waitFor();
    const recycled = isabellaTimeline
      .locator('[data-type="stage_move"]')
      .filter({ hasText: 'Moved from MQL to Recycled' });
    await recycled.getByText('not_ready').waitFor();
    await recycled.getByText('Comparing vendors until March; nurture her').waitFor();
    await recycled.getByText(/by rosa@example\.test/).waitFor();
    await screenshot(m, journey, '04-recycled-timeline');

    // The customer's timeline: every step of the handoff and the deal.
    await m.goto(`/leads/${other.id}`);
    const timeline = m.getByLabel('Timeline', { exact: true });
    for (const step of [
      'Moved from Lead to MQL',
      'Assigned to Rosa Rep',
      'Moved from MQL to SAL',
      'Sales-qualified (SQL)',
      'Deal “Regional sites rollout” opened',
      'Deal “Regional sites rollout” moved to Proposal',
      'Deal “Regional sites rollout” won',
      'Moved from Opportunity to Customer',
    ])
      await timeline.getByText(step, { exact: true }).first().waitFor();
    await screenshot(m, journey, '05-customer-timeline');
    const customer = (await (await m.request.get(`/api/v1/leads/${other.id}`)).json()) as Lead;
    assert.equal(customer.lifecycleStage, 'customer');

    // The receiver got each step, signed.
    const until = Date.now() + 30_000;
    const wanted = (): string[] => {
      const seen = receiver.received.map((r) => {
        const d = r.body.data as { leadId?: string; to?: string; deal?: { name?: string } };
        return `${r.event}:${d.leadId === isabella.id ? 'isabella' : d.leadId === other.id ? 'other' : (d.deal?.name ?? '')}${d.to ? `:${d.to}` : ''}`;
      });
      return [
        'lead.mql:isabella',
        'lead.assigned:isabella',
        'lead.rejected:isabella:recycled',
        'lead.stage_changed:isabella:recycled',
        'lead.mql:other',
        'lead.assigned:other',
        'lead.accepted:other:sal',
        'lead.stage_changed:other:sql',
        'lead.stage_changed:other:opportunity',
        'lead.stage_changed:other:customer',
        'deal.created:Regional sites rollout',
        'deal.won:Regional sites rollout',
      ].filter((w) => !seen.some((s) => s.startsWith(w)));
    };
    while (wanted().length > 0 && Date.now() < until) await page.waitForTimeout(250);
    assert.deepEqual(wanted(), [], 'every step reached the receiver');
    assert.ok(
      receiver.received.every((r) => r.verified),
      'every delivery carried a valid signature',
    );
    const rejection = receiver.received.find((r) => r.event === 'lead.rejected')!.body.data as {
      reasonCode: string;
      reason: string;
    };
    assert.deepEqual(
      [rejection.reasonCode, rejection.reason],
      ['not_ready', 'Comparing vendors until March; nurture her'],
    );
    assert.deepEqual(pageProblems(page), []);
    assert.deepEqual(pageProblems(m), []);
  }
});
